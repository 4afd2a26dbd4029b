"""Untrusted text made safe to show: no escape sequences, no control characters.

A transcript holds whatever a model, a tool, a web page or a file put there. Titles, prompts,
paths, tool names and working directories from it may carry terminal escape sequences (a
clipboard write, a new window title, a cleared screen) or other control characters. Every text
output of ctxdash (the plain-text commands, with or without colour, the status line, error
lines, and every dashboard widget) passes such text through :func:`clean` or :func:`one_line`
first. This is the only place that decides what is stripped.
"""

from __future__ import annotations

import re

#: Escape sequences, 7-bit and 8-bit: CSI, OSC/DCS/SOS/PM/APC strings (terminated by BEL or
#: ST, or running to the end of the text when unterminated), and two/three-byte ESC sequences.
_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                       # CSI (ESC [ …)
  | \x9b[0-?]*[ -/]*[@-~]?                         # CSI, 8-bit
  | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, DCS, SOS, PM, APC
  | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # the same, 8-bit
  | \x1b[ -/]*[0-~]?                               # any other ESC sequence, or a lone ESC
    """,
    re.VERBOSE,
)
#: Control characters left after the sequences: C0 (but tab and newline), DEL, C1, and the
#: bidirectional overrides that make text read differently from what it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"[\t\n]")
_SUSPECT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """``text`` without escape sequences and control characters; newlines and tabs kept.

    Carriage returns are dropped (a lone ``\\r`` would let text overwrite what precedes it).
    Anything that is not a string is converted with ``str`` first.
    """
    value = text if isinstance(text, str) else str(text)
    if _SUSPECT.search(value) is None:
        return value
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", value))


def one_line(text: object) -> str:
    """:func:`clean`, with newlines and tabs turned into spaces (titles, paths, names)."""
    return _SPACE.sub(" ", clean(text))
