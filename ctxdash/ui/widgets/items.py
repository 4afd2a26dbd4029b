"""Biggest items in context: what a user would drop."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import compact, parse_time, truncate, truncate_left
from ctxdash.ui.widgets.panel import Panel

KIND = {
    "tool_results": "result",
    "tool_calls": "call",
    "user_prompts": "prompt",
    "assistant_text": "reply",
    "thinking": "thinking",
    "compact_summary": "summary",
    "attachments": "attach",
    "images": "image",
    "unrecorded": "reminder",
}
#: Column widths: tokens, kind, turn, age (the item takes the rest).
TOKENS_W, KIND_W, TURN_W, AGE_W = 6, 8, 4, 4


def age(item_ts: str | None, now_ts: str | None) -> str:
    """How long before the last activity an item arrived: ``12m``, ``3h``, ``2d``."""
    a, b = parse_time(item_ts), parse_time(now_ts)
    if a is None or b is None:
        return ""
    minutes = max(0, int((b - a).total_seconds() // 60))
    if minutes < 120:
        return f"{minutes}m"
    return f"{minutes // 60}h" if minutes < 48 * 60 else f"{minutes // 1440}d"


def _detail(tool: str | None, path: str | None, room: int) -> str:
    """The tool and the path it read, the path's end kept when cut."""
    if not path:
        return truncate(tool or "", room)
    if not tool:
        return truncate_left(path, room)
    if len(tool) + 1 + len(path) <= room:
        return f"{tool} {path}"
    if room - len(tool) - 1 >= 6:
        return f"{tool} " + truncate_left(path, room - len(tool) - 1)
    return truncate_left(path, room)


class BiggestItems(Panel):
    """The largest items, in columns: tokens, kind, what, turn, age."""

    TITLE = "Biggest items"

    def render_budget(self, b: Budget) -> RenderableType:
        if not b.top_items:
            return Text("nothing attributed yet", style="dim")
        width = self.inner_width
        fixed = TOKENS_W + 1 + KIND_W + 1 + 1 + TURN_W + 1 + AGE_W
        room = width - fixed
        show_kind = room >= 8
        if not show_kind:
            room += KIND_W + 1
        head = Text(f"{'tokens':>{TOKENS_W}} ", style="bold dim")
        if show_kind:
            head.append(f"{'kind':<{KIND_W}} ")
        head.append(f"{'item':<{max(0, room)}} {'turn':>{TURN_W}} {'age':>{AGE_W}}")
        lines = [head]
        for item in b.top_items[:8]:
            line = Text(f"{compact(item.tokens):>{TOKENS_W}} ", style="bold")
            if show_kind:
                kind = KIND.get(item.kind, item.kind)
                line.append(f"{truncate(kind, KIND_W):<{KIND_W}} ", style="dim")
            line.append(f"{_detail(item.tool, item.path, room):<{max(0, room)}} ")
            line.append(f"{item.turn:>{TURN_W}} ", style="dim")
            line.append(f"{age(item.timestamp, b.last_activity):>{AGE_W}}", style="dim")
            lines.append(line)
        return Text("\n").join(lines)
