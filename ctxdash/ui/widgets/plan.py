"""Plan vs actual: the planned allocation of the budget (system prompt, tools and memory 15K,
conversation 80K, reference 50K, reserve 55K of 200K) against what the session uses."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import compact
from ctxdash.ui.widgets.panel import Panel

NAMES = {
    "system": "System",
    "conversation": "Conversation",
    "reference": "Reference",
    "reserve": "Reserve (left)",
}


class PlanPanel(Panel):
    """Each bucket: actual / planned, flagged when over (or the reserve when short)."""

    TITLE = "Plan vs actual"

    def render_budget(self, b: Budget) -> RenderableType:
        lines = []
        warn = self.level("warn")
        for row in b.plan:
            line = Text(f"{NAMES.get(row.bucket, row.bucket):<16}")
            line.append(f"{compact(row.actual):>6} / {compact(row.planned):<5}")
            if row.over:
                line.append(" short" if row.bucket == "reserve" else " over", style=f"bold {warn}")
            lines.append(line)
        return Text("\n").join(lines)
