"""The dashboard screen: composes the panels and lays them out for the terminal's size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Static

from ctxdash.core.budget import Budget
from ctxdash.core.levels import word
from ctxdash.ui.format import compact, fit, plain
from ctxdash.ui.keys import PALETTE, active_keys
from ctxdash.ui.legend import Legend
from ctxdash.ui.widgets.breakdown import Breakdown
from ctxdash.ui.widgets.events import EventLog
from ctxdash.ui.widgets.gauge import Gauge, MiniGauge
from ctxdash.ui.widgets.growth import GrowthPanel
from ctxdash.ui.widgets.items import BiggestItems
from ctxdash.ui.widgets.memory import MemoryPanel
from ctxdash.ui.widgets.panel import Panel
from ctxdash.ui.widgets.plan import PlanPanel
from ctxdash.ui.widgets.subagents import SubagentsPanel

#: Below TINY columns (or SHORT rows) only the one-line gauge; below FOOTER columns the
#: footer gives way to one line of keys; from WIDE two columns of panels, from XWIDE three.
TINY, FOOTER, WIDE, XWIDE = 26, 80, 100, 160
SHORT = 16


class TitleBar(Static):
    """One line: session and level; its background carries the alert colour."""


class KeysLine(Static):
    """The footer of a narrow pane: one line that says where the keys are."""

    def render(self) -> str:
        keys = active_keys(self.screen)  # the keymap applied
        parts = [
            f"{keys[name]} {what}"
            for name, what in (("help", "help"), ("quit", "quit"), (PALETTE, "commands"))
            if name in keys
        ]
        lines = [" · ".join(parts[:n]) for n in range(len(parts), 0, -1)]
        return fit([*lines, keys.get("help", "")], self.size.width)


class Panels(VerticalScroll):
    """The panels under the gauge; while its scrollbar shows, the gauge above keeps clear of
    that column too, so the borders line up."""

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        self.screen.set_class(shown, "-scrolling")


class DashboardScreen(Screen[None]):
    """Every panel of one session."""

    HORIZONTAL_BREAKPOINTS = [
        (0, "-tiny"),
        (TINY, "-narrow"),
        (FOOTER, "-medium"),
        (WIDE, "-wide"),
        (XWIDE, "-xwide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT, "-tall")]
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="quit", tooltip="Quit ctxdash"),
        Binding(
            "g",
            "toggle_groups",
            "/context view",
            show=False,  # the footer is full at 80 columns; help and the palette list it
            id="context-view",
            tooltip="Show the breakdown in the rows of Claude Code's /context, or the fine rows",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.legend = Legend()
        self.budget: Budget | None = None
        self.note = ""

    def compose(self) -> ComposeResult:
        yield TitleBar("ctxdash", id="title")
        yield Gauge(id="gauge")
        yield MiniGauge(id="mini")  # after the gauge: query_one(Gauge) finds the full one
        with Panels(id="panels"):
            yield Breakdown(id="breakdown")
            yield EventLog(id="events")
            yield GrowthPanel(id="growth")
            yield BiggestItems(id="items")
            yield PlanPanel(id="plan")
            yield MemoryPanel(id="memory")
            yield SubagentsPanel(id="subagents")
        yield KeysLine(id="keys")
        yield Footer()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        if self.budget is not None:
            self.show(self.budget, self.note)

    def show(self, budget: Budget, note: str = "") -> None:
        """Render a new budget in every panel; ``note`` follows the title (a preview says
        that the history is still being read)."""
        self.budget = budget
        self.note = note
        rows = self.legend.rows(budget, self.app.theme_variables, self.app.theme)
        # query, not query_one: a budget can arrive while the app closes and the panels go.
        for panel in self.query(Panel):
            panel.legend = rows
            panel.show(budget)
            panel.refresh(layout=True)
        for level in ("warn", "critical"):
            self.set_class(budget.level == level, f"-{level}")
        sub = "subagent " if budget.is_subagent else ""
        title = f" {word(budget.level)} {compact(budget.used)}/{compact(budget.budget)} · "
        title += f"{note} · " if note else ""
        title += f"{sub}{budget.title or budget.project or ''} {(budget.session_id or '')[:8]}"
        for bar in self.query(TitleBar):
            bar.update(plain(title))  # titles come from the transcript: plain text

    def action_toggle_groups(self) -> None:
        """Switch the breakdown between its fine rows and ``/context``'s rows."""
        for panel in self.query(Breakdown):
            panel.grouped = not panel.grouped

    def waiting(self, text: str) -> None:
        """No session to show yet: say so in the title bar."""
        for bar in self.query(TitleBar):
            bar.update(plain(f" {text}"))  # a folder name: plain text

    @property
    def events_log(self) -> EventLog:
        """The event log panel."""
        return self.query_one(EventLog)
