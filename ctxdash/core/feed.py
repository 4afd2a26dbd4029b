"""What Claude Code's status line tells ctxdash: the true window and model id per session.

``ctxdash statusline`` (:mod:`ctxdash.integration.statusline`, kept import-light) records each
payload's ``context_window_size`` and ``model.id`` (which carries ``[1m]``; transcripts never
do) under ``<state dir>/statusline/<session>.json``; the engine prefers that window to its own
evidence (the payload is the only place where Claude Code states the window it uses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from ctxdash.core import paths
from ctxdash.core.safepath import component


def _folder() -> Path:
    return paths.state_dir() / "statusline"


def reported(session_id: str | None) -> dict[str, Any] | None:
    """What the status line last recorded for a session (``None`` if nothing)."""
    if not session_id:
        return None
    try:
        data = msgspec.json.decode((_folder() / f"{component(session_id)}.json").read_bytes())
    except (OSError, msgspec.DecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def window_of(data: dict[str, Any] | None) -> int | None:
    """The window in a status-line record, if it holds a valid one."""
    size = data.get("context_window_size") if data else None
    return size if isinstance(size, int) and size > 0 else None


def reported_window(session_id: str | None) -> int | None:
    """The window Claude Code's status line reported for a session, if any."""
    return window_of(reported(session_id))
