"""The dashboard screen: composes the panels and lays them out for the terminal's width."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ctxdash.core.budget import Budget
from ctxdash.ui.format import compact
from ctxdash.ui.widgets.breakdown import Breakdown
from ctxdash.ui.widgets.events import EventLog
from ctxdash.ui.widgets.gauge import Gauge
from ctxdash.ui.widgets.growth import GrowthPanel
from ctxdash.ui.widgets.items import BiggestItems
from ctxdash.ui.widgets.memory import MemoryPanel
from ctxdash.ui.widgets.panel import Panel
from ctxdash.ui.widgets.plan import PlanPanel
from ctxdash.ui.widgets.subagents import SubagentsPanel

#: Width breakpoints: below NARROW one column (side pane), from WIDE two, from XWIDE three.
WIDE, XWIDE = 100, 160


class TitleBar(Static):
    """One line: session and level; its background carries the alert colour."""


class DashboardScreen(Screen[None]):
    """Every panel of one session."""

    def compose(self) -> ComposeResult:
        yield TitleBar("ctxdash", id="title")
        yield Gauge(id="gauge")
        with VerticalScroll(id="panels"):
            yield Breakdown(id="breakdown")
            yield EventLog(id="events")
            yield GrowthPanel(id="growth")
            yield BiggestItems(id="items")
            yield PlanPanel(id="plan")
            yield MemoryPanel(id="memory")
            yield SubagentsPanel(id="subagents")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.set_class(width >= WIDE, "-wide")
        self.set_class(width >= XWIDE, "-xwide")

    def show(self, budget: Budget) -> None:
        """Render a new budget in every panel."""
        for panel in self.query(Panel):
            panel.show(budget)
        for level in ("warn", "critical"):
            self.set_class(budget.level == level, f"-{level}")
        word = {"ok": "OK", "warn": "WARNING", "critical": "CRITICAL"}[budget.level]
        sub = "subagent " if budget.is_subagent else ""
        title = f" {word} {compact(budget.used)}/{compact(budget.budget)} · {sub}"
        title += f"{budget.title or budget.project or ''} {(budget.session_id or '')[:8]}"
        self.query_one(TitleBar).update(title)

    def waiting(self, text: str) -> None:
        """No session to show yet: say so in the title bar."""
        self.query_one(TitleBar).update(f" {text}")

    @property
    def events_log(self) -> EventLog:
        """The event log panel."""
        return self.query_one(EventLog)
