"""Breakdown: every category with tokens, its share of the context used and a bar; estimated
rows marked ≈. What is left in the budget, the free space before auto-compact and the
auto-compact reserve follow, without a share."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import bar_cells, compact, fit_label
from ctxdash.ui.legend import TOTALS
from ctxdash.ui.widgets.panel import Panel

#: Cells after the label: " " + "≈" + tokens (6); then " " + share ("53.3%").
NUMBERS = 1 + 7
SHARE = 6
#: Length of the longest group prefix, ``Tool results · ``.
PREFIX = 15


class Breakdown(Panel):
    """Where the tokens go, in a stable order, then free space and the reserve."""

    TITLE = "Breakdown · % of used"

    def render_budget(self, b: Budget) -> RenderableType:
        width = self.inner_width
        rows = self.legend
        # Columns: "■ " label " ≈" tokens [" " share] [" " bar]; the bar and the share go first.
        share_w = SHARE if width - 2 - NUMBERS - SHARE >= 14 else 0
        spare = width - 2 - NUMBERS - share_w - 1 - 22  # a bar once labels have 22 cells
        bar_w = min(24, spare) if spare >= 8 else 0
        label_w = max(1, min(32, width - 2 - NUMBERS - share_w - (bar_w + 1 if bar_w else 0)))
        # Short group names for every row once "Tool results · " leaves too little room.
        short = label_w < PREFIX + 8 and any(len(r.label) > label_w for r in rows)
        lines = []
        for row in rows:
            total = row.name in TOTALS
            share = row.tokens / b.used if b.used and not total else 0.0
            line = Text()
            line.append("■ ", style=row.colour)
            line.append(f"{fit_label(row.label, label_w, short=short):<{label_w}}")
            number = ("≈" if row.estimated else "") + compact(row.tokens)
            line.append(f" {number:>7}")
            if share_w:
                line.append(" " * SHARE if total else f" {100 * share:4.1f}%")
            if bar_w:
                line.append(" ")
                line.append("█" * bar_cells(share, bar_w), style=row.colour)
            lines.append(line)
        return Text("\n").join(lines)
