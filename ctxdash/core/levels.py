"""The budget and its alert levels: pure arithmetic, no imports (the status line uses it).

The budget is what a user plans to spend of the window: 200K by default, even when the model's
window is 1M, because quality drops long before a 1M window fills. The levels are 75% and 90%
of the budget (150K and 180K of 200K). ``budget = "window"`` in the config makes the budget
the whole window instead; a token count sets it. Configured levels are token counts, or
fractions (below 1) of the budget.
"""

from __future__ import annotations

#: The default budget and its levels, in tokens.
DEFAULT_BUDGET = 200_000
WARN_SHARE, CRITICAL_SHARE = 0.75, 0.9

#: The level names, lowest first.
OK, WARN, CRITICAL = "ok", "warn", "critical"
LEVELS = (OK, WARN, CRITICAL)
#: How each level is written: in full (dashboard, ``ctxdash status``) and short (status line,
#: session list).
WORDS = {OK: "OK", WARN: "WARNING", CRITICAL: "CRITICAL"}
SHORT_WORDS = {OK: "OK", WARN: "WARN", CRITICAL: "CRIT"}
#: The terminal colour (ANSI SGR) of each level, for plain-text output.
ANSI = {OK: "32", WARN: "33", CRITICAL: "1;31"}


def budget_size(window: int, setting: int | str | None) -> tuple[int, str]:
    """The budget for a window and the config's ``budget`` setting, and where it came from.

    ``None`` means the 200K default; ``"window"`` the whole window; a number that many
    tokens. The budget never exceeds the window.
    """
    if setting == "window":
        return window, 'the window (config budget = "window")'
    if isinstance(setting, int) and not isinstance(setting, bool) and setting > 0:
        if setting >= window:
            return window, "the window (config budget is larger)"
        return setting, "config budget"
    if window <= DEFAULT_BUDGET:
        return window, "the window"
    return DEFAULT_BUDGET, "default 200K"


def level_tokens(budget: int, value: int | float | None, share: float) -> int:
    """One level in tokens: configured tokens, a configured fraction, or ``share`` of the budget."""
    if value is None or isinstance(value, bool):
        return round(budget * share)
    if isinstance(value, float) and value < 1:
        return round(budget * value)
    return int(value)


def levels(
    budget: int, warn: int | float | None = None, critical: int | float | None = None
) -> tuple[int, int]:
    """``(warn, critical)`` in tokens; critical is never below warn."""
    w = level_tokens(budget, warn, WARN_SHARE)
    c = level_tokens(budget, critical, CRITICAL_SHARE)
    return w, max(w, c)


def level_name(used: int, warn: int, critical: int) -> str:
    """``ok``, ``warn`` or ``critical``."""
    if used >= critical:
        return CRITICAL
    if used >= warn:
        return WARN
    return OK


def word(level: str, *, short: bool = False) -> str:
    """How a level is written (``?`` for an unknown one)."""
    return (SHORT_WORDS if short else WORDS).get(level, "?")
