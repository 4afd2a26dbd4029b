"""What each line waiting for attribution contributes: items, and the text to count for each.

A waiting line (a prompt, tool results, an attachment, a reply's blocks, the recorded system
prompt and tools) becomes one or more pieces ``(item, text, fixed)``: the :class:`Item` it adds
to the context, the text whose tokens weigh it, or, for what has no text (images, documents,
items a partial compaction kept), a fixed token count. :class:`Seen` remembers across lines
what later lines refer to: tool names by call id, tool results replaced by a stand-in, nested
memory files, and the system blocks and tool definitions already in the context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from ctxdash.core.claude.memory import injected_text
from ctxdash.core.transcript.records import decode_any

#: Estimated tokens of one image or document (what Claude Code assumes offline).
IMAGE_TOKENS = 2000
_MAX_TEXT = 2_000_000

ATTACHMENT_CATEGORIES = {
    "skill_listing": "skills",
    "invoked_skills": "skills",
    "agent_listing_delta": "agents",
    "deferred_tools_delta": "mcp_tools",
    "mcp_instructions_delta": "mcp_tools",
}
#: Categories of attachments whose sent text is recorded (``rendered``, Claude Code 2.1.3xx).
RENDERED_CATEGORIES = {
    **ATTACHMENT_CATEGORIES,
    "deferred_tools_delta": "deferred_tools",
}
#: Attachment types Claude Code records but never sends.
NEVER_SENT = frozenset(
    {
        "prompt_snapshot",
        "session_context",
        "hook_success",
        "hook_progress",
        "hook_non_blocking_error",
    }
)
#: Categories that hold what every request of an epoch repeats (not "biggest items").
STATIC_CATEGORIES = frozenset({"system", "tools"})
_REMINDER_OPEN = "<system-reminder>"
_REMINDER_CLOSE = "</system-reminder>"


class Item(msgspec.Struct, array_like=True):
    """Something in the context, with its exact share of the request tokens."""

    cat: str
    tool: str | None
    path: str | None
    turn: int
    timestamp: str | None
    uuid: str | None
    tokens: int = 0
    counted: int = 0
    #: Characters of the text counted (Claude Code's own local estimates go by size).
    chars: int = 0


class Waiting(msgspec.Struct, array_like=True):
    """Raw content waiting to be resolved into items."""

    role: str
    raw: bytes
    turn: int
    timestamp: str | None
    uuid: str | None


class Seen(msgspec.Struct, kw_only=True):
    """What later lines refer to, remembered while their pieces are taken."""

    #: Tool name and input path by tool call id.
    tools: dict[str, tuple[str, str | None]] = msgspec.field(default_factory=dict)
    #: Tool results the model saw as a stand-in text, by tool call id.
    replacements: dict[str, str] = msgspec.field(default_factory=dict)
    #: Nested memory files seen since they were last taken.
    nested: list[str] = msgspec.field(default_factory=list)
    #: Keys of the system blocks and tool definitions already in this epoch's context.
    static_keys: set[str] = msgspec.field(default_factory=set)

    def pieces(
        self, waiting: Sequence[Waiting], register: bool = True
    ) -> Iterator[tuple[Item, str, int]]:
        """The pieces of ``waiting`` lines, in order; ``register`` remembers what they define
        (off for estimates that must not change the state)."""
        for w in waiting:
            value = decode_any(w.raw)
            if w.role == "assistant":
                yield from self._assistant_pieces(value, w, register)
            elif w.role == "attachment":
                yield from self._attachment_pieces(value, w, register)
            elif w.role == "sent":
                yield from self._sent_pieces(value, w, register)
            elif w.role in ("static", "snapshot"):
                yield from self._static_pieces(value, w, register)
            elif w.role == "kept":
                yield from _kept_pieces(w)
            else:
                yield from self._user_pieces(value, w)

    def _assistant_pieces(
        self, value: Any, w: Waiting, register: bool
    ) -> Iterator[tuple[Item, str, int]]:
        for block in value if isinstance(value, list) else [value]:
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype in ("thinking", "redacted_thinking"):
                yield _item("thinking", w, turn=-1), "", 0
            elif btype in ("tool_use", "server_tool_use"):
                name = str(block.get("name") or "?")
                path = _input_path(block.get("input"))
                if register and isinstance(block.get("id"), str):
                    self.tools[block["id"]] = (name, path)
                text = name + " " + _compact_json(block.get("input"))
                yield _item("tool_calls", w, tool=name, path=path, turn=-1), text, 0
            elif btype == "web_search_tool_result":
                yield (
                    _item("tool_results:WebSearch", w, tool="WebSearch", turn=-1),
                    _flatten(block.get("content")),
                    0,
                )
            elif btype == "text":
                yield _item("assistant_text", w, turn=-1), str(block.get("text") or ""), 0

    def _user_pieces(self, value: Any, w: Waiting) -> Iterator[tuple[Item, str, int]]:
        if w.role == "summary":
            yield _item("compact_summary", w), _flatten(value), 0
            return
        text_cat = "attachments" if w.role == "meta" else "user_prompts"
        if isinstance(value, str):
            yield _item(text_cat, w), value, 0
            return
        for block in value if isinstance(value, list) else []:
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype == "tool_result":
                tool_id = block.get("tool_use_id")
                tool_id = tool_id if isinstance(tool_id, str) else None
                name, path = self.tools.get(tool_id, ("unknown", None)) if tool_id else ("?", None)
                content = self.replacements.get(tool_id) if tool_id else None
                text = content if content is not None else _flatten(block.get("content"))
                images = _count_images(block.get("content"))
                item = _item(f"tool_results:{name}", w, tool=name, path=path)
                yield item, text, IMAGE_TOKENS * images if not text else 0
                if images and text:
                    yield _item("images", w, tool=name), "", IMAGE_TOKENS * images
            elif btype in ("image", "document"):
                yield _item("images", w), "", IMAGE_TOKENS
            elif btype == "text":
                yield _item(text_cat, w), str(block.get("text") or ""), 0

    def _attachment_pieces(
        self, value: Any, w: Waiting, register: bool
    ) -> Iterator[tuple[Item, str, int]]:
        if not isinstance(value, dict):
            return
        atype = str(value.get("type") or "?")
        if atype in NEVER_SENT:
            return  # recorded for the UI, not sent to the model
        cat = ATTACHMENT_CATEGORIES.get(atype, "attachments")
        path = value.get("path") or value.get("filePath") or value.get("filename")
        path = path if isinstance(path, str) else None
        if atype == "nested_memory" and path:
            cat = f"memory:{path}"
            if register:
                self.nested.append(path)
        body = value.get("content")
        if (
            atype == "nested_memory"
            and path
            and isinstance(body, dict)
            and isinstance(body.get("content"), str)
        ):  # sent as the line naming the file, then its content
            yield (
                _item(cat, w, tool=atype, path=path),
                injected_text(path, "nested", body["content"]),
                0,
            )
            return
        content = {k: v for k, v in value.items() if k not in ("type", "toolUseID", "hookName")}
        yield _item(cat, w, tool=atype, path=path), _flatten(content), 0

    def _sent_pieces(
        self, value: Any, w: Waiting, register: bool
    ) -> Iterator[tuple[Item, str, int]]:
        """An attachment whose sent text is recorded: count that text."""
        if not isinstance(value, dict):
            return
        kind = str(value.get("type") or "?")
        role = value.get("role")
        text = _rendered_text(value.get("rendered"), strip=role == "system")
        if kind == "instructions":
            yield from self._memory_pieces(text, value.get("attachment"), w, register)
            return
        if kind == "nested_memory":
            attachment = value.get("attachment")
            path = attachment.get("path") if isinstance(attachment, dict) else None
            if isinstance(path, str):
                if register:
                    self.nested.append(path)
                yield _item(f"memory:{path}", w, tool=kind, path=path), text, 0
                return
        default = "system_messages" if role == "system" else "attachments"
        yield _item(RENDERED_CATEGORIES.get(kind, default), w, tool=kind), text, 0

    def _memory_pieces(
        self, text: str, attachment: Any, w: Waiting, register: bool
    ) -> Iterator[tuple[Item, str, int]]:
        """An ``instructions`` attachment: one piece per memory file, split where it starts."""
        files = attachment.get("files") if isinstance(attachment, dict) else None
        paths = [
            f["path"] for f in files or [] if isinstance(f, dict) and isinstance(f.get("path"), str)
        ]
        cuts: list[tuple[int, str]] = []
        start = 0
        for path in paths:
            at = text.find(f"Contents of {path} (", start)
            if at >= 0:
                cuts.append((at, path))
                start = at + 1
        if not cuts:
            yield _item("memory:(instructions)", w, tool="instructions"), text, 0
            return
        bounds = [0] + [at for at, _ in cuts[1:]] + [len(text)]
        for (_, path), lo, hi in zip(cuts, bounds, bounds[1:], strict=False):
            if register:
                self.nested.append(path)
            yield _item(f"memory:{path}", w, tool="instructions", path=path), text[lo:hi], 0

    def _static_pieces(
        self, value: Any, w: Waiting, register: bool
    ) -> Iterator[tuple[Item, str, int]]:
        """System prompt blocks and tool definitions not yet in this epoch's context."""
        if not isinstance(value, dict):
            return
        pieces: list[tuple[str, str, str | None]] = []
        system = value.get("system") if w.role == "static" else value.get("systemPrompt")
        if isinstance(system, str):
            system = [system]
        for block in system if isinstance(system, list) else []:
            text = block.get("text") if isinstance(block, dict) else block
            if isinstance(text, str):
                pieces.append(("system", text, None))
        prefix = value.get("cliPrefix") if w.role == "snapshot" else None
        if isinstance(prefix, str):
            pieces.append(("system", prefix, None))
        for tool in value.get("tools") or [] if w.role == "static" else []:
            if not isinstance(tool, dict) or tool.get("defer_loading"):
                continue  # deferred tools are not in context until searched for
            name = str(tool.get("name") or "?")
            cat = "mcp_tools" if name.startswith("mcp__") else "tools"
            pieces.append((cat, _compact_json(tool), name))
        for cat, text, tool_name in pieces:
            key = cat + ":" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
            if key in self.static_keys:
                continue
            if register:
                self.static_keys.add(key)
            yield _item(cat, w, tool=tool_name), text, 0


