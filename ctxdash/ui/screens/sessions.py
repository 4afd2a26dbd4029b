"""The session list: every session, newest first; type to filter, Enter follows one."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from ctxdash.core.claude.session_list import SessionRow
from ctxdash.core.levels import word
from ctxdash.ui.format import compact, fit, parse_time, squeezed, truncate

#: Fixed columns: used, level, modified (with the year, or without it), session id.
USED_W, LEVEL_W, DATE_W, SHORT_DATE_W, ID_W = 6, 5, 16, 11, 8


def when(row: SessionRow, width: int = DATE_W) -> str:
    """``2026-03-01 14:03`` in the local zone; ``03-01 14:03`` in fewer cells (the time of
    day tells apart the sessions of one day)."""
    moment = parse_time(row.modified)
    if moment is None:
        return "?"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M" if width >= DATE_W else "%m-%d %H:%M")


def project_of(row: SessionRow) -> str:
    """The project's folder name (from the session's working directory)."""
    return Path(row.cwd).name if row.cwd else "?"


def matches(row: SessionRow, words: list[str]) -> bool:
    """Every word is in the title, project, folder, id, level or date (any case)."""
    hay = " ".join(
        [row.title or "", row.cwd or "", row.session_id, word(row.level, short=True), when(row)]
    ).lower()
    return all(w in hay for w in words)


class Hint(Static):
    """The keys of the list, as much as fits."""

    def render(self) -> str:
        return fit(
            [
                " newest first · type to filter · Enter follows · q/Esc closes",
                " type to filter · Enter follows · q closes",
                " type to filter · q closes",
            ],
            self.size.width,
        )


def layout(room: int) -> dict[str, int]:
    """Column widths for ``room`` cells, least useful columns dropped first.

    The session id goes first, then the year, the level, then the project; the title
    keeps at least 8 cells and takes two thirds of what is left (the project the rest).
    """
    columns = {"used": USED_W, "level": LEVEL_W, "modified": DATE_W, "title": 0, "project": 0}
    columns["session"] = ID_W
    steps = [("session", None), ("modified", SHORT_DATE_W), ("level", None), ("project", None)]
    for key, smaller in [(None, None), *steps]:
        if key is not None:
            if smaller is None:
                del columns[key]
            else:
                columns[key] = smaller
        fixed = sum(w for k, w in columns.items() if k not in ("title", "project"))
        flex = room - fixed - 2 * len(columns)
        if "project" not in columns or flex >= 8 + 8 + 10:  # title 8+, project 6+, slack
            break
    if "project" in columns:
        columns["title"] = max(8, flex * 3 // 5)
        columns["project"] = max(6, flex - columns["title"])
    else:
        columns["title"] = max(8, flex)
    return columns


class SessionListScreen(ModalScreen[Path | None]):
    """Pick a session; dismisses with its transcript path (or ``None``)."""

    DEFAULT_CSS = """
    SessionListScreen { align: center middle; }
    SessionListScreen > Vertical {
        width: 95%; min-width: 24; height: 90%; border: round $primary; background: $surface;
    }
    SessionListScreen #hint { color: $text-muted; height: 1; }
    SessionListScreen #filter { border: none; height: 1; padding: 0 1; background: $panel; }
    SessionListScreen DataTable { height: 1fr; }
    SessionListScreen #empty { color: $text-muted; padding: 0 1; height: 1; }
    """
    BINDINGS = [
        Binding("escape", "escape", "Close", id="sessions-close"),
        Binding("q", "dismiss_none", "Close", id="sessions-quit", show=False),
        Binding("slash", "focus_filter", "Filter", id="sessions-filter", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, rows: list[SessionRow], current: Path | None) -> None:
        super().__init__()
        self.rows = sorted(rows, key=lambda r: r.modified, reverse=True)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Hint(id="hint")
            yield Input(placeholder="filter: type words", id="filter")
            yield Static("", id="empty")
            yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.fill()
        self.query_one(DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        self.fill()

    def fill(self) -> None:
        """(Re)build the table for the current width and filter."""
        table = self.query_one(DataTable)
        words = self.query_one("#filter", Input).value.lower().split()
        # Inside the border and the scrollbar; each column has a cell of padding each side.
        widths = layout(self.query_one(Vertical).size.width - 2 - 2)
        table.clear(columns=True)
        for key, width in widths.items():
            label = Text(key, justify="right") if key == "used" else key
            table.add_column(label, width=width, key=key)
        for row in self.rows:
            if words and not matches(row, words):
                continue
            mark = "▶ " if self.current and Path(row.transcript) == self.current else ""
            used = compact(row.used) if row.used is not None else "—"
            cells = {
                "used": Text(used, justify="right"),
                "level": Text(word(row.level, short=True)),
                "modified": Text(when(row, widths.get("modified", DATE_W))),
                "title": Text(truncate(mark + squeezed(row.title or ""), widths["title"])),
                "project": Text(truncate(squeezed(project_of(row)), widths.get("project", 0))),
                "session": Text(row.session_id[:ID_W]),
            }
            table.add_row(*(cells[key] for key in widths), key=row.transcript)
        empty = self.query_one("#empty", Static)
        empty.update("" if table.row_count else "nothing matches" if words else "no sessions")
        empty.display = not table.row_count

    def on_key(self, event: events.Key) -> None:
        """Typing on the list goes to the filter (``q`` closes, ``/`` also filters)."""
        table = self.query_one(DataTable)
        if self.focused is table and event.is_printable and event.character not in (None, "q", "/"):
            field = self.query_one("#filter", Input)
            field.focus()
            field.insert_text_at_cursor(event.character or "")
            event.stop()

    @on(Input.Changed, "#filter")
    def _filtered(self) -> None:
        self.fill()

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self.dismiss(Path(str(key.value)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(Path(str(event.row_key.value)))

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_escape(self) -> None:
        """Escape clears the filter first, then closes."""
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
            self.query_one(DataTable).focus()
        else:
            self.dismiss(None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
