"""Events: threshold crossings, compactions, session switches, actions, bad lines."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ctxdash.ui.format import home_in_text, local_time, squeezed

#: Events kept (the oldest go first).
MAX_EVENTS = 500


class EventLog(VerticalScroll):
    """A bounded log of what happened, newest last.

    An event wraps under its own text (the time stays in its column; a long path breaks
    anywhere), so nothing is cut at any width; times are local (``TZ`` is honoured), with
    the date when it is not today. An event with a ``key`` replaces the one before it with
    the same key (the auto-compact estimate, corrected again as the session grows).
    """

    DEFAULT_CSS = """
    EventLog {
        height: auto;
        max-height: 12;
        min-height: 3;
        border: round $foreground 25%;
        border-title-color: $text-muted;
        border-title-style: bold;
        padding: 0 1;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
    }
    EventLog > #event-lines {
        width: 1fr;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.entries: deque[tuple[datetime, str, str, str]] = deque(maxlen=MAX_EVENTS)
        """``(when, text, style, key)`` of each event, oldest first."""

    def compose(self) -> ComposeResult:
        yield Static("", id="event-lines")

    def on_mount(self) -> None:
        self.border_title = "Events"
        self.anchor()  # the newest event in view as the log grows (until scrolled up)

    @property
    def lines(self) -> list[str]:
        """The events as plain text (time and message)."""
        now = self.app.clock()  # type: ignore[attr-defined]
        return [f"{local_time(w, now)} {t}" for w, t, _, _ in self.entries]

    def add(self, when: datetime, text: str, style: str = "", *, key: str = "") -> None:
        """Log one event (``text`` is shown as plain text, never as markup); with ``key``,
        it replaces the earlier event with that key (the new one comes last, with its time)."""
        if key:
            self.entries = deque((e for e in self.entries if e[3] != key), maxlen=MAX_EVENTS)
        self.entries.append((when, home_in_text(squeezed(text)), style, key))
        now = self.app.clock()  # type: ignore[attr-defined]
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(ratio=1, overflow="fold")
        for w, t, st, _ in self.entries:
            table.add_row(local_time(w, now), Text(t, style=st))
        self.query_one("#event-lines", Static).update(table)
        self.scroll_end(animate=False)
