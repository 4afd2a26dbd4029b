"""msgspec Structs for the JSONL lines of a Claude Code transcript.

Only the fields ctxdash needs are declared; msgspec skips everything else without building
Python objects, which is what makes a 100 MB transcript cheap to read. Message content is
kept as :class:`msgspec.Raw` and decoded later, and only for lines still in the context.
Unknown fields are ignored and every field has a default (the format is Claude Code's
internal one and changes between versions).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Raw = msgspec.Raw
EMPTY_RAW = msgspec.Raw(b"null")
#: Largest token count believed: far above any window; a bigger (or negative) count makes the
#: line malformed rather than a reading.
MAX_TOKENS = 1_000_000_000
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]


class Usage(msgspec.Struct, kw_only=True):
    """The ``usage`` object of an API response (missing or null counts are 0)."""

    input_tokens: Count | None = 0
    cache_creation_input_tokens: Count | None = 0
    cache_read_input_tokens: Count | None = 0
    output_tokens: Count | None = 0

    @property
    def context(self) -> int:
        """Tokens this request sent: input + cache creation + cache read."""
        return (
            (self.input_tokens or 0)
            + (self.cache_creation_input_tokens or 0)
            + (self.cache_read_input_tokens or 0)
        )


class Message(msgspec.Struct, kw_only=True):
    """``message`` of a user or assistant line; ``content`` is decoded lazily."""

    id: str | None = None
    model: str | None = None
    role: str | None = None
    usage: Usage | None = None
    content: Raw = EMPTY_RAW


class PreservedMessages(msgspec.Struct, kw_only=True):
    """Messages from before a partial compaction that stay in context."""

    allUuids: list[str] | None = None
    uuids: list[str] | None = None


class CompactMetadata(msgspec.Struct, kw_only=True):
    """``compactMetadata`` of a ``compact_boundary`` line."""

    trigger: str | None = None
    preTokens: Count | None = None
    postTokens: Count | None = None
    preservedMessages: PreservedMessages | None = None


class Replacement(msgspec.Struct, kw_only=True):
    """One entry of a ``content-replacement`` line."""

    kind: str | None = None
    toolUseId: str | None = None
    replacement: Any = None


class Line(msgspec.Struct, kw_only=True):
    """One transcript line, whatever its ``type``."""

    type: str = ""
    subtype: str | None = None
    uuid: str | None = None
    parentUuid: str | None = None
    isSidechain: bool | None = False
    sessionId: str | None = None
    agentId: str | None = None
    cwd: str | None = None
    gitBranch: str | None = None
    version: str | None = None
    timestamp: str | None = None
    requestId: str | None = None
    isMeta: bool | None = False
    isCompactSummary: bool | None = False
    isApiErrorMessage: bool | None = False
    message: Message | None = None
    compactMetadata: CompactMetadata | None = None
    attachment: Raw = EMPTY_RAW
    #: What an attachment sent (Claude Code 2.1.3xx): a list of ``{"content": text}``.
    rendered: Raw = EMPTY_RAW
    #: The role it was sent as (``system`` or ``user``); ``None``: recorded, never sent;
    #: unset: an older version that did not record it.
    renderedRole: str | None | msgspec.UnsetType = msgspec.UNSET
    #: ``api-request-shape``: the system prompt and tool definitions of a request.
    shape: Raw = EMPTY_RAW
    content: Raw = EMPTY_RAW
    replacements: list[Replacement] | None = None
    customTitle: str | None = None
    aiTitle: str | None = None
    summary: str | None = None
    #: ``queue-operation``: ``enqueue``, ``dequeue`` …
    operation: str | None = None


class AttachmentHead(msgspec.Struct):
    """Just the type of an ``attachment`` object."""

    type: Any = None


class Envelope(msgspec.Struct):
    """Just enough of a line to name its type when the full decode failed."""

    type: Any = None


#: Conversation node types (they carry ``uuid``/``parentUuid``); everything else is metadata.
CONVERSATION_TYPES = frozenset({"user", "assistant", "system", "attachment"})
#: Types ctxdash knows and deliberately ignores (metadata or bookkeeping).
KNOWN_TYPES = CONVERSATION_TYPES | frozenset(
    {
        "progress",
        "summary",
        "ai-title",
        "custom-title",
        "tag",
        "agent-name",
        "agent-color",
        "agent-setting",
        "mode",
        "permission-mode",
        "worktree-state",
        "pr-link",
        "last-prompt",
        "file-history-snapshot",
        "queue-operation",
        "attribution-snapshot",
        "content-replacement",
        "marble-origami-commit",
        "marble-origami-snapshot",
        "derived-from",
        "continued-in",
        "relocated",
        "ended-by-model",
        "cost-state",
        "tools-used",
        "file-history-delta",
        "resume-head-vouch",
        "fork-context-ref",
        "observer-ref",
        "memory-mode",
        "session-owner",
        "api-request",
        "api-request-shape",
        "api-request-blob",
        "api-request-resumed",
        "ctxdash-origin",
    }
)

_LINE = msgspec.json.Decoder(Line)
_ENVELOPE = msgspec.json.Decoder(Envelope)
_ANY = msgspec.json.Decoder()
_ATTACHMENT_HEAD = msgspec.json.Decoder(AttachmentHead)


class Malformed(msgspec.Struct):
    """A line that could not be used, and why (one short sentence)."""

    reason: str


def decode_line(data: bytes | memoryview) -> Line | Malformed:
    """Decode one JSONL line. Never raises.

    A lone UTF-16 surrogate escape (``\\ud83d`` without its pair: Claude Code cuts a long
    output between the two halves of an emoji) is valid for Claude Code's JSON reader but not
    for msgspec's: such a line is read with U+FFFD in its place.
    """
    found = _decode_line(data)
    if isinstance(found, Malformed) and found.reason.startswith("invalid JSON"):
        repaired = _lone_surrogates_replaced(bytes(data))
        if repaired is not None:
            again = _decode_line(repaired)
            return again if isinstance(again, Line) else found
    return found


#: A high surrogate escape not followed by a low one, or a low one not after a high one;
#: each only where its backslash is not itself escaped (JSON's ``\\ud83d`` is text).
_LONE_SURROGATE = (
    rb"(?<!\\)((?:\\\\)*)"
    rb"(?:\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})"
    rb"\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)


def _lone_surrogates_replaced(data: bytes) -> bytes | None:
    """``data`` with each lone surrogate escape made ``\\ufffd`` (``None`` if it has none)."""
    if b"\\u" not in data:
        return None
    import re  # only for such lines: the status line's start-up never pays for it

    repaired, count = re.subn(_LONE_SURROGATE, rb"\1\\ufffd", data)
    return repaired if count else None


def _decode_line(data: bytes | memoryview) -> Line | Malformed:
    try:
        return _LINE.decode(data)
    except msgspec.ValidationError as err:
        try:
            env = _ENVELOPE.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            return Malformed("not a JSON object")
        if not isinstance(env.type, str):
            return Malformed("no string 'type' field")
        return Malformed(f"'{env.type}' line with an unexpected field: {err}")
    except UnicodeDecodeError:
        return Malformed("invalid UTF-8")
    except RecursionError:
        return Malformed("nested too deeply")
    except msgspec.DecodeError as err:
        text = str(err)
        if "invalid utf-8" in text.lower() or "utf-8" in text.lower():
            return Malformed("invalid UTF-8")
        return Malformed(f"invalid JSON ({text})")


def decode_any(raw: Raw | bytes) -> Any:
    """Decode a deferred ``Raw`` value into Python objects (``None`` if it is broken)."""
    try:
        return _ANY.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


#: The model Claude Code writes on replies it made up itself (errors, "No response requested.").
SYNTHETIC_MODEL = "<synthetic>"


def is_real_reply(line: Line) -> bool:
    """An ``assistant`` line from the API (not an error or a reply Claude Code made up).

    Only these carry a request's usage; whether it is the main chain's is the caller's
    question (``isSidechain``).
    """
    msg = line.message
    return (
        line.type == "assistant"
        and msg is not None
        and not line.isApiErrorMessage
        and msg.model != SYNTHETIC_MODEL
    )


def main_reply(raw: bytes | memoryview) -> Line | None:
    """The line, decoded, if it is a real reply of the main chain (not a subagent's)."""
    rec = decode_line(raw)
    if isinstance(rec, Line) and is_real_reply(rec) and not rec.isSidechain:
        return rec
    return None


def attachment_type(raw: Raw | bytes) -> str:
    """The ``type`` of an ``attachment`` object, without decoding the rest (``"?"`` if none)."""
    try:
        kind = _ATTACHMENT_HEAD.decode(raw).type
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return "?"
    return kind if isinstance(kind, str) else "?"
