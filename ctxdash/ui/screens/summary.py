"""Preview the compressed summary, then copy, save, or start a fresh session with it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from ctxdash.core.plain import clean as untrusted
from ctxdash.ui.format import compact, plain


class SummaryPreview(ModalScreen[str | None]):
    """Dismisses with ``"copy"``, ``"save"``, ``"seed"`` or ``None``."""

    DEFAULT_CSS = """
    SummaryPreview { align: center middle; }
    SummaryPreview > Vertical {
        width: 95%; min-width: 24; height: 90%; border: round $primary; background: $surface;
    }
    SummaryPreview #summary-head { padding: 0 1; background: $panel; }
    SummaryPreview VerticalScroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("y", "choose('copy')", "Copy", id="summary-copy"),
        Binding("w", "choose('save')", "Save", id="summary-save"),
        Binding("n", "choose('seed')", "Fresh session", id="summary-seed"),
        Binding("escape,q", "choose('')", "Close", id="summary-close"),
    ]

    def __init__(self, markdown: str, tokens: int, source: int, budget: int) -> None:
        super().__init__()
        self.markdown = untrusted(markdown)  # rendered as Markdown: no control characters
        share = 100 * tokens / source if source else 0.0
        shown = "<0.1%" if 0 < share < 0.1 else f"{share:.1f}%" if share < 10 else f"{share:.0f}%"
        self.head = (
            f"{compact(tokens)} tokens, {shown} of the {compact(source)} it sums up "
            f"(budget {compact(budget)}) · "
            "y copy · w save · n fresh session seeded with it · esc close"
        )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.head), id="summary-head")
            with VerticalScroll():
                yield Markdown(self.markdown)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice or None)
