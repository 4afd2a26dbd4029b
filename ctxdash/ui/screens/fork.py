"""Pick where to fork: the current end or one of the recent prompts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ctxdash.ui.format import plain, truncate


class ForkPicker(ModalScreen[str | None]):
    """Dismisses with ``"end"``, a message uuid, or ``None`` (cancelled)."""

    DEFAULT_CSS = """
    ForkPicker { align: center middle; }
    ForkPicker > Vertical {
        width: 90%; max-width: 100; min-width: 24; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ForkPicker OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape,q", "cancel", "Cancel", id="fork-cancel")]

    def __init__(self, prompts: list[tuple[str, str]]) -> None:
        """``prompts``: ``(uuid, text)`` of recent prompts, oldest first."""
        super().__init__()
        self.prompts = prompts

    def compose(self) -> ComposeResult:
        options = [Option("at the end (everything so far)", id="end")]
        for uuid, text in reversed(self.prompts):
            options.append(Option(plain(f"up to: {truncate(' '.join(text.split()), 80)}"), id=uuid))
        with Vertical():
            yield Static("Fork into a new session `claude --resume` opens. Enter picks.")
            yield OptionList(*options, markup=False)  # prompts are transcript text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
