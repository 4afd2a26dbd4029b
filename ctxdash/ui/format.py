"""Small text helpers shared by the widgets (no I/O)."""

from __future__ import annotations

from ctxdash.textout import compact

__all__ = ["bar_cells", "compact", "truncate"]


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells with an ellipsis."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def bar_cells(fraction: float, width: int) -> int:
    """How many of ``width`` cells a fraction fills."""
    return max(0, min(width, round(max(0.0, fraction) * width)))
