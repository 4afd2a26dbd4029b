"""Breakdown: every category with tokens, its share of the context used and a bar; estimated
rows marked ≈. What is left in the budget, the free space before auto-compact and the
auto-compact reserve follow, without a share."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive

from ctxdash.core.budget import Budget
from ctxdash.ui.format import SHORTEST, bar_cells, compact, fit_label, short_label
from ctxdash.ui.legend import TOTALS
from ctxdash.ui.widgets.panel import Panel

#: Cells after the label: " " + "≈" + tokens (6); then " " + share ("53.3%").
NUMBERS = 1 + 7
SHARE = 6
#: The narrowest bar worth drawing, and the widest.
MIN_BAR, MAX_BAR = 8, 24


#: The colour of each ``/context`` row: the breakdown category it mostly holds.
GROUP_COLOURS = {
    "System prompt": "system",
    "System tools": "tools",
    "MCP tools": "mcp_tools",
    "Custom agents": "agents",
    "Memory files": "memory:",
    "Skills": "skills",
    "Messages": "user_prompts",
    "Free space": "free",
    "Autocompact buffer": "reserve",
}


def layout(width: int, labels: list[str]) -> tuple[int, int, int, bool]:
    """``(label cells, share cells, bar cells, short labels)`` for rows in ``width`` cells.

    Full labels when they fit (the bar is the share again: it gives way first), else the
    short ones; the bar takes the room the labels leave (up to MAX_BAR).
    The share goes first when even the short fixed labels would not fit.
    """
    share_w = SHARE
    room = width - 2 - NUMBERS - share_w  # the label, then " " and the bar
    if room < SHORTEST:
        share_w, room = 0, room + SHARE
    full = max((len(label) for label in labels), default=0)
    brief = max((len(short_label(label)) for label in labels), default=0)
    if full <= room:
        need, short = full, False
    else:
        need, short = min(brief, room), True
    spare = room - need - 1
    bar_w = min(MAX_BAR, spare) if spare >= MIN_BAR else 0
    label_w = max(1, min(room - (bar_w + 1 if bar_w else 0), max(need, 22)))
    return label_w, share_w, bar_w, short


class Breakdown(Panel):
    """Where the tokens go, in a stable order, then free space and the reserve.

    ``grouped`` shows the same context in the rows of Claude Code's ``/context`` instead.
    """

    TITLE = "Breakdown · % of used"
    GROUPED_TITLE = "As /context · % of window"

    grouped: reactive[bool] = reactive(False, layout=True)
    """Show ``/context``'s rows (and shares of the window) instead of the fine rows."""

    def watch_grouped(self, grouped: bool) -> None:
        self.border_title = self.GROUPED_TITLE if grouped else self.TITLE

    def render_budget(self, b: Budget) -> RenderableType:
        if self.grouped:
            return self._render_groups(b)
        width = self.inner_width
        rows = self.legend
        label_w, share_w, bar_w, short = layout(width, [row.label for row in rows])
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

    def _render_groups(self, b: Budget) -> RenderableType:
        """``/context``'s rows: System prompt, System tools, … Free space, Autocompact buffer."""
        width = self.inner_width
        share_w = SHARE if width - 2 - NUMBERS - SHARE >= 14 else 0
        label_w = max(1, min(20, width - 2 - NUMBERS - share_w))
        lines = []
        for group in b.context_groups:
            line = Text()
            line.append("■ ", style=self.colour(GROUP_COLOURS.get(group.name, "other")))
            line.append(f"{fit_label(group.name, label_w, short=False):<{label_w}}")
            line.append(f" {compact(group.tokens):>7}")
            if share_w and b.window:
                line.append(f" {100 * group.tokens / b.window:4.1f}%")
            lines.append(line)
        if not lines:
            return Text("no /context view for this session")
        return Text("\n").join(lines)
