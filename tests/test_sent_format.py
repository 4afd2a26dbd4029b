"""The rules for transcripts that record what is sent (Claude Code 2.1.3xx), line by line.

Small transcripts built here from the record kinds that version writes: attachments with
``rendered``/``renderedRole``, ``prompt_snapshot``, ``api-request-shape``, and a partial
compaction that keeps messages.
"""

from __future__ import annotations

import json
from typing import Any

from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.tokens import HeuristicCounter

SID = "0b8c7e4e-2a1f-4c3d-9e7a-0f1d2c3b4a59"
COUNTER = HeuristicCounter()
SYSTEM_PROMPT = "You are an agent working with the user. " * 200
TOOL = {"name": "Read", "description": "Reads a file. " * 100, "input_schema": {"type": "object"}}
DEFERRED = {"name": "Later", "description": "x " * 500, "input_schema": {}, "defer_loading": True}
MEMORY = "# Rules\n" + "Keep functions short and typed.\n" * 80


class Writer:
    """Builds lines with a parent chain, as Claude Code writes them."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.n = 0
        self.parent: str | None = None

    def add(self, **fields: Any) -> str:
        self.n += 1
        uid = f"u{self.n}"
        line = {"uuid": uid, "parentUuid": self.parent, "sessionId": SID, "version": "2.1.332"}
        line.update(fields)
        self.lines.append(json.dumps(line).encode())
        if fields.get("type") in ("user", "assistant", "attachment", "system"):
            self.parent = uid
        return uid

    def sent(self, kind: str, text: str, role: str | None = "system", **extra: Any) -> str:
        rendered = (
            None
            if role is None
            else [{"content": f"<system-reminder>\n{text}\n</system-reminder>"}]
        )
        return self.add(
            type="attachment",
            attachment={"type": kind, **extra},
            rendered=rendered,
            renderedRole=role,
        )

    def unsent(self, kind: str, **extra: Any) -> str:
        return self.add(type="attachment", attachment={"type": kind, **extra})

    def shape(self, tools: list[dict[str, Any]]) -> None:
        self.add(
            type="api-request-shape",
            shape={"system": [{"type": "text", "text": SYSTEM_PROMPT}], "tools": tools},
        )

    def prompt(self, text: str) -> str:
        return self.add(type="user", message={"role": "user", "content": text})

    def reply(self, total: int, text: str = "Done.", output: int = 10) -> str:
        usage = {"input_tokens": 0, "cache_creation_input_tokens": total, "output_tokens": output}
        msg = {
            "id": f"msg_{self.n}",
            "role": "assistant",
            "model": "claude-opus-5-5",
            "content": [{"type": "text", "text": text}],
            "usage": usage,
        }
        return self.add(type="assistant", message=msg)

    def state(self) -> SessionState:
        state = SessionState()
        state.feed_bytes(self.lines)
        state.flush(COUNTER)
        return state


def _rows(state: SessionState) -> dict[str, int]:
    rows: dict[str, int] = {}
    for item in state.items:
        rows[item.cat] = rows.get(item.cat, 0) + item.tokens
    return rows


def _first_request(w: Writer) -> None:
    w.prompt("Please look at the notes.")
    w.sent("skill_listing", "The following skills are available: - a: b\n" * 20)
    w.sent(
        "instructions",
        "Codebase and user instructions are shown below.\n\n"
        f"Contents of /p/CLAUDE.md (project instructions):\n\n{MEMORY}",
        role="user",
        files=[{"path": "/p/CLAUDE.md", "type": "Project", "content": MEMORY}],
    )
    w.unsent("session_context", context={})
    w.unsent("prompt_snapshot", systemPrompt=[SYSTEM_PROMPT], tools=[TOOL] * 20)
    w.shape([TOOL, DEFERRED])


def test_what_is_sent_is_counted_and_what_is_not_is_skipped() -> None:
    w = Writer()
    _first_request(w)
    w.reply(6000)
    state = w.state()
    rows = _rows(state)
    assert sum(rows.values()) == 6000 == state.used
    assert set(rows) >= {"system", "tools", "skills", "memory:/p/CLAUDE.md", "user_prompts"}
    # Never-sent records and deferred tools are nowhere.
    assert not any(i.tool in ("prompt_snapshot", "session_context", "Later") for i in state.items)
    assert "attachments" not in rows
    # Each part in proportion to its text: the system prompt is the biggest piece.
    assert rows["system"] > rows["tools"] > 0


def test_a_later_prompt_snapshot_does_not_add_the_tools_again() -> None:
    w = Writer()
    _first_request(w)
    w.reply(6000)
    w.unsent("prompt_snapshot", systemPrompt=[SYSTEM_PROMPT], tools=[TOOL] * 20)
    w.shape([TOOL, DEFERRED])  # the same shape again: nothing new in context
    w.prompt("And now?")
    w.reply(6040)
    rows = _rows(w.state())
    first = _rows(_single(6000))
    assert rows["system"] == first["system"]
    assert rows["tools"] == first["tools"]


def _single(total: int) -> SessionState:
    w = Writer()
    _first_request(w)
    w.reply(total)
    return w.state()


def test_after_a_boundary_the_static_part_and_kept_messages_are_waiting() -> None:
    w = Writer()
    _first_request(w)
    w.reply(6000)
    kept = w.prompt("Keep this prompt: " + "important detail " * 50)
    w.reply(6500)
    w.add(
        type="system",
        subtype="compact_boundary",
        compactMetadata={
            "trigger": "manual",
            "preTokens": 6500,
            "postTokens": 900,
            "preservedMessages": {"allUuids": [kept]},
        },
    )
    w.add(
        type="user",
        isCompactSummary=True,
        message={"role": "user", "content": "This session is being continued. Summary."},
    )
    state = w.state()
    assert state.used is None
    items, _ = state.resolver.estimate_open(COUNTER, 1.0)
    cats = {i.cat for i in items}
    assert {"system", "tools", "compact_summary", "user_prompts"} <= cats


def test_older_attachments_without_rendered_are_counted_from_the_object() -> None:
    w = Writer()
    w.prompt("hello")
    w.unsent("skill_listing", content="- a: b\n" * 50)
    w.reply(20000)
    state = w.state()
    rows = _rows(state)
    assert rows.get("skills", 0) > 0
    # What the transcript does not hold (system prompt, tools, memory) is the measured rest.
    assert state.resolver.static is not None
    assert sum(rows.values()) + state.resolver.static == 20000
