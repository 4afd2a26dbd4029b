"""The base of every dashboard panel: a bordered widget that renders a Budget."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ctxdash.core.budget import Budget
from ctxdash.ui.legend import LegendRow
from ctxdash.ui.theming import category_colour, level_colour


class Panel(Widget):
    """A titled panel. Subclasses implement :meth:`render_budget`."""

    DEFAULT_CSS = """
    Panel {
        height: auto;
        border: round $foreground 25%;
        border-title-color: $text-muted;
        border-title-style: bold;
        padding: 0 1;
    }
    """
    TITLE = ""

    budget: reactive[Budget | None] = reactive(None, layout=True)
    """The budget on screen (``None`` until the first one arrives)."""

    legend: list[LegendRow] = []  # replaced with each budget, never mutated
    """The breakdown's rows with their colours (set by the dashboard with each budget)."""

    def on_mount(self) -> None:
        self.border_title = self.TITLE

    def show(self, budget: Budget) -> None:
        """Render a new budget."""
        self.budget = budget

    @property
    def inner_width(self) -> int:
        """Columns available for content (inside the border and the padding)."""
        return max(1, self.size.width)

    def colour(self, category: str) -> str:
        """The theme colour of a breakdown category."""
        return category_colour(category, self.app.theme_variables)

    def level(self, level: str) -> str:
        """The theme colour of a level (ok, warn, critical)."""
        return level_colour(level, self.app.theme_variables)

    def render(self) -> RenderableType:
        if self.budget is None:
            return Text("waiting for data…", style="dim")
        return self.render_budget(self.budget)

    def render_budget(self, budget: Budget) -> RenderableType:
        """Turn the budget into a renderable."""
        raise NotImplementedError
