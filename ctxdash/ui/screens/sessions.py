"""The session list: every session, newest first; Enter follows the chosen one."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ctxdash.core.sessions import SessionRow
from ctxdash.ui.format import compact

LEVEL_WORD = {"ok": "OK", "warn": "WARN", "critical": "CRIT", "unknown": "?"}


class SessionListScreen(ModalScreen[Path | None]):
    """Pick a session; dismisses with its transcript path (or ``None``)."""

    DEFAULT_CSS = """
    SessionListScreen { align: center middle; }
    SessionListScreen > Vertical {
        width: 95%; height: 90%; border: round $primary; background: $surface;
    }
    SessionListScreen DataTable { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "dismiss_none", "Close", id="sessions-close")]

    def __init__(self, rows: list[SessionRow], current: Path | None) -> None:
        super().__init__()
        self.rows = rows
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(" Sessions, newest first · Enter follows · Esc closes", id="hint")
            yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("used", "level", "modified", "project", "session")
        for row in self.rows:
            mark = "▶ " if self.current and Path(row.transcript) == self.current else ""
            table.add_row(
                compact(row.used) if row.used is not None else "—",
                LEVEL_WORD.get(row.level, row.level),
                row.modified[5:16].replace("T", " "),
                mark + (row.title or Path(row.cwd or "?").name),
                row.session_id[:8],
                key=row.transcript,
            )
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(Path(str(event.row_key.value)))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