def _kept_pieces(w: Waiting) -> Iterator[tuple[Item, str, int]]:
    """An item a partial compaction preserved: its tokens are known."""
    try:
        item = msgspec.json.decode(w.raw, type=Item)
    except msgspec.DecodeError:
        return
    tokens, item.tokens, item.counted = item.tokens, 0, 0
    yield item, "", max(0, tokens)


def _rendered_text(rendered: Any, *, strip: bool) -> str:
    """The text of a ``rendered`` list; system-role parts are sent without their wrapper."""
    parts = rendered if isinstance(rendered, list) else [rendered]
    texts: list[str] = []
    for part in parts:
        content = part.get("content") if isinstance(part, dict) else part
        text = content if isinstance(content, str) else _flatten(content)
        if strip:
            text = text.strip()
            if text.startswith(_REMINDER_OPEN) and text.endswith(_REMINDER_CLOSE):
                text = text[len(_REMINDER_OPEN) : -len(_REMINDER_CLOSE)].strip("\n")
        texts.append(text)
    return "\n\n".join(texts)


def _item(
    cat: str, w: Waiting, *, tool: str | None = None, path: str | None = None, turn: int = 0
) -> Item:
    return Item(cat, tool, path, turn if turn < 0 else w.turn, w.timestamp, w.uuid)


def _input_path(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("file_path", "notebook_path", "path", "pattern", "url", "command"):
            found = value.get(key)
            if isinstance(found, str):
                return found[:300]
    return None


def _compact_json(value: Any) -> str:
    try:
        return msgspec.json.encode(value).decode("utf-8", "replace")
    except (TypeError, msgspec.EncodeError):
        return ""


def _flatten(value: Any, limit: int = _MAX_TEXT) -> str:
    """All text in a content value (string, blocks, nested dicts), joined."""
    out: list[str] = []
    size = 0
    stack = [value]
    while stack and size < limit:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
            size += len(v)
        elif isinstance(v, dict):
            if v.get("type") in ("image", "document"):
                continue
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            stack.extend(reversed(v))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(str(v))
    return "\n".join(out)[:limit]


def _count_images(value: Any) -> int:
    if isinstance(value, list):
        return sum(
            1 for b in value if isinstance(b, dict) and b.get("type") in ("image", "document")
        )
    return 0
