"""Events: threshold crossings, compactions, session switches, actions, bad lines."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import RichLog


class EventLog(RichLog):
    """A bounded log of what happened, newest last."""

    DEFAULT_CSS = """
    EventLog {
        height: auto;
        max-height: 12;
        min-height: 3;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        border-title-style: bold;
        padding: 0 1;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=500, wrap=True, markup=False, min_width=20, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.border_title = "Events"

    def add(self, when: datetime, text: str, style: str = "") -> None:
        """Log one event."""
        line = Text(when.strftime("%H:%M:%S "), style="dim")
        line.append(text, style=style)
        self.write(line)
