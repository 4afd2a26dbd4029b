"""The base of the session writer: clock and randomness, output plumbing, expected figures,
and the simple lines (prompts, attachments, reminders, system and metadata lines).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from ctxdash.synth.basics import (
    B62,
    DEFAULT_BASE_TIME,
    DEFAULT_CWD,
    DEFAULT_MODEL,
    DEFAULT_VERSION,
    ENCODE,
    IMAGE_TOKENS,
    Expected,
    context_window_for,
    estimate_tokens,
)
from ctxdash.synth.content import IDENT, tiny_png


class _Ctx:
    """Randomness and clock shared by a session and its subagents."""

    def __init__(
        self, seed: int, base_time: datetime, clock: Callable[[], float] | None = None
    ) -> None:
        self.rng = random.Random(seed)
        self.t0_ms = round(base_time.timestamp() * 1000)
        self.ms = 0
        self.clock = clock
        self._last_real = 0

    def tick(self, lo: int, hi: int) -> None:
        self.ms += self.rng.randint(lo, hi)

    def stamp(self) -> str:
        if self.clock is not None:  # the live demo: real times, still strictly increasing
            self._last_real = max(self._last_real + 1, round(self.clock() * 1000))
            s, ms = divmod(self._last_real, 1000)
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ms:03d}Z"
        s, ms = divmod(self.t0_ms + self.ms, 1000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ms:03d}Z"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def token(self, prefix: str, n: int) -> str:
        return prefix + "".join(self.rng.choices(B62, k=n))

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"


def _ver(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class Writer:
    """Builds one session's lines in order and tracks the exact expected context figures.

    Lines go to ``out`` (a binary file) when given, else they are buffered (see :meth:`drain`
    and :meth:`content`). Subagent writers (:meth:`subagent`) share the clock and randomness;
    an inline one writes into this writer's stream, the others into :meth:`files`. Timestamps
    advance from ``base_time`` by random steps, or follow ``clock`` (seconds since the epoch,
    e.g. ``time.time``) when it is given, as in the live demo.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        session_id: str | None = None,
        model: str = DEFAULT_MODEL,
        version: str = DEFAULT_VERSION,
        cwd: str = DEFAULT_CWD,
        git_branch: str = "main",
        base_time: datetime = DEFAULT_BASE_TIME,
        system_tokens: int | None = None,
        memory: dict[str, str] | None = None,
        nested_memory: dict[str, str] | None = None,
        settings_model: str | None = None,
        auto_compact_at: int | None = None,
        out: IO[bytes] | None = None,
        agent_id: str | None = None,
        clock: Callable[[], float] | None = None,
        _ctx: _Ctx | None = None,
        _inline_into: Writer | None = None,
    ) -> None:
        self.ctx = _ctx or _Ctx(seed, base_time, clock)
        r = self.ctx.rng
        self.session_id = session_id or self.ctx.uuid()
        self.model, self.version, self.cwd, self.git_branch = model, version, cwd, git_branch
        self.v = _ver(version)
        self.agent_id, self.sidechain = agent_id, agent_id is not None
        self.settings_model = settings_model
        self.context_window = context_window_for(model, settings_model)
        self.auto_compact_at = auto_compact_at
        self.memory, self.nested_memory = dict(memory or {}), dict(nested_memory or {})
        if system_tokens is None:
            system_tokens = r.randint(14_000, 20_000)
        self.system_tokens = system_tokens
        self.memory_tokens = sum(estimate_tokens(t) for t in self.memory.values())
        self.static_tokens = self.system_tokens + self.memory_tokens
        self.slug = "-".join(r.choice(IDENT) for _ in range(3)) if self.v >= (2, 0, 70) else None
        self._out, self._inline_into = out, _inline_into
        self._buf: list[bytes] = []
        self.bytes_written = self.lines_written = 0
        self._last: str | None = None
        self._prompt_id: str | None = None
        self.last_prompt = ""
        self._prev_total: int | None = None
        self._prev_output = self._pending = 0
        self._fresh_after_compact = False
        self._used: int | None = None
        self._last_usage: dict[str, Any] | None = None
        self._series: list[int] = []
        self._compactions: list[tuple[str, int, int | None]] = []
        self._post: int | None = None
        self._malformed = self._blank = 0
        self._truncated = False
        self._subagents: dict[str, int] = {}
        self._children: list[tuple[str, Writer, dict[str, Any] | None]] = []
        self._extra: dict[str, bytes] = {}
        self._injected: set[str] = set()
        self._turn_start_ms, self._turn_nodes = 0, 0

    # ------------------------------------------------------------------ output plumbing
    def _raw(self, line: bytes) -> None:
        if self._inline_into is not None:
            self._inline_into._raw(line)
            return
        if self._out is not None:
            self._out.write(line)
        else:
            self._buf.append(line)
        self.bytes_written += len(line)
        self.lines_written += 1

    def _emit(self, obj: dict[str, Any]) -> None:
        self._raw(ENCODE(obj) + b"\n")

    def drain(self) -> list[bytes]:
        """Buffered lines written since the last drain (and forget them)."""
        lines, self._buf = self._buf, []
        return lines

    def content(self) -> bytes:
        """All buffered (not yet drained) lines as one blob."""
        return b"".join(self._buf)

    def files(self) -> dict[str, bytes]:
        """Side files relative to the project dir: subagent transcripts, sidecars, tool results."""
        out = dict(self._extra)
        for rel, child, meta in self._children:
            out[rel] = child.content()
            if meta is not None:
                out[rel.removesuffix(".jsonl") + ".meta.json"] = ENCODE(meta)
        return out

    def expected(self) -> Expected:
        """The figures a parser must find in this writer's transcript."""
        return Expected(
            session_id=self.session_id,
            model=self.model,
            version=self.version,
            context_window=self.context_window,
            used=self._used,
            post_tokens=self._post,
            output_tokens=self._prev_output if self._used is not None else None,
            compactions=list(self._compactions),
            malformed_lines=self._malformed,
            blank_lines=self._blank,
            truncated_tail=self._truncated,
            subagents=dict(self._subagents),
            assistant_responses=len(self._series),
            series=list(self._series),
            static_tokens=self.static_tokens,
            system_tokens=self.system_tokens,
            memory_tokens=self.memory_tokens,
        )

    @property
    def used(self) -> int | None:
        """Current exact context size (None right after a compaction / before any reply)."""
        return self._used

    def next_request_tokens(self) -> int:
        """Input total the next request would have (what auto-compact compares)."""
        if self._prev_total is None:
            return self.static_tokens + self._pending
        return self._prev_total + self._prev_output + self._pending

    # ------------------------------------------------------------------ line builders
    def _node(
        self,
        type_: str,
        body: dict[str, Any],
        *,
        parent: Any = ...,
        uid: str | None = None,
        tail: dict[str, Any] | None = None,
    ) -> str:
        """Write a conversation node (a line in the uuid/parentUuid chain)."""
        uid = uid or self.ctx.uuid()
        obj: dict[str, Any] = {
            "parentUuid": self._last if parent is ... else parent,
            "isSidechain": self.sidechain,
        }
        if self.agent_id:
            obj["agentId"] = self.agent_id
        obj["userType"] = "external"
        if self.v >= (2, 1):
            obj["entrypoint"] = "cli"
        obj.update(
            cwd=self.cwd, sessionId=self.session_id, version=self.version, gitBranch=self.git_branch
        )
        if self.slug:
            obj["slug"] = self.slug
        if type_ == "user" and self._prompt_id and self.v >= (2, 1):
            obj["promptId"] = self._prompt_id
        obj["type"] = type_
        obj.update(body)
        obj["uuid"], obj["timestamp"] = uid, self.ctx.stamp()
        if tail:
            obj.update(tail)
        self._emit(obj)
        self._last = uid
        self._turn_nodes += 1
        return uid

    def meta(self, type_: str, **fields: Any) -> None:
        """A metadata line (not in the chain): ``{"type": type_, **fields}``."""
        self._emit({"type": type_, **fields})

    def start(self, prompt: str, *, images: int = 0, permission_mode: str | None = None) -> str:
        """Session opening: startup hook and listings (2.1.x), the first prompt."""
        if permission_mode:
            self.meta("permission-mode", permissionMode=permission_mode, sessionId=self.session_id)
        if self.v >= (2, 1) and not self.sidechain:
            self.hook_success("SessionStart", "SessionStart:startup")
        uid = self.prompt(prompt, images=images)
        if self.v >= (2, 1) and not self.sidechain:
            names = [
                "NotebookEdit",
                "WebFetch",
                "WebSearch",
                "mcp__github__get_issue",
                "mcp__github__list_pull_requests",
            ]
            self.attachment(
                {
                    "type": "deferred_tools_delta",
                    "addedNames": names,
                    "addedLines": names,
                    "removedNames": [],
                },
                "\n".join(names),
            )
            listing = "".join(
                f"- {a}-{b}: Helps with the {a} {b} of the project.\n"
                for a, b in zip(IDENT[:6], IDENT[6:12], strict=True)
            )
            self.attachment({"type": "skill_listing", "content": listing, "skillCount": 6}, listing)
        return uid

    def prompt(self, text: str, *, images: int = 0) -> str:
        """A typed user prompt (string content, or image blocks + text)."""
        self.ctx.tick(3_000, 90_000)
        self._turn_start_ms, self._turn_nodes = self.ctx.ms, 0
        self.last_prompt = text
        uid = self.ctx.uuid()
        if self.v >= (2, 1):
            self._prompt_id = self.ctx.uuid()
        if self.v >= (2, 0) and not self.sidechain:
            stamp = self.ctx.stamp()
            self.meta(
                "file-history-snapshot",
                messageId=uid,
                snapshot={"messageId": uid, "trackedFileBackups": {}, "timestamp": stamp},
                isSnapshotUpdate=False,
            )
        content: Any = text
        if images:
            img = {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": tiny_png()},
            }
            content = [img] * images + [{"type": "text", "text": text}]
        self._pending += estimate_tokens(text) + images * IMAGE_TOKENS
        return self._node("user", {"message": {"role": "user", "content": content}}, uid=uid)

    def attachment(self, payload: dict[str, Any], counted_text: str = "") -> str:
        """An attachment node; ``counted_text`` is what the model sees (adds to the context)."""
        self._pending += estimate_tokens(counted_text)
        return self._node("attachment", {"attachment": payload})

    def hook_success(self, event: str, name: str) -> str:
        """A hook_success attachment (its empty content costs nothing)."""
        return self.attachment(
            {
                "type": "hook_success",
                "hookName": name,
                "toolUseID": self.ctx.uuid(),
                "hookEvent": event,
                "content": "",
                "stdout": "ok\n",
                "stderr": "",
                "exitCode": 0,
                "command": "$HOME/.claude/hooks/log-event.sh",
                "durationMs": self.ctx.rng.randint(20, 900),
            }
        )

    def todo_reminder(self) -> str:
        """A todo_reminder attachment listing the current todos."""
        todos = [
            {
                "content": f"Check the {w} handling",
                "status": "pending",
                "activeForm": f"Checking the {w} handling",
            }
            for w in IDENT[:3]
        ]
        return self.attachment(
            {"type": "todo_reminder", "content": todos, "itemCount": 3}, ENCODE(todos).decode()
        )

    def task_reminder(self) -> str:
        """A task_reminder attachment (newer task list tool)."""
        tasks = [
            {
                "id": str(i),
                "subject": f"Review the {w} module",
                "status": "pending",
                "blocks": [],
                "blockedBy": [],
            }
            for i, w in enumerate(IDENT[3:5], 1)
        ]
        return self.attachment(
            {"type": "task_reminder", "content": tasks, "itemCount": 2}, ENCODE(tasks).decode()
        )

    def system(self, subtype: str, **fields: Any) -> str:
        """A system node (not sent to the model)."""
        return self._node("system", {"subtype": subtype, **fields})

    def end_turn(self) -> str | None:
        """Close a turn with a turn_duration line (2.1.x)."""
        if self.v < (2, 1) or self.sidechain:
            return None
        return self.system(
            "turn_duration",
            durationMs=self.ctx.ms - self._turn_start_ms,
            messageCount=self._turn_nodes,
            isMeta=False,
        )

    def local_command(self, command: str, output: str) -> str:
        """A local slash command and its output (not sent to the model)."""
        content = (
            f"<command-name>{command}</command-name>\n<command-message>{command[1:]}"
            f"</command-message>\n<command-args></command-args>\n"
            f"<local-command-stdout>{output}</local-command-stdout>"
        )
        return self.system("local_command", content=content, level="info", isMeta=False)

    def progress(self, kind: str, tool_use_id: str) -> str:
        """A progress node (hook_progress / bash_progress); never counted."""
        self.ctx.tick(50, 1_500)
        data: dict[str, Any] = {"type": kind}
        if kind == "bash_progress":
            data.update(
                output="collecting ...\n",
                fullOutput="collecting ...\n",
                elapsedTimeSeconds=self.ctx.rng.randint(1, 9),
                totalLines=1,
            )
        else:
            data.update(hookEvent="PostToolUse", hookName="PostToolUse:Edit", command="ruff format")
        return self._node(
            "progress",
            {
                "data": data,
                "toolUseID": f"bash-progress-{tool_use_id}",
                "parentToolUseID": tool_use_id,
            },
        )
