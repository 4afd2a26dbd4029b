"""Help: which keys do what, and what each panel and symbol means (one per line)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ctxdash.core.levels import DEFAULT_BUDGET, LEVELS, levels, word
from ctxdash.core.numbers import compact
from ctxdash.ui.keys import active_keys

HELP = """\
# ctxdash

Where the current Claude Code session's context goes, live.

## Keys

{keys}
{palette}{close}
## Levels

- **{ok_word}** below {warn}
- **{warn_word}** from {warn}: plan a `/clear`
- **{critical_word}** from {critical}: snapshot, summary, fork or `/clear` now

## Panels

- **Title bar**: level, size / budget, session title and id, in the level's colour
- **Context**: size / budget, share of the budget, level, what is left to each level
  ("to warn …"), then the window and the auto-compact point
- **Breakdown**: where the tokens go; the rows add up to the size
- **Events**: level crossings, compactions, session switches, actions
- **Growth**: the size after each reply, the pace, turns left to each level
- **Biggest items**: the largest things in context, with their turn and age
- **Plan vs actual**: each part of the planned budget against what is used
- **Memory files**: CLAUDE.md and rule files with tokens, lines and tier
- **Subagents**: each subagent's own window (not part of the main one)

## Symbols

- `█` used, in the breakdown's colours, row by row
- `░` free
- `│` the warning level on the gauge bar
- `┃` the critical level on the gauge bar
- `╎` the estimated auto-compact point
- `▸` the window goes on beyond the budget (the end of the gauge bar, the window line)
- `┃` in the growth line: a compaction
- `≈` estimated, not an exact count
- `T1` memory always loaded
- `T2` memory of the current work
- `T3` related memory (path rules)
- `T4` memory loaded on demand
- `!` a problem with a memory file
- `▶` the session on screen (session list)
"""


#: The levels of the default budget, until a session's budget says which are in force.
_DEFAULT = tuple(compact(level) for level in levels(DEFAULT_BUDGET))


class HelpScreen(ModalScreen[None]):
    """A modal with the keys, the levels, the panels and the symbols."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 90; min-width: 24; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen MarkdownH1 { margin: 0; padding: 0; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help-close")]

    def __init__(
        self,
        keys: list[tuple[str, str]],
        *,
        palette: str | None = "^p",
        warn: str = _DEFAULT[0],
        critical: str = _DEFAULT[1],
    ) -> None:
        """``keys``: ``(keys, what they do)`` as they work now (the keymap applied);
        ``palette``: the command palette's key; ``warn``/``critical``: the levels in force."""
        super().__init__()
        self.keys = keys
        self.palette = palette
        self.levels = {"warn": warn, "critical": critical}
        self.text = ""
        """The help as shown (Markdown)."""

    def compose(self) -> ComposeResult:
        keys = "\n".join(f"- `{k}` {d}" for k, d in self.keys)
        palette = f"- `{self.palette}` commands (Help, Sessions, themes…)\n" if self.palette else ""
        close = active_keys(self).get("help-close")  # this pop-up's own keys
        if close:
            *others, last = [f"`{k}`" for k in close.split("/")]
            shown = f"{', '.join(others)} or {last}" if others else last
            close = f"- {shown} closes a pop-up (this one too)\n"
        words = {f"{level}_word": word(level) for level in LEVELS}
        self.text = HELP.format(
            keys=keys, palette=palette, close=close or "", **words, **self.levels
        )
        with VerticalScroll():
            yield Markdown(self.text)
