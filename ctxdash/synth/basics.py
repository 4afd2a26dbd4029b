"""Constants, the synthetic token rule, and the figures a writer keeps.

Text costs :func:`estimate_tokens` tokens (``round(len / 3.6)``), an image :data:`IMAGE_TOKENS`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

DEFAULT_BASE_TIME = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
DEFAULT_CWD = "/home/dev/projects/demo_app"
DEFAULT_MODEL = "claude-sonnet-4-5-20250929"
DEFAULT_VERSION = "2.1.76"
CHARS_PER_TOKEN = 3.6
#: Tokens charged for one image block (what a typical screenshot costs).
IMAGE_TOKENS = 1_600
SUMMARY_PREFIX = (
    "This session is being continued from a previous conversation that ran out of context. "
    "The conversation is summarized below:"
)
#: Models whose native window is 1M tokens (everything else here is 200K unless ``[1m]``).
NATIVE_1M_MODELS = ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-5")
#: Deliberately broken lines, by kind; each counts in ``Expected.malformed_lines``.
MALFORMED: dict[str, bytes] = {
    "invalid_json": b'{"type":"user","message":{"role":"user","content":"unterminated\n',
    "json_array": b'[{"type":"user"},{"type":"assistant"}]\n',
    "json_string": b'"type: assistant"\n',
    "json_number": b"12345\n",
    "invalid_utf8": b'\xff\xfe{"type":"assistant",\x80\x81}\n',
}

ENCODE = msgspec.json.Encoder().encode
B62 = string.ascii_letters + string.digits


def estimate_tokens(text: str) -> int:
    """The synthetic tokenizer: ``round(len(text) / 3.6)``."""
    return round(len(text) / CHARS_PER_TOKEN)


def encode_project_dir(cwd: str) -> str:
    """Claude Code's project folder name for ``cwd`` (every non-alphanumeric → ``-``;
    no realpath)."""
    b = cwd.encode("utf-16-le")
    units = [b[i] | b[i + 1] << 8 for i in range(0, len(b), 2)]
    name = "".join(chr(u) if chr(u).isascii() and chr(u).isalnum() else "-" for u in units)
    if len(name) <= 200:
        return name
    h = 0
    for u in units:
        h = (h * 31 + u) & 0xFFFFFFFF
    n, digits = abs(h - (1 << 32) if h >= 1 << 31 else h), ""
    while True:
        n, rem = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rem] + digits
        if n == 0:
            return f"{name[:200]}-{digits}"


def context_window_for(model: str, settings_model: str | None = None) -> int:
    """Window the synthetic session runs with: 1M for native-1M models or a ``[1m]`` setting."""
    native = any(model.startswith(m) for m in NATIVE_1M_MODELS)
    return 1_000_000 if native or (settings_model or "").endswith("[1m]") else 200_000


@dataclass(slots=True)
class Expected:
    """What a correct parser must find in the main transcript written by a writer."""

    session_id: str
    model: str
    version: str
    context_window: int
    #: input + cache_creation + cache_read of the last main-chain real response after the last
    #: compact_boundary; None when the file ends after a boundary with no reply (or no reply yet).
    used: int | None
    #: postTokens of the last compact_boundary (None when absent or no compaction).
    post_tokens: int | None
    #: Final output_tokens of the response ``used`` comes from.
    output_tokens: int | None
    #: (trigger, preTokens, postTokens or None) per compaction, in file order.
    compactions: list[tuple[str, int, int | None]]
    #: Non-empty lines that are not JSON objects (see MALFORMED); the truncated tail excluded.
    malformed_lines: int
    blank_lines: int
    #: True when the file ends with half a line and no newline.
    truncated_tail: bool
    #: agentId -> that subagent's own ``used``.
    subagents: dict[str, int]
    #: Distinct main-chain real API responses (message.id groups) in the whole file.
    assistant_responses: int
    #: ``used`` of every main-chain response in order (across compactions).
    series: list[int]
    static_tokens: int
    system_tokens: int
    memory_tokens: int


@dataclass(slots=True)
class ToolCall:
    """One tool invocation: what the model sent and what came back."""

    name: str
    input: dict[str, Any]
    result: str | list[dict[str, Any]]
    structured: Any
    is_error: bool = False
    #: Large output saved to disk: a content-replacement line records a stand-in.
    persist: bool = False


@dataclass(slots=True)
class Response:
    """The lines written for one API response."""

    message_id: str
    uuids: list[str]
    tool_use_ids: list[str]
    tool_uuids: list[str]
    total: int
    output_tokens: int
    usage: dict[str, Any]
