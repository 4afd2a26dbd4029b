"""What the dashboard remembers between runs (the theme picked with ``t``).

A small JSON file in the state folder, written atomically; an unreadable or unknown file is
ignored (the defaults apply), never an error.
"""

from __future__ import annotations

import msgspec

from ctxdash.core import paths
from ctxdash.core.atomic import ActionError, write_bytes

FILE_NAME = "dashboard.json"


class UiState(msgspec.Struct, kw_only=True):
    """Choices made in the dashboard."""

    theme: str | None = None


def load_ui_state() -> UiState:
    """The remembered choices (defaults when there are none or the file is unusable)."""
    try:
        data = (paths.state_dir() / FILE_NAME).read_bytes()
        return msgspec.json.decode(data, type=UiState)
    except (OSError, msgspec.DecodeError):
        return UiState()


def save_ui_state(state: UiState) -> str | None:
    """Remember ``state``; returns why it could not be saved, or ``None``."""
    try:
        write_bytes(paths.state_dir() / FILE_NAME, msgspec.json.encode(state), sync=False)
    except ActionError as err:
        return str(err)
    return None
