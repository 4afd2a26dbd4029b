"""Small text helpers shared by the widgets (no I/O)."""

from __future__ import annotations

from ctxdash.textout import compact

__all__ = ["bar_cells", "compact", "fit_label", "truncate", "truncate_left"]


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells with an ellipsis."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def bar_cells(fraction: float, width: int) -> int:
    """How many of ``width`` cells a fraction fills."""
    return max(0, min(width, round(max(0.0, fraction) * width)))


def truncate_left(text: str, width: int) -> str:
    """Cut the start of ``text`` (paths: the file name matters most)."""
    if width <= 0:
        return ""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def fit_label(label: str, width: int) -> str:
    """A category label in ``width`` cells: drop the ``Group · `` prefix before cutting."""
    if len(label) <= width:
        return label
    _, sep, tail = label.partition(" · ")
    return truncate(tail if sep else label, width)
