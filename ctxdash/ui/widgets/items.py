"""Biggest items in context: what a user would drop."""

from __future__ import annotations

from datetime import datetime

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import compact, truncate, truncate_left
from ctxdash.ui.widgets.panel import Panel

KIND = {
    "tool_results": "result",
    "tool_calls": "call",
    "user_prompts": "prompt",
    "assistant_text": "reply",
    "compact_summary": "summary",
}


def _age(item_ts: str | None, now_ts: str | None) -> str:
    if not item_ts or not now_ts:
        return ""
    try:
        a = datetime.fromisoformat(item_ts.replace("Z", "+00:00"))
        b = datetime.fromisoformat(now_ts.replace("Z", "+00:00"))
    except ValueError:
        return ""
    minutes = max(0, int((b - a).total_seconds() // 60))
    return f"{minutes}m" if minutes < 120 else f"{minutes // 60}h"


class BiggestItems(Panel):
    """The largest items with turn and age (relative to the last activity)."""

    TITLE = "Biggest items"

    def render_budget(self, b: Budget) -> RenderableType:
        if not b.top_items:
            return Text("nothing attributed yet", style="dim")
        width = self.inner_width
        lines = []
        for item in b.top_items[:8]:
            what = item.tool or KIND.get(item.kind, item.kind)
            line = Text(f"{compact(item.tokens):>6} ", style="bold")
            line.append(f"{KIND.get(item.kind, item.kind)[:6]:<7}", style="dim")
            meta = f" t{item.turn} {_age(item.timestamp, b.last_activity)}".rstrip()
            room = max(4, width - line.cell_len - len(meta))
            detail = what if not item.path else f"{what} {item.path}"
            if item.path and len(detail) > room:
                detail = f"{what} " + truncate_left(item.path, max(2, room - len(what) - 1))
            line.append(truncate(detail, room))
            line.append(meta.rjust(max(0, width - line.cell_len)), style="dim")
            lines.append(line)
        return Text("\n").join(lines)
