"""What a request really sent, by breakdown row: the ground truth ctxdash is judged against.

The rows are read off the request body (the wire) and counted with the stand-in's own rule,
so they add up to the request's usage exactly. Row names are ctxdash's category keys, with
every memory file folded into ``memory`` per path. Given the transcript's bytes, a reminder
(a ``<system-reminder>`` block that is no listing, memory or system message) whose text the
transcript does not hold is ``unrecorded``: what older versions send but never write. A file
re-attached after ``/compact`` ("Called the Read tool …", "Result of calling the Read tool …")
counts as recorded when the transcript holds a ``file`` attachment of that path (2.1.1xx).
A user text the transcript holds as a line Claude Code marked ``isMeta`` (a local command's
caveat or output, such as ``/context``'s table) is no prompt the user typed: it goes to
``attachments``, as ctxdash counts meta text.
"""

from __future__ import annotations

import json
import re
from collections import Counter as Tally
from typing import Any

from tests.realclient.standin import BLOCK, MESSAGE, Counter, canonical, stripped_thinking

#: Where a section of a folded system message or reminder starts, and its row.
STARTERS = (
    ("# Environment", "system_messages"),
    ("You are powered by the model", "system_messages"),
    ("The following deferred tools are now available", "deferred_tools"),
    ("Available agent types", "agents"),
    ("The following skills are available", "skills"),
    ("While bypass permissions mode is active", "system_messages"),
    ("Today's date is", "system_messages"),
    ("Codebase and user instructions", "memory"),
    # Before 2.1.3xx, the message holding the memory files ends with Claude Code's own text
    # (1.0.x adds reminders of its own before it): the static part, no memory.
    ("# important-instruction-reminders", "system"),
    ("IMPORTANT: this context may or may not be relevant", "system"),
)
_CONTENTS = re.compile(r"Contents of (.+?) \(")
_REMINDER = re.compile(r"^\s*<system-reminder>\s*")


def rows(body: dict[str, Any], counter: Counter, recorded: bytes | None = None) -> dict[str, int]:
    """Tokens per row of one request body; the values add up to its usage total.

    ``recorded``: the transcript's bytes, to tell reminders it never recorded.
    """
    out: Tally[str] = Tally()
    system = body.get("system")
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    for block in system or []:
        out["system"] += counter.block(block)
    for tool in body.get("tools") or []:
        name = str(tool.get("name") or "")
        row = "mcp_tools" if name.startswith("mcp__") else "tools"
        out[row] += counter.text(canonical(tool)) + BLOCK
    names: dict[str, str] = {}
    for msg in body.get("messages") or []:
        for block in _blocks(msg):
            if isinstance(block, dict) and block.get("type") == "tool_use":
                names[str(block.get("id"))] = str(block.get("name"))
    stripped = stripped_thinking(body)
    meta = _meta_texts(recorded) if recorded is not None else set()
    read_path = ""  # the file of the latest "Called the Read tool" reminder
    for m, msg in enumerate(body.get("messages") or []):
        role = msg.get("role")
        frame = MESSAGE
        for i, block in enumerate(_blocks(msg)):
            if (m, i) in stripped:  # the API leaves earlier turns' thinking out
                continue  # (the message's framing goes with its next block)
            for row, tokens in _block_rows(role, block, names, counter):
                if row == "user_prompts" and _text(block) in meta:
                    row = "attachments"
                if row == "attachments" and recorded is not None:
                    read_path = _called_read(block) or read_path
                    row = _recorded_or_not(block, recorded, read_path)
                out[row] += tokens + frame
                frame = 0
        if frame and _blocks(msg):
            out["thinking"] += frame  # a message of stripped thinking alone: its framing
    # The preamble of the memory message goes with its first file, as ctxdash counts it.
    first = next((row for row in out if row.startswith("memory:")), None)
    if first is not None and "memory" in out:
        out[first] += out.pop("memory")
    return dict(out)


