"""Breakdown: every category with tokens, its share of the context used and a bar; estimated
rows marked ≈. What is left in the budget, the free space before auto-compact and the
auto-compact reserve follow, without a share."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import bar_cells, compact, fit_label
from ctxdash.ui.widgets.panel import Panel

#: Rows after the categories: what is left, not a share of what is used.
TOTALS = ("budget_left", "free", "reserve")


class Breakdown(Panel):
    """Where the tokens go, largest first, then free space and the reserve."""

    TITLE = "Breakdown · % of used"

    def render_budget(self, b: Budget) -> RenderableType:
        width = self.inner_width
        rows = [(c.name, c.label, c.tokens, c.estimated) for c in b.categories if c.tokens > 0]
        rows.sort(key=lambda r: -r[2])
        rows.append(("budget_left", "Left in budget", b.budget_left, False))
        rows.append(("free", "Free to auto-compact", b.free, False))
        rows.append(("reserve", "Auto-compact reserve", b.reserve, True))
        # Fixed columns take 16 cells; a bar only where there is room for it.
        bar_w = min(24, width - 16 - 24) if width >= 56 else 0
        label_w = min(32, width - 16 - bar_w)
        lines = []
        for name, label, tokens, estimated in rows:
            share = tokens / b.used if b.used and name not in TOTALS else 0.0
            colour = self.colour(name)
            line = Text()
            line.append("■ ", style=colour)
            line.append(f"{fit_label(label, label_w):<{label_w}}")
            line.append("≈" if estimated else " ", style="dim")
            pct = f"{100 * share:4.1f}%" if name not in TOTALS else " " * 5
            line.append(f"{compact(tokens):>6} {pct} ")
            if bar_w:
                cells = bar_cells(share, bar_w)
                line.append("█" * cells, style=colour)
            lines.append(line)
        return Text("\n").join(lines)
