"""Events: threshold crossings, compactions, session switches, actions, bad lines."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ctxdash.ui.format import home_in_text, local_time, squeezed

#: Events kept (the oldest go first).
MAX_EVENTS = 500


class EventLog(VerticalScroll):
    """A bounded log of what happened, newest last, one line per event.

    Lines are cut to the pane with an ellipsis (and cut again when the pane is resized);
    times are local (``TZ`` is honoured), with the date when it is not today.
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
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.entries: deque[tuple[datetime, str, str]] = deque(maxlen=MAX_EVENTS)
        """``(when, text, style)`` of each event, oldest first."""

    def compose(self) -> ComposeResult:
        yield Static("", id="event-lines")

    def on_mount(self) -> None:
        self.border_title = "Events"

    @property
    def lines(self) -> list[str]:
        """The events as plain text (time and message)."""
        now = self.app.clock()  # type: ignore[attr-defined]
        return [f"{local_time(w, now)} {t}" for w, t, _ in self.entries]

    def add(self, when: datetime, text: str, style: str = "") -> None:
        """Log one event (``text`` is shown as plain text, never as markup)."""
        self.entries.append((when, home_in_text(squeezed(text)), style))
        now = self.app.clock()  # type: ignore[attr-defined]
        out = Text()
        for i, (w, t, st) in enumerate(self.entries):
            if i:
                out.append("\n")
            out.append(local_time(w, now) + " ", style="dim")
            out.append(t, style=st)
        self.query_one("#event-lines", Static).update(out)
        self.scroll_end(animate=False)
