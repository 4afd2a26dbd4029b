"""Small text helpers shared by the widgets (no I/O).

Text from a transcript is untrusted: widgets show it as plain text (Rich ``Text`` or Textual
``Content``, never a markup string) and only after :func:`ctxdash.core.plain.one_line` removed
escape sequences and control characters. The helpers here that take text do that themselves.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from rich.text import Text

from ctxdash.core.numbers import compact
from ctxdash.core.plain import one_line

__all__ = [
    "bar_cells",
    "compact",
    "fit",
    "fit_label",
    "home_in_text",
    "home_short",
    "local_time",
    "one_line",
    "parse_time",
    "plain",
    "short_label",
    "squeezed",
    "truncate",
    "truncate_left",
    "truncate_path",
    "wrap_lines",
]


def plain(text: object, style: str = "") -> Text:
    """Untrusted text as one line of plain ``Text``: brackets stay brackets, no controls."""
    return Text(one_line(text), style=style, end="")


def truncate(text: str, width: int) -> str:
    """Cut ``text`` (cleaned to one line) to ``width`` cells with an ellipsis."""
    if width <= 0:
        return ""
    text = one_line(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def bar_cells(fraction: float, width: int) -> int:
    """How many of ``width`` cells a fraction fills."""
    return max(0, min(width, round(max(0.0, fraction) * width)))


def truncate_left(text: str, width: int) -> str:
    """Cut the start of ``text`` (paths: the file name matters most), cleaned to one line."""
    if width <= 0:
        return ""
    text = one_line(text)
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def fit(candidates: list[str], width: int) -> str:
    """The first candidate that fits ``width`` cells, else the last one cut with an ellipsis."""
    for text in candidates:
        if len(text) <= width:
            return text
    return truncate(candidates[-1], width) if candidates else ""


#: Short forms of the breakdown's group prefixes, used together when labels do not fit.
SHORT_GROUPS = {"Tool results": "Result", "Memory": "Mem"}
#: Short forms of fixed labels too long for a narrow pane (none is longer than SHORTEST).
SHORT_LABELS = {
    "System prompt & tools": "System & tools",
    "Unrecorded reminders": "Unrecorded",
    "Free to auto-compact": "Free to compact",
    "Auto-compact reserve": "Compact reserve",
    "System messages": "System msgs",
}
#: Cells every fixed label fits in, in its short form.
SHORTEST = 15


def short_label(label: str) -> str:
    """A breakdown label's short form: ``Tool results · Read`` → ``Result Read``,
    ``Free to auto-compact`` → ``Free to compact``; other labels as they are."""
    label = one_line(label)
    if label in SHORT_LABELS:
        return SHORT_LABELS[label]
    group, sep, tail = label.partition(" · ")
    if not sep:
        return label
    return SHORT_GROUPS.get(group, group[:6]) + " " + tail


def fit_label(label: str, width: int, *, short: bool = False) -> str:
    """A breakdown label in ``width`` cells.

    With ``short`` (some label of the panel does not fit), every label takes its short
    form (:func:`short_label`), so rows of one group look alike. Only a file name or a
    tool name is ever cut (a path keeps its end), never the words of a fixed label while
    ``width`` is at least :data:`SHORTEST`.
    """
    label = one_line(label)
    text = short_label(label) if short else label
    if len(text) <= width:
        return text
    group, sep, tail = label.partition(" · ")
    if not sep:
        return truncate(short_label(label), width)
    head = (SHORT_GROUPS.get(group, group[:6]) if short else group + " ·") + " "
    room = width - len(head)
    if room < 4:
        return truncate(tail, width)
    cut = truncate_path if "/" in tail else truncate
    return head + cut(tail, room)


def truncate_path(text: str, width: int) -> str:
    """Cut a path in the middle, keeping its first letters and its file name."""
    if len(text) <= width:
        return text
    head, sep, name = text.rpartition("/")
    keep = width - len(name) - 2
    if not sep or keep < 1:
        return truncate_left(text, width)
    return head[:keep] + "…/" + name


def home_short(path: str | Path) -> str:
    """``/home/me/x`` → ``~/x`` (``HOME`` honoured)."""
    text = str(path)
    home = os.environ.get("HOME") or str(Path.home())
    home = home.rstrip("/")
    if home and (text == home or text.startswith(home + "/")):
        return "~" + text[len(home) :]
    return text


def home_in_text(text: str) -> str:
    """Every ``/home/me/`` in ``text`` written ``~/``."""
    home = (os.environ.get("HOME") or str(Path.home())).rstrip("/")
    return text.replace(home + "/", "~/") if home else text


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO timestamp (``...Z`` accepted) or a datetime, as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo is not None else when.astimezone()


def local_time(value: str | datetime | None, now: datetime, *, seconds: bool = True) -> str:
    """A time in the local zone (``TZ`` honoured): ``14:03:12`` today, else with its date.

    ``Mar 01 14:03`` in the current year, ``2025-12-30 14:03`` in another one.
    """
    when = parse_time(value)
    if when is None:
        return ""
    local, today = when.astimezone(), now.astimezone()
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    if local.date() == today.date():
        return clock
    if local.year == today.year:
        return local.strftime("%b %d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def squeezed(text: str) -> str:
    """Untrusted text on one line (escape sequences and control characters dropped by
    :func:`ctxdash.core.plain.one_line`), runs of whitespace made one space."""
    return " ".join(one_line(text).split())


def wrap_lines(text: str, width: int, max_lines: int) -> list[str]:
    """Untrusted text wrapped to at most ``max_lines`` lines of ``width`` cells.

    Words never split; a path (a word with ``/``) too long for a line keeps its end (the
    file name matters most); the last line says ``…`` when text is left out.
    """
    import textwrap

    if width <= 0 or max_lines <= 0:
        return []
    out: list[str] = []
    for raw in text.splitlines() or [""]:
        words = []
        for part in one_line(raw).split():
            if len(part) > width and "/" in part:
                part = truncate_left(home_short(part), width)
            words.append(part)
        out.extend(textwrap.wrap(" ".join(words), width, break_on_hyphens=False) if words else [])
    if len(out) > max_lines:
        out = out[:max_lines]
        last = out[-1]
        out[-1] = last + " …" if len(last) + 2 <= width else last[: width - 1] + "…"
    return out
