"""Token figures as people read them: ``152300`` → ``152.3K``."""

from __future__ import annotations


def compact(n: int | float | None) -> str:
    """``152300`` → ``152.3K``; ``1000000`` → ``1M``."""
    if n is None:
        return "—"
    n = float(n)
    if abs(n) >= 1_000_000:
        value, unit = n / 1_000_000, "M"
    elif abs(n) >= 1_000:
        value, unit = n / 1_000, "K"
    else:
        return str(int(n))
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def minutes_text(minutes: float) -> str:
    """``~12 min``; ``<1 min`` for less than a minute (``~0 min`` would read as "now")."""
    return "<1 min" if minutes < 1 else f"~{round(minutes)} min"
