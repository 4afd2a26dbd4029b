"""JSON for the files ctxdash writes: valid UTF-8 whatever the names in it.

A file or folder name that is not UTF-8 reaches Python as a string holding lone surrogates,
which UTF-8 cannot encode. Such a character is written as its escape text (``\\udcff``), so the
file stays readable by every JSON reader, instead of failing the whole action.
"""

from __future__ import annotations

from typing import Any

import msgspec


def encode(value: Any) -> bytes:
    """``value`` (a msgspec Struct or plain data) as JSON bytes."""
    try:
        return msgspec.json.encode(value)
    except UnicodeEncodeError:
        return msgspec.json.encode(_valid(msgspec.to_builtins(value)))


def _valid(value: Any) -> Any:
    """``value`` with every string made encodable (lone surrogates as escape text)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_valid(v) for v in value]
    if isinstance(value, dict):
        return {_valid(k): _valid(v) for k, v in value.items()}
    return value
