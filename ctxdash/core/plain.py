"""Untrusted text made safe to show: no escape sequences, no control characters.

A transcript holds whatever a model, a tool, a web page or a file put there. Titles, prompts,
paths, tool names and working directories from it may carry terminal escape sequences (a
clipboard write, a new window title, a cleared screen) or other control characters. Every text
output of ctxdash (the plain-text commands, with or without colour, the status line, error
lines, and every dashboard widget) passes such text through :func:`clean` or :func:`one_line`
first. This is the only place that decides what is stripped.
"""

from __future__ import annotations

#: Escape sequences, 7-bit and 8-bit: CSI, OSC/DCS/SOS/PM/APC strings (terminated by BEL or
#: ST, or running to the end of the text when unterminated), and two/three-byte ESC sequences.
_SEQUENCE = r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                       # CSI (ESC [ …)
  | \x9b[0-?]*[ -/]*[@-~]?                         # CSI, 8-bit
  | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, DCS, SOS, PM, APC
  | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # the same, 8-bit
  | \x1b[ -/]*[0-~]?                               # any other ESC sequence, or a lone ESC
"""
#: Control characters left after the sequences: C0 (but tab and newline), DEL, C1, and the
#: bidirectional overrides that make text read differently from what it is.
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
#: Lone surrogates: what a file name that is not UTF-8 decodes to; they cannot be printed.
_SURROGATE = r"[\ud800-\udfff]"
_PATTERNS: list[object] = []


def _patterns() -> list:  # type: ignore[type-arg]
    """The compiled patterns (``re`` is imported on first need: the status line rarely has)."""
    if not _PATTERNS:
        import re

        _PATTERNS.extend(
            [re.compile(_SEQUENCE, re.VERBOSE), re.compile(_CONTROL), re.compile(_SURROGATE)]
        )
    return _PATTERNS


def clean(text: object) -> str:
    """``text`` without escape sequences and control characters; newlines and tabs kept.

    Carriage returns are dropped (a lone ``\\r`` would let text overwrite what precedes it);
    lone surrogates (from file names that are not UTF-8) become U+FFFD. Anything that is not a
    string is converted with ``str`` first.
    """
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():  # no control, format or surrogate character: nothing to strip
        return value
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    sequence, control, surrogate = _patterns()
    cleaned: str = surrogate.sub("\ufffd", control.sub("", sequence.sub("", value)))
    return cleaned


def one_line(text: object) -> str:
    """:func:`clean`, with newlines and tabs turned into spaces (titles, paths, names)."""
    return clean(text).replace("\t", " ").replace("\n", " ")
