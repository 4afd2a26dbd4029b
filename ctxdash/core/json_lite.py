"""JSON for the status line without importing :mod:`json` (and :mod:`re`, which it imports).

Claude Code runs the status line after every reply, so its start-up is the whole cost; the
``json`` package alone costs about as much as the rest of the work. The C scanner and string
encoder it wraps are used directly: same parser, same results.
"""

from __future__ import annotations

import _json

TYPE_CHECKING = False  # not from typing: importing it costs the status line milliseconds
if TYPE_CHECKING:
    from typing import Any

_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}
_WS = " \t\n\r"


class _Context:
    """What the C scanner reads from a ``json.JSONDecoder``."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__
    memo: dict[str, str] = {}


_SCAN = _json.make_scanner(_Context())  # type: ignore[arg-type]  # it reads only these fields


def loads(data: bytes | str) -> Any:
    """Like ``json.loads``; raises ``ValueError`` on bad input (as ``json.loads`` does)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    text = text.lstrip(_WS)
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if text[end:].strip(_WS):
        raise ValueError("extra data after the JSON value")
    return value


def dumps(value: Any) -> str:
    """Compact-enough JSON of plain values (dicts with string keys, lists, scalars)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if value == value and abs(value) != float("inf") else "null"
    if isinstance(value, str):
        return _json.encode_basestring_ascii(value)
    if isinstance(value, dict):
        items = (f"{_json.encode_basestring_ascii(str(k))}: {dumps(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    return "null"