def _text(block: Any) -> str:
    return str(block.get("text") or "").strip() if isinstance(block, dict) else ""


def _meta_texts(recorded: bytes) -> set[str]:
    """The texts of the user lines Claude Code marked ``isMeta`` in the transcript."""
    out: set[str] = set()
    for raw in recorded.splitlines():
        if b'"isMeta":true' not in raw:
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        msg = line.get("message") if isinstance(line, dict) else None
        if line.get("type") != "user" or not isinstance(msg, dict):
            continue
        for block in _blocks(msg):
            if _text(block):
                out.add(_text(block))
    return out


_CALLED_READ = re.compile(r"Called the Read tool with the following input: (\{.*\})")


def _called_read(block: Any) -> str:
    """The file of a "Called the Read tool" reminder ("" for any other block)."""
    match = _CALLED_READ.search(str(block.get("text") or "") if isinstance(block, dict) else "")
    if match is None:
        return ""
    try:
        return str(json.loads(match.group(1)).get("file_path") or "")
    except (ValueError, AttributeError):
        return ""


def _recorded_or_not(block: Any, recorded: bytes, read_path: str) -> str:
    """``attachments`` when the transcript holds the reminder's text, else ``unrecorded``."""
    text = _REMINDER.sub("", str(block.get("text") or "") if isinstance(block, dict) else "")
    text = text.replace("</system-reminder>", "").strip()
    if read_path and "the Read tool" in text[:80]:
        name = json.dumps(read_path, ensure_ascii=False)
        return "attachments" if f'"filename":{name}'.encode() in recorded else "unrecorded"
    middle = text[len(text) // 2 - 30 : len(text) // 2 + 30] if len(text) > 80 else text
    probe = json.dumps(middle, ensure_ascii=False)[1:-1].encode()
    return "attachments" if not probe or probe in recorded else "unrecorded"


def _blocks(msg: dict[str, Any]) -> list[Any]:
    content = msg.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def _block_rows(
    role: Any, block: Any, names: dict[str, str], counter: Counter
) -> list[tuple[str, int]]:
    if not isinstance(block, dict):
        return [("other", counter.block(block))]
    kind = block.get("type")
    if role == "assistant":
        row = {"text": "assistant_text", "thinking": "thinking", "redacted_thinking": "thinking"}
        return [(row.get(str(kind), "tool_calls"), counter.block(block))]
    if kind == "tool_result":
        tool = names.get(str(block.get("tool_use_id")), "unknown")
        return [(f"tool_results:{tool}", counter.block(block))]
    if kind in ("image", "document"):
        return [("images", counter.block(block))]
    if kind != "text":
        return [("other", counter.block(block))]
    text = str(block.get("text") or "")
    if role == "system" or _REMINDER.match(text):
        return _sections(
            text, counter, default="system_messages" if role == "system" else "attachments"
        )
    if text.startswith("This session is being continued from a previous conversation"):
        return [("compact_summary", counter.block(block))]
    return [("user_prompts", counter.block(block))]


def _sections(text: str, counter: Counter, default: str) -> list[tuple[str, int]]:
    """Split a folded text on paragraphs; each paragraph goes to the row its section began."""
    out: list[tuple[str, int]] = []
    row = default
    for index, para in enumerate(text.split("\n\n")):
        head = _REMINDER.sub("", para).lstrip()
        for starter, name in STARTERS:
            if head.startswith(starter):
                row = name
                break
        else:
            if "Codebase and user instructions" in head:  # older versions lead in with more
                row = "memory"
        if row.startswith("memory"):
            match = _CONTENTS.match(head)
            if match:
                row = f"memory:{match.group(1)}"
        out.append((row, counter.paragraph(para) + (BLOCK if index == 0 else 0)))
    return out


def total(body: dict[str, Any], counter: Counter) -> int:
    """The request's usage total (the stand-in's count)."""
    return sum(tokens for _, tokens, _ in counter.parts(body))
