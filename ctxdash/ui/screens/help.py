"""Help: what the panels mean and which keys do what."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# ctxdash

Watches the current Claude Code session's context window, live.

| key | action |
|---|---|
{keys}

**Levels.** Warning from 150K, critical from 180K on a 200K window (the same fractions on
other windows). At critical: take a snapshot, write a summary, fork, or `/clear`.

**Gauge.** `│` warn, `┃` critical, `╎` estimated auto-compact point.
**Breakdown.** Rows add up to the exact size; `≈` marks estimated rows.
**Growth.** `┃` marks a compaction in the sparkline.
**Memory files.** T1 always loaded · T2 current work · T3 related (path rules) · T4 on demand.

Press `escape` or `?` to close.
"""


class HelpScreen(ModalScreen[None]):
    """A modal with the key table and a legend."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 90; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help-close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        rows = "\n".join(f"| `{k}` | {d} |" for k, d in self.keys)
        with VerticalScroll():
            yield Markdown(HELP.format(keys=rows))
