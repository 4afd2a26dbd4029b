"""Deterministic synthetic Claude Code transcripts for tests, the benchmark and the demo.

Everything comes from one ``random.Random(seed)`` and a fixed base timestamp, so the same
arguments always give byte-identical output. Lines are compact JSON (``separators=(",",":")``
like Claude Code) ending with ``"\\n"``; all prose and code in them is invented here.

Building blocks:

* :class:`SessionWriter` writes one session line by line (prompts, split assistant responses,
  tool results, attachments, system and metadata lines, compactions, subagents, junk lines) and
  keeps the exact figures a correct parser must find, returned by :meth:`SessionWriter.expected`.
* :func:`scenario` runs a named preset (see :data:`SCENARIOS`); :func:`build_claude_home` writes
  a whole fake Claude config root; :class:`LiveSession` grows a session turn by turn.

Context model: a request's input total = previous total + previous ``output_tokens`` + tokens
of everything appended since (prompts, tool results, attachments); the first request (and the
first after a compaction) is ``static_tokens`` (system prompt + tools + memory) + what was
appended. Thinking follows the API: a reply's thinking (in its ``output_tokens``) stays while
the tool loop runs; once a reply calls no tool the turn is over, and unless earlier turns'
thinking is kept (``keep_thinking``: Claude Code >= 2.1.112, or a model that keeps it) the
next request counts none of that turn's thinking. Text costs :func:`estimate_tokens` tokens
(``round(len / 3.6)``), an image :data:`IMAGE_TOKENS`. A large tool result with
``persist=True`` costs only its stand-in text.
"""

from __future__ import annotations

import base64
import os
import random
import string
import struct
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import IO, Any

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
SCENARIOS = (
    "basic",
    "compaction",
    "compaction_no_reply",
    "compaction_no_reply_post_tokens",
    "subagents_inline",
    "subagents_flat",
    "subagents_nested",
    "opus_1m",
    "sonnet_1m_suffix",
    "malformed",
    "big",
    "demo",
)

_ENCODE = msgspec.json.Encoder().encode
_B62 = string.ascii_letters + string.digits


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


def keeps_thinking(model: str, version: str) -> bool:
    """Whether earlier turns' thinking stays in context: Claude Code 2.1.112 and later ask the
    API to keep it; before, the model decides (Opus 4.5+, Sonnet 4.6+, Haiku 5+ and the
    families after them keep it; Claude 3, Opus 4/4.1, Sonnet 4/4.5 and Haiku 4.5 drop it)."""
    if _ver(version) >= (2, 1, 112):
        return True
    low = model.lower()
    if low.startswith("claude-3"):
        return False
    for family, since in (("opus", (4, 5)), ("sonnet", (4, 6)), ("haiku", (5, 0))):
        prefix = f"claude-{family}-"
        if low.startswith(prefix):
            nums = [
                int(p) for p in low[len(prefix) :].split("-")[:2] if p.isdigit() and len(p) <= 2
            ]
            return tuple((nums + [0, 0])[:2]) >= since
    return True


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
    #: Thinking tokens counted in ``used`` (earlier replies' thinking still in context).
    thinking_tokens: int = 0
    #: Tokens in ``used`` that were sent but never written (:meth:`SessionWriter.unrecorded`).
    unrecorded_tokens: int = 0


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


# --------------------------------------------------------------------------- invented text
_PROMPTS = (
    "The gauge flickers when the terminal is resized, can you find out why?",
    "Add a --json flag to the report command and cover it with a test.",
    "Why does the tailer miss the last line when the file is rotated?",
    "Refactor the segment parser so it streams instead of loading the whole file.",
    "Run the test suite and fix whatever is failing.",
    "Please document the theme file format in docs/themes.md.",
    "The budget numbers look off by a few hundred tokens, investigate.",
    "Rename `entry_window` to `context_window` everywhere.",
    "Can you make the snapshot export include the model name?",
    "Look at issue 42 on GitHub and tell me what the reporter wants.",
    "Speed up the cache lookup, it shows up in the profile.",
    "Write a small benchmark for the reader and tell me the numbers.",
    "Check that the layout still works at 80 columns.",
    "Clean up the imports and run the linter.",
)
_SAYINGS = (
    "Let me look at how this is wired up first.",
    "I'll check the relevant module before changing anything.",
    "Now let me run the tests to see where we stand.",
    "That explains it. I'll make the fix now.",
    "Let me search for the other call sites.",
    "I'll read the test file to match its style.",
    "Good, that narrows it down. One more check.",
    "I'll update the todo list and continue.",
)
_REPORTS = (
    "Done. The resize handler now debounces redraws, and the new test covers it.",
    "All tests pass. I changed two files; the diff is small and self-contained.",
    "The numbers were off because cached reads were counted twice. Fixed and tested.",
    "I've documented the format with an example file and the list of keys.",
    "The rename is complete; nothing outside the package referenced the old name.",
    "The reporter wants the export to keep working offline. I summarised the options above.",
)
_IDENT = (
    "session",
    "window",
    "usage",
    "budget",
    "entry",
    "record",
    "parser",
    "buffer",
    "offset",
    "layout",
    "theme",
    "gauge",
    "tail",
    "model",
    "token",
    "cache",
    "event",
    "reader",
    "snapshot",
    "segment",
    "limit",
    "report",
    "cursor",
    "frame",
)
_TYPES = ("int", "str", "bytes", "float", "Path", "Entry", "Usage", "dict[str, int]", "list[Entry]")
_DIRS = ("src/demo_app", "src/demo_app/core", "src/demo_app/ui", "tests", "scripts")
_NESTED_DIR = "src/demo_app/ui"
_POOL_SIZES = (
    400,
    900,
    1_500,
    2_400,
    3_600,
    5_000,
    7_000,
    9_500,
    12_000,
    15_000,
    19_000,
    24_000,
    30_000,
    38_000,
    48_000,
    60_000,
)


def _code_line(r: random.Random) -> str:
    """One line of plausible Python made of the identifier vocabulary."""
    a, b, c = r.choice(_IDENT), r.choice(_IDENT), r.choice(_IDENT)
    t = r.choice(_TYPES)
    return r.choice(
        (
            f"def {a}_{b}(self, {c}: {t}) -> {r.choice(_TYPES)}:",
            f"    {a} = self.{b}.{c}_for({a}, {r.randint(0, 99)})",
            f"    if {a}.{b} is None:",
            f"        return {c}",
            f"    # keep the {a} in sync with the {b} before reading the {c}",
            "",
            f"class {a.title()}{b.title()}:",
            f'    """Track the {a} of a {b} and report it to the {c}."""',
            f"from demo_app.{a} import {b.title()}",
            f"    for {a} in self.{b}s:",
            f"        total += {a}.{c} * {r.randint(2, 64)}",
            f'        raise ValueError(f"bad {a}: {{{b}!r}}")',
        )
    )


@dataclass(frozen=True, slots=True)
class _Src:
    rel: str
    text: str
    numbered: str
    lines: tuple[str, ...]


@cache
def _pool() -> tuple[_Src, ...]:
    """Source files shared by every run (fixed seed), sorted by size; reused as filler."""
    r, out, seen = random.Random(20260302), [], set()
    for i, size in enumerate(_POOL_SIZES):
        rel = f"{_DIRS[i % len(_DIRS)]}/{r.choice(_IDENT)}_{r.choice(_IDENT)}.py"
        rel = rel if rel not in seen else rel.replace(".py", f"_{i}.py")
        seen.add(rel)
        lines: list[str] = ['"""Module of the demo app."""', ""]
        n = 0
        while n < size:
            lines.append(_code_line(r))
            n += len(lines[-1]) + 1
        numbered = "".join(f"{k:>6}\t{line}\n" for k, line in enumerate(lines, 1))
        out.append(_Src(rel, "\n".join(lines) + "\n", numbered, tuple(lines)))
    return tuple(out)


@cache
def _log_text() -> str:
    """A long verbose test log used (by prefix) as Bash output."""
    r, parts = random.Random(7), ["============ test session starts ============\n"]
    for i in range(2_400):
        verdict = "PASSED" if r.random() < 0.97 else "FAILED"
        parts.append(
            f"tests/test_{r.choice(_IDENT)}.py::test_{r.choice(_IDENT)}_"
            f"{r.choice(_IDENT)} {verdict} [{i * 100 // 2_400:3d}%]\n"
        )
    return "".join(parts)


def _prefix_lines(text: str, n: int) -> str:
    """The first whole lines of ``text`` totalling about ``n`` characters."""
    if n >= len(text):
        return text
    cut = text.rfind("\n", 0, max(n, 1))
    return text[: cut + 1] if cut > 0 else text[:n]


@cache
def _tiny_png() -> str:
    """A small real PNG (32x20 gradient), base64."""
    w, h = 32, 20
    raw = b"".join(
        b"\x00" + bytes(v for x in range(w) for v in (x * 8, y * 12, 160)) for y in range(h)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode()


def memory_texts(cwd: str, root: str | Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Invented CLAUDE.md files: (loaded at startup, nested one injected on first read)."""
    startup = {
        f"{cwd}/CLAUDE.md": "# demo_app\n\n- Run `pytest -q` before committing.\n- Keep modules "
        "under 400 lines; prefer small pure functions.\n- Type hints everywhere.\n" * 3,
        f"{cwd}/.claude/rules/testing.md": "# Testing\n\nEvery bug fix gets a regression test.\n",
    }
    if root is not None:
        startup[f"{root}/CLAUDE.md"] = "# My defaults\n\nAnswer briefly. Use British spelling.\n"
    nested = {
        f"{cwd}/{_NESTED_DIR}/CLAUDE.md": "# UI package\n\nWidgets never read files; they "
        "receive snapshots from the core. Colours come from the theme only.\n"
    }
    return startup, nested


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
        return prefix + "".join(self.rng.choices(_B62, k=n))

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"


def _ver(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class SessionWriter:
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
        keep_thinking: bool | None = None,
        out: IO[bytes] | None = None,
        agent_id: str | None = None,
        clock: Callable[[], float] | None = None,
        _ctx: _Ctx | None = None,
        _inline_into: SessionWriter | None = None,
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
        self.keep_thinking = (
            keeps_thinking(model, version) if keep_thinking is None else keep_thinking
        )
        self.memory, self.nested_memory = dict(memory or {}), dict(nested_memory or {})
        if system_tokens is None:
            system_tokens = r.randint(14_000, 20_000)
        self.system_tokens = system_tokens
        self.memory_tokens = sum(estimate_tokens(t) for t in self.memory.values())
        self.static_tokens = self.system_tokens + self.memory_tokens
        self.slug = "-".join(r.choice(_IDENT) for _ in range(3)) if self.v >= (2, 0, 70) else None
        self._out, self._inline_into = out, _inline_into
        self._buf: list[bytes] = []
        self.bytes_written = self.lines_written = 0
        self._last: str | None = None
        self._prompt_id: str | None = None
        self.last_prompt = ""
        self._prev_total: int | None = None
        self._prev_output = self._pending = 0
        self._fresh_after_compact = False
        #: Thinking tokens of the turn in progress, and whether the next request drops them.
        self._turn_thinking, self._drop_thinking = 0, False
        #: Thinking tokens in context for the next request, and in the last request (``used``).
        self._thinking_next = self._thinking_used = 0
        #: The same for text sent but never written to the transcript (older versions).
        self._unrecorded_next = self._unrecorded_used = 0
        self._used: int | None = None
        self._last_usage: dict[str, Any] | None = None
        self._series: list[int] = []
        self._compactions: list[tuple[str, int, int | None]] = []
        self._post: int | None = None
        self._malformed = self._blank = 0
        self._truncated = False
        self._subagents: dict[str, int] = {}
        self._children: list[tuple[str, SessionWriter, dict[str, Any] | None]] = []
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
        self._raw(_ENCODE(obj) + b"\n")

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
                out[rel.removesuffix(".jsonl") + ".meta.json"] = _ENCODE(meta)
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
            thinking_tokens=self._thinking_used if self._used is not None else 0,
            unrecorded_tokens=self._unrecorded_used if self._used is not None else 0,
        )

    @property
    def used(self) -> int | None:
        """Current exact context size (None right after a compaction / before any reply)."""
        return self._used

    def next_request_tokens(self) -> int:
        """Input total the next request would have (what auto-compact compares)."""
        if self._prev_total is None:
            return self.static_tokens + self._pending
        dropped = self._turn_thinking if self._drop_thinking else 0
        return self._prev_total + self._prev_output + self._pending - dropped

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
                for a, b in zip(_IDENT[:6], _IDENT[6:12], strict=True)
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
                "source": {"type": "base64", "media_type": "image/png", "data": _tiny_png()},
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
            for w in _IDENT[:3]
        ]
        return self.attachment(
            {"type": "todo_reminder", "content": todos, "itemCount": 3}, _ENCODE(todos).decode()
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
            for i, w in enumerate(_IDENT[3:5], 1)
        ]
        return self.attachment(
            {"type": "task_reminder", "content": tasks, "itemCount": 2}, _ENCODE(tasks).decode()
        )

    def unrecorded(self, text: str) -> int:
        """A reminder sent with the next request but never written to the transcript, as
        Claude Code before 2.1.3xx does (the todo-list nudge, files re-attached after
        ``/compact``); returns its tokens."""
        tokens = estimate_tokens(text)
        self._pending += tokens
        self._unrecorded_next += tokens
        return tokens

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

    # ------------------------------------------------------------------ responses
    def respond(
        self,
        *,
        text: str | None = None,
        thinking: bool = False,
        tools: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> Response:
        """One API response, one line per content block (thinking, text, tool_use...)."""
        r = self.ctx.rng
        if self.auto_compact_at is not None and self.next_request_tokens() >= self.auto_compact_at:
            self.compact("auto")
        total = self.next_request_tokens()
        if self._prev_total is None:
            cached = self.static_tokens if self._fresh_after_compact or r.random() < 0.5 else 0
            read = min(cached, total)
        else:
            read = self._prev_total if r.random() > 0.03 else min(self.system_tokens, total)
        fresh = r.randint(1, 12) if self._prev_total is None else r.randint(1, 9)
        read = min(read, max(0, total - fresh))  # dropped thinking can shrink the request
        inp = min(fresh, total - read)
        create = total - read - inp
        blocks: list[dict[str, Any]] = []
        out_tokens = r.randint(2, 30)
        if self._drop_thinking:
            self._thinking_next -= self._turn_thinking
            self._turn_thinking, self._drop_thinking = 0, False
        self._thinking_used = self._thinking_next
        self._unrecorded_used = self._unrecorded_next
        if thinking:
            sig = base64.b64encode(r.randbytes(r.randint(90, 450))).decode()
            blocks.append({"type": "thinking", "thinking": "", "signature": sig})
            thought = r.randint(40, 900)
            out_tokens += thought
            self._turn_thinking += thought
            self._thinking_next += thought
        if text:
            blocks.append({"type": "text", "text": text})
            out_tokens += estimate_tokens(text)
        ids: list[str] = []
        for name, args in tools:
            ids.append(self.ctx.token("toolu_01", 22))
            blocks.append({"type": "tool_use", "id": ids[-1], "name": name, "input": args})
            out_tokens += estimate_tokens(_ENCODE(args).decode()) + 8
        if not blocks:
            blocks.append({"type": "text", "text": "Done."})
        msg_id, req_id = self.ctx.token("msg_01", 22), self.ctx.token("req_011C", 20)
        stop = "tool_use" if tools else "end_turn"
        mode, uuids = r.randrange(3), []
        tier = "5m" if self.v < (2, 1) else "1h"
        for i, block in enumerate(blocks):
            self.ctx.tick(250, 2_500)
            final = i == len(blocks) - 1 or mode == 2
            out = (
                out_tokens
                if final
                else (
                    min(out_tokens, r.randint(1, 8))
                    if mode == 0
                    else max(1, out_tokens * (i + 1) // (len(blocks) + 1))
                )
            )
            usage = {
                "input_tokens": inp,
                "cache_creation_input_tokens": create,
                "cache_read_input_tokens": read,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": create if tier == "5m" else 0,
                    "ephemeral_1h_input_tokens": create if tier == "1h" else 0,
                },
                "output_tokens": out,
                "service_tier": "standard",
            }
            message = {
                "model": self.model,
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": stop if final else None,
                "stop_sequence": None,
                "usage": usage,
            }
            uuids.append(self._node("assistant", {"message": message, "requestId": req_id}))
            self._last_usage = usage
        self._prev_total, self._prev_output, self._pending = total, out_tokens, 0
        self._fresh_after_compact = False
        # A reply that calls no tool ends the turn; its thinking leaves unless it is kept.
        self._drop_thinking = not tools and not self.keep_thinking
        self._used = total
        self._series.append(total)
        return Response(
            msg_id,
            uuids,
            ids,
            uuids[len(uuids) - len(ids) :],
            total,
            out_tokens,
            self._last_usage or {},
        )

    def tool_result(self, call: ToolCall, tool_use_id: str, source_uuid: str) -> str:
        """The user line carrying a tool_result (plus toolUseResult/sourceToolAssistantUUID)."""
        self.ctx.tick(30, 3_000 if call.name == "Bash" else 300)
        block: dict[str, Any] = {
            "tool_use_id": tool_use_id,
            "type": "tool_result",
            "content": call.result,
        }
        if call.is_error:
            block["is_error"] = True
        res = call.result
        seen = res if isinstance(res, str) else "\n".join(b.get("text", "") for b in res)
        standin = None
        if call.persist:
            where = f"{self.session_id}/tool-results/{tool_use_id}.txt"
            self._extra[where] = seen.encode()
            standin = (
                f"<persisted-output>\nOutput too large ({len(seen) // 1024} KB), saved to "
                f"{where}.\nPreview:\n{seen[:1_500]}\n</persisted-output>"
            )
            seen = standin
        self._pending += estimate_tokens(seen)
        uid = self._node(
            "user",
            {"message": {"role": "user", "content": [block]}},
            tail={"toolUseResult": call.structured, "sourceToolAssistantUUID": source_uuid},
        )
        if standin is not None:
            rep: dict[str, Any] = {"type": "content-replacement", "sessionId": self.session_id}
            if self.agent_id:
                rep["agentId"] = self.agent_id
            rep["replacements"] = [
                {"kind": "tool-result", "toolUseId": tool_use_id, "replacement": standin}
            ]
            self._emit(rep)
        return uid

    def use_tools(
        self, calls: Sequence[ToolCall], *, text: str | None = None, thinking: bool = False
    ) -> Response:
        """A response calling ``calls`` (in parallel), then their progress and result lines."""
        resp = self.respond(text=text, thinking=thinking, tools=[(c.name, c.input) for c in calls])
        progress_era = (2, 1, 9) <= self.v <= (2, 1, 84) and not self.sidechain
        for call, tid, src in zip(calls, resp.tool_use_ids, resp.tool_uuids, strict=True):
            if progress_era and call.name in ("Bash", "Edit", "Write"):
                self.progress("bash_progress" if call.name == "Bash" else "hook_progress", tid)
            self.tool_result(call, tid, src)
            path = call.input.get("file_path", "") if call.name == "Read" else ""
            for mem_path, text_ in self.nested_memory.items():
                folder = mem_path.rsplit("/", 1)[0] + "/"
                if path.startswith(folder) and mem_path not in self._injected:
                    self._injected.add(mem_path)
                    self.attachment(
                        {
                            "type": "nested_memory",
                            "path": mem_path,
                            "content": {"path": mem_path, "type": "Project", "content": text_},
                        },
                        text_,
                    )
        return resp

    def api_error(self, *, retries: int = 2, give_up: bool = False) -> None:
        """api_error system lines; with ``give_up`` a ``<synthetic>`` zero-usage error reply."""
        for attempt in range(1, retries + 1):
            self.ctx.tick(500, 8_000)
            self.system(
                "api_error",
                level="error",
                error={
                    "status": 529,
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                },
                retryInMs=500 * 2**attempt,
                retryAttempt=attempt,
                maxRetries=10,
            )
        if give_up:
            zero = {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "service_tier": None,
                "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            }
            message = {
                "id": self.ctx.uuid(),
                "model": "<synthetic>",
                "role": "assistant",
                "stop_reason": "stop_sequence",
                "stop_sequence": "",
                "type": "message",
                "usage": zero,
                "content": [
                    {
                        "type": "text",
                        "text": "API Error: 529 overloaded. Please try again in a moment.",
                    }
                ],
            }
            self._node(
                "assistant", {"message": message, "error": "overloaded", "isApiErrorMessage": True}
            )

    # ------------------------------------------------------------------ compaction
    def compact(self, trigger: str = "auto", *, post_tokens: bool | None = None) -> str:
        """compact_boundary (parentUuid null) + summary line; context resets to static + summary.

        ``post_tokens`` None writes ``postTokens`` only for versions >= 2.1.200.
        """
        r = self.ctx.rng
        pre = self.next_request_tokens()
        self.ctx.tick(20_000, 90_000)
        src = r.choice(_pool()[8:])
        body = _prefix_lines(src.text, r.randint(8_000, 22_000))
        summary = (
            f"{SUMMARY_PREFIX}\n\nAnalysis:\nThe user is improving demo_app. Work so far "
            f"touched the {r.choice(_IDENT)} and {r.choice(_IDENT)} modules.\n\nSummary:\n"
            f"1. Primary request: {r.choice(_PROMPTS)}\n2. Key code:\n{body}\n"
            f"3. Pending: {r.choice(_PROMPTS)}\n"
        )
        stokens = estimate_tokens(summary)
        post = self.static_tokens + stokens
        with_post = post_tokens if post_tokens is not None else self.v >= (2, 1, 200)
        cm: dict[str, Any] = {"trigger": trigger, "preTokens": pre}
        if self.v >= (2, 1):
            cm["messagesSummarized"] = self._turn_nodes + r.randint(20, 200)
        if with_post:
            cm.update(postTokens=post, durationMs=r.randint(15_000, 60_000))
        boundary = {
            "subtype": "compact_boundary",
            "content": "Conversation compacted",
            "isMeta": False,
            "level": "info",
            "logicalParentUuid": self._last,
            "compactMetadata": cm,
        }
        uid = self._node("system", boundary, parent=None)
        self._node(
            "user",
            {
                "message": {"role": "user", "content": summary},
                "isVisibleInTranscriptOnly": True,
                "isCompactSummary": True,
            },
        )
        self._compactions.append((trigger, pre, post if with_post else None))
        self._post = post if with_post else None
        self._prev_total, self._prev_output, self._pending = None, 0, stokens
        self._fresh_after_compact, self._used = True, None
        self._turn_thinking, self._drop_thinking = 0, False
        self._thinking_next = self._thinking_used = 0
        self._unrecorded_next = self._unrecorded_used = 0
        if trigger == "manual":
            self.local_command("/compact", "Compacted. ctrl+o to see the full summary")
        return uid

    # ------------------------------------------------------------------ junk
    def malformed(self, kind: str) -> None:
        """Write one deliberately broken line (a key of MALFORMED, or "blank")."""
        if kind == "blank":
            self._raw(b"\n")
            self._blank += 1
        else:
            self._raw(MALFORMED[kind])
            self._malformed += 1

    def truncated_tail(self) -> None:
        """End the file with the first half of a user line and no newline."""
        obj = {
            "parentUuid": self._last,
            "isSidechain": False,
            "type": "user",
            "message": {"role": "user", "content": self.ctx.rng.choice(_PROMPTS)},
            "uuid": self.ctx.uuid(),
        }
        line = _ENCODE(obj)
        self._raw(line[: len(line) // 2])
        self._truncated = True

    # ------------------------------------------------------------------ tool factories
    def _path(self, src: _Src) -> str:
        return f"{self.cwd}/{src.rel}"

    def _src(self, size: int) -> _Src:
        pool = _pool()
        best = min(range(len(pool)), key=lambda i: abs(len(pool[i].text) - size))
        return pool[max(0, min(len(pool) - 1, best + self.ctx.rng.randint(-1, 1)))]

    def tool_read(self, size: int = 6_000, *, in_nested: bool = False) -> ToolCall:
        """Read a file of about ``size`` characters (cat -n numbered result)."""
        src = self._src(size)
        if in_nested:
            src = next(s for s in _pool() if s.rel.startswith(_NESTED_DIR + "/"))
        p = self._path(src)
        n = len(src.lines)
        return ToolCall(
            "Read",
            {"file_path": p},
            src.numbered,
            {
                "type": "text",
                "file": {
                    "filePath": p,
                    "content": src.text,
                    "numLines": n,
                    "startLine": 1,
                    "totalLines": n,
                },
            },
        )

    def tool_bash(self, size: int = 1_500, *, persist: bool = False) -> ToolCall:
        """Run the tests; stdout of about ``size`` characters."""
        out = _prefix_lines(_log_text(), size)
        return ToolCall(
            "Bash",
            {"command": "pytest -v", "description": "Run the test suite"},
            out,
            {"stdout": out, "stderr": "", "interrupted": False, "isImage": False},
            persist=persist,
        )

    def tool_grep(self) -> ToolCall:
        """Search the code (content mode)."""
        r, word = self.ctx.rng, self.ctx.rng.choice(_IDENT)
        hits = []
        for src in r.sample(_pool(), 4):
            k = r.randrange(len(src.lines))
            hits.append(f"{self._path(src)}:{k + 1}:{src.lines[k]}")
        text = "\n".join(hits)
        return ToolCall(
            "Grep",
            {"pattern": word, "path": self.cwd, "output_mode": "content", "-n": True},
            text,
            {
                "mode": "content",
                "numFiles": 4,
                "filenames": [],
                "content": text,
                "numLines": len(hits),
            },
        )

    def tool_glob(self) -> ToolCall:
        """List Python files."""
        names = [self._path(s) for s in _pool()[:8]]
        return ToolCall(
            "Glob",
            {"pattern": "**/*.py"},
            "\n".join(names),
            {
                "filenames": names,
                "durationMs": self.ctx.rng.randint(5, 90),
                "numFiles": len(names),
                "truncated": False,
            },
        )

    def tool_edit(self) -> ToolCall:
        """Replace one line of a pool file."""
        r, src = self.ctx.rng, self.ctx.rng.choice(_pool()[2:10])
        k = r.randrange(2, len(src.lines) - 1)
        old, p = src.lines[k], self._path(src)
        new = old + "  # adjusted"
        around = range(max(0, k - 3), min(len(src.lines), k + 4))
        snippet = "".join(f"{i + 1:>6}\t{src.lines[i]}\n" for i in around)
        hunk = {
            "oldStart": k + 1,
            "oldLines": 1,
            "newStart": k + 1,
            "newLines": 1,
            "lines": [f"-{old}", f"+{new}"],
        }
        return ToolCall(
            "Edit",
            {"file_path": p, "old_string": old, "new_string": new},
            f"Updated {p} (1 replacement). Snippet after the edit:\n{snippet}",
            {
                "filePath": p,
                "oldString": old,
                "newString": new,
                "originalFile": src.text,
                "structuredPatch": [hunk],
                "userModified": False,
                "replaceAll": False,
            },
        )

    def tool_write(self) -> ToolCall:
        """Create a new small file."""
        src = _pool()[self.ctx.rng.randrange(3)]
        p = f"{self.cwd}/scripts/gen_{self.ctx.hex(4)}.py"
        return ToolCall(
            "Write",
            {"file_path": p, "content": src.text},
            f"Created {p}.",
            {"type": "create", "filePath": p, "content": src.text, "structuredPatch": []},
        )

    def tool_todo(self) -> ToolCall:
        """Update the todo list."""
        states = ("completed", "in_progress", "pending")
        todos = [
            {
                "content": f"Fix the {w} handling",
                "status": s,
                "activeForm": f"Fixing the {w} handling",
            }
            for w, s in zip(_IDENT[:3], states, strict=True)
        ]
        return ToolCall(
            "TodoWrite", {"todos": todos}, "Todo list updated.", {"oldTodos": [], "newTodos": todos}
        )

    def tool_mcp_issue(self) -> ToolCall:
        """An MCP tool call: mcp__github__get_issue."""
        n = self.ctx.rng.randint(10, 400)
        issue = _ENCODE(
            {
                "number": n,
                "title": "Gauge flickers on resize",
                "state": "open",
                "body": "When the window is resized quickly the gauge redraws twice.",
                "labels": ["bug", "ui"],
                "comments": 3,
            }
        ).decode()
        res = [{"type": "text", "text": issue}]
        return ToolCall(
            "mcp__github__get_issue",
            {"owner": "acme", "repo": "demo_app", "issue_number": n},
            res,
            res,
        )

    def random_call(self, size: int) -> ToolCall:
        """A tool call picked by weight; Read/Bash results are about ``size`` characters."""
        k = self.ctx.rng.random()
        if k < 0.45:
            return self.tool_read(size)
        if k < 0.65:
            return self.tool_bash(size)
        if k < 0.75:
            return self.tool_grep()
        if k < 0.82:
            return self.tool_glob()
        if k < 0.93:
            return self.tool_edit()
        return self.tool_todo() if k < 0.97 else self.tool_write()

    def random_turn(self, budget_chars: int = 8_000, *, steps: int | None = None) -> None:
        """A prompt, 1-3 tool rounds adding about ``budget_chars`` of results, a final reply."""
        r = self.ctx.rng
        self.prompt(r.choice(_PROMPTS))
        steps = steps or r.randint(1, 3)
        for _ in range(steps):
            calls = [self.random_call(max(300, budget_chars // steps))]
            if r.random() < 0.2:
                calls.append(r.choice((self.tool_grep, self.tool_glob, self.tool_todo))())
            self.use_tools(
                calls,
                thinking=r.random() < 0.6,
                text=r.choice(_SAYINGS) if r.random() < 0.7 else None,
            )
        self.respond(text=r.choice(_REPORTS), thinking=r.random() < 0.3)
        self.end_turn()

    # ------------------------------------------------------------------ subagents
    def subagent(
        self, layout: str, *, steps: int = 3, description: str = "Survey the parser"
    ) -> str:
        """Run a Task/Agent subagent in ``layout`` "inline", "flat" or "nested"; return agentId."""
        r = self.ctx.rng
        if layout not in ("inline", "flat", "nested"):
            raise ValueError(f"unknown subagent layout {layout!r}")
        agent_id = "a" + self.ctx.hex(16) if layout == "nested" else self.ctx.hex(8)
        task = (
            f"{description}: read the {r.choice(_IDENT)} and {r.choice(_IDENT)} modules and "
            "report how data flows between them. Do not edit anything."
        )
        name = "Agent" if self.v >= (2, 1, 100) else "Task"
        args = {"description": description, "prompt": task, "subagent_type": "general-purpose"}
        resp = self.respond(
            thinking=True, text="I'll delegate the survey to a subagent.", tools=[(name, args)]
        )
        child = SessionWriter(
            session_id=self.session_id,
            model=self.model,
            version=self.version,
            cwd=self.cwd,
            git_branch=self.git_branch,
            _ctx=self.ctx,
            system_tokens=r.randint(6_000, 12_000),
            agent_id=agent_id,
            _inline_into=self if layout == "inline" else None,
        )
        child.prompt(task)
        for _ in range(steps):
            child.use_tools(
                [
                    r.choice((child.tool_read, child.tool_bash))(r.randint(2_000, 20_000)),
                    child.tool_grep(),
                ],
                thinking=r.random() < 0.5,
            )
        report = r.choice(_REPORTS)
        last = child.respond(text=report)
        if layout == "flat":
            self._children.append((f"agent-{agent_id}.jsonl", child, None))
        elif layout == "nested":
            meta = {"agentType": "general-purpose", "description": description}
            rel = f"{self.session_id}/subagents/agent-{agent_id}.jsonl"
            self._children.append((rel, child, meta))
        self._subagents[agent_id] = last.total
        text = [
            {"type": "text", "text": report},
            {"type": "text", "text": f"agentId: {agent_id} (use it to resume this agent)"},
        ]
        structured = {
            "status": "completed",
            "prompt": task,
            "agentId": agent_id,
            "content": text[:1],
            "totalDurationMs": child.ctx.ms - self._turn_start_ms,
            "totalTokens": last.total + last.output_tokens,
            "totalToolUseCount": steps * 2,
            "usage": last.usage,
        }
        call = ToolCall(name, args, text, structured)
        self.tool_result(call, resp.tool_use_ids[0], resp.tool_uuids[0])
        return agent_id


# ---------------------------------------------------------------------------- scenarios
def _basic(w: SessionWriter, turns: int = 6) -> None:
    """Every line type once: tools, image, attachments, system/meta lines, api errors."""
    r = w.ctx.rng
    w.start(r.choice(_PROMPTS), permission_mode="default")
    w.use_tools([w.tool_glob()], thinking=True, text=r.choice(_SAYINGS))
    w.use_tools([w.tool_read(9_000, in_nested=True), w.tool_grep()], thinking=True)
    w.use_tools([w.tool_todo()])
    w.meta(
        "queue-operation",
        operation="enqueue",
        timestamp=w.ctx.stamp(),
        sessionId=w.session_id,
        content="also run the linter",
    )
    w.use_tools([w.tool_edit()], text=r.choice(_SAYINGS))
    w.meta("queue-operation", operation="dequeue", timestamp=w.ctx.stamp(), sessionId=w.session_id)
    w.use_tools([w.tool_bash(40_000, persist=True)], thinking=True)
    w.respond(text=r.choice(_REPORTS))
    w.end_turn()
    w.meta("ai-title", aiTitle="Fix the gauge flicker", sessionId=w.session_id)
    w.prompt("Here is a screenshot of the glitch.", images=1)
    w.todo_reminder()
    w.api_error(retries=2)
    w.use_tools([w.tool_mcp_issue()], thinking=True)
    w.use_tools([w.tool_write()], text=r.choice(_SAYINGS))
    w.respond(text=r.choice(_REPORTS))
    w.end_turn()
    w.local_command("/model", "Kept model as Sonnet 4.5")
    w.meta("custom-title", customTitle="gauge-flicker", sessionId=w.session_id)
    w.meta(
        "quantum-state",
        superposition=["compacted", "not-compacted"],
        observedAt=w.ctx.stamp(),
        sessionId=w.session_id,
    )
    w.prompt(r.choice(_PROMPTS))
    w.api_error(retries=1, give_up=True)
    w.task_reminder()
    for _ in range(max(0, turns - 3)):
        w.random_turn(r.randint(3_000, 12_000))
    w.meta("last-prompt", lastPrompt=w.last_prompt, sessionId=w.session_id)
    w.meta("summary", summary="Gauge flicker fixed", leafUuid=w._last)


def _grow_until(w: SessionWriter, target: int, budget: int = 20_000) -> None:
    while (w.used or 0) < target:
        w.random_turn(budget)


def _live_turns(w: SessionWriter, turns: int, compact_at: int, layout: str) -> Iterator[None]:
    """The demo plan: one yield per turn; crosses 150K/180K, one auto compaction."""
    r = w.ctx.rng
    planned = int(turns * 0.62)
    for i in range(turns):
        if i == 0:
            w.start(r.choice(_PROMPTS), permission_mode="acceptEdits")
            w.use_tools([w.tool_read(9_000, in_nested=True)], thinking=True)
            w.respond(text=r.choice(_REPORTS))
            w.end_turn()
            w.meta("ai-title", aiTitle="Polish the demo app", sessionId=w.session_id)
        elif i == 9:
            w.prompt("Survey how the reader feeds the gauge, use a subagent.")
            w.subagent(layout)
            w.respond(text=r.choice(_REPORTS))
            w.end_turn()
        elif i == 14:
            w.prompt(r.choice(_PROMPTS))
            w.use_tools([w.tool_mcp_issue()], thinking=True)
            w.respond(text=r.choice(_REPORTS))
            w.end_turn()
        else:
            if w._compactions:
                budget = 7_000
            else:
                need = (compact_at - w.next_request_tokens()) / max(1, planned - i)
                budget = int(max(1_000.0, need - 2_200) * CHARS_PER_TOKEN)
            w.random_turn(min(budget, 40_000), steps=r.randint(2, 3))
        w.meta("last-prompt", lastPrompt=w.last_prompt, sessionId=w.session_id)
        yield


def scenario(
    name: str,
    *,
    seed: int = 0,
    base_time: datetime = DEFAULT_BASE_TIME,
    cwd: str = DEFAULT_CWD,
    out: IO[bytes] | None = None,
    memory: dict[str, str] | None = None,
    nested_memory: dict[str, str] | None = None,
    session_id: str | None = None,
    **options: Any,
) -> SessionWriter:
    """Run preset ``name`` (one of :data:`SCENARIOS`) and return the finished writer.

    Options: ``big``: ``target_bytes`` (default 100 MB; pass ``out`` to stream to a file);
    ``malformed``: ``truncated_tail`` (default True); ``demo``: ``turns``, ``compact_at``;
    any scenario: ``model``, ``version``.
    """
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    if name == "demo":
        live = LiveSession(
            seed=seed,
            base_time=base_time,
            cwd=cwd,
            memory=memory,
            nested_memory=nested_memory,
            session_id=session_id,
            out=out,
            **options,
        )
        kept = [line for batch in live.batches() for line in batch]
        live.writer._buf = kept  # hand back everything, as the other presets do
        return live.writer
    defaults: dict[str, dict[str, Any]] = {
        "subagents_inline": {"version": "2.0.27"},
        "subagents_flat": {"version": "2.0.50"},
        "subagents_nested": {"version": "2.1.112", "model": "claude-opus-4-5-20251101"},
        "opus_1m": {"version": "2.1.112", "model": "claude-opus-4-7"},
        "sonnet_1m_suffix": {"settings_model": "sonnet[1m]"},
        "compaction": {"auto_compact_at": 167_000},
        "big": {"auto_compact_at": 167_000, "model": "claude-sonnet-4-20250514"},
    }
    kw = dict(defaults.get(name, {}))
    kw.update({k: options.pop(k) for k in ("model", "version") if k in options})
    if nested_memory is None:
        nested_memory = memory_texts(cwd)[1]
    w = SessionWriter(
        seed=seed,
        base_time=base_time,
        cwd=cwd,
        out=out,
        memory=memory,
        nested_memory=nested_memory,
        session_id=session_id,
        **kw,
    )
    r = w.ctx.rng
    if name == "basic":
        _basic(w)
    elif name == "malformed":
        w.start(r.choice(_PROMPTS))
        for kind in (*MALFORMED, "blank"):
            w.random_turn(r.randint(2_000, 8_000))
            w.malformed(kind)
        w.meta("quantum-state", superposition=["up", "down"], sessionId=w.session_id)
        w.respond(text=r.choice(_REPORTS))
        if options.get("truncated_tail", True):
            w.truncated_tail()
    elif name == "compaction":
        w.start(r.choice(_PROMPTS))
        while not w._compactions:
            w.random_turn(30_000)
        for _ in range(3):
            w.random_turn(6_000)
        w.compact("manual")
        w.random_turn(5_000)
        w.random_turn(5_000)
    elif name.startswith("compaction_no_reply"):
        w.start(r.choice(_PROMPTS))
        _grow_until(w, 120_000, 30_000)
        w.prompt(r.choice(_PROMPTS))
        w.compact("auto", post_tokens=name.endswith("post_tokens"))
    elif name.startswith("subagents_"):
        layout = name.removeprefix("subagents_")
        w.start(r.choice(_PROMPTS))
        w.use_tools([w.tool_read(6_000)], thinking=True)
        w.subagent(layout, steps=3)
        w.use_tools([w.tool_grep()])
        w.subagent(layout, steps=2, description="Check the tests")
        w.respond(text=r.choice(_REPORTS))
        w.end_turn()
        w.random_turn(4_000)
    elif name in ("opus_1m", "sonnet_1m_suffix"):
        w.start(r.choice(_PROMPTS))
        _grow_until(w, 240_000 if name == "opus_1m" else 230_000, 40_000)
    elif name == "big":
        target = int(options.get("target_bytes", 100_000_000))
        w.start(r.choice(_PROMPTS))
        while w.bytes_written < target:
            w.prompt(r.choice(_PROMPTS))
            w.use_tools([w.tool_read(60_000)], thinking=True, text=r.choice(_SAYINGS))
            w.use_tools([w.tool_bash(40_000), w.tool_edit()], text=r.choice(_SAYINGS))
            w.respond(text=r.choice(_REPORTS))
            w.end_turn()
    return w


class LiveSession:
    """A session that grows one turn per :meth:`step` (the "demo" scenario, 70 turns default).

    It crosses 150K and 180K tokens, runs one subagent (turn 10) and auto-compacts once, when
    the next request would reach ``compact_at`` (190K by default: higher than Claude Code's
    ~167K for 200K windows, so the demo shows the upper colour bands). ``writer_options`` go
    to :class:`SessionWriter` (``cwd``, ``base_time``, ``memory``, ``session_id``, ``out``...);
    with ``out`` the lines go straight to that file and :meth:`step` returns [].
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        turns: int = 70,
        compact_at: int = 190_000,
        subagent_layout: str = "nested",
        model: str = DEFAULT_MODEL,
        version: str = DEFAULT_VERSION,
        **writer_options: Any,
    ) -> None:
        if writer_options.get("nested_memory") is None:
            cwd = writer_options.get("cwd", DEFAULT_CWD)
            writer_options["nested_memory"] = memory_texts(cwd)[1]
        self.writer = SessionWriter(
            seed=seed, model=model, version=version, auto_compact_at=compact_at, **writer_options
        )
        self.turns, self.turn = turns, 0
        self._plan = _live_turns(self.writer, turns, compact_at, subagent_layout)

    @property
    def done(self) -> bool:
        """True once every turn was produced."""
        return self.turn >= self.turns

    def step(self) -> list[bytes]:
        """Produce the next turn and return its main-transcript lines ([] when done)."""
        if self.done:
            return []
        next(self._plan)
        self.turn += 1
        return self.writer.drain()

    def batches(self, interval: float = 0.0) -> Iterator[list[bytes]]:
        """Yield each turn's lines, sleeping ``interval`` seconds between turns."""
        while not self.done:
            yield self.step()
            if interval and not self.done:
                time.sleep(interval)

    def append_to(self, transcript: Path) -> list[bytes]:
        """Append the next turn to ``transcript``; (re)write side files next to it."""
        lines = self.step()
        with transcript.open("ab") as fh:
            fh.write(b"".join(lines))
        for rel, data in self.writer.files().items():
            dest = transcript.parent / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        return lines

    def expected(self) -> Expected:
        """Figures for everything produced so far."""
        return self.writer.expected()


def split_line(line: bytes, at: int | None = None) -> tuple[bytes, bytes]:
    """Cut a line in two (default: in the middle) to simulate a half-flushed write."""
    k = len(line) // 2 if at is None else at
    return line[:k], line[k:]


def write_partial_then_finish(
    path: Path, line: bytes, *, at: int | None = None, between: Any = None
) -> None:
    """Append the first part of ``line``, call ``between()`` (if given), then the rest."""
    head, rest = split_line(line, at)
    with path.open("ab") as fh:
        fh.write(head)
        fh.flush()
        if between is not None:
            between()
        fh.write(rest)


@dataclass(slots=True)
class ClaudeHome:
    """What :func:`build_claude_home` wrote."""

    root: Path
    cwd: str
    project_dir: Path
    transcript: Path
    expected: Expected
    subagent_files: dict[str, Path] = field(default_factory=dict)
    other_sessions: list[Path] = field(default_factory=list)
    settings: Path | None = None
    memory_files: list[Path] = field(default_factory=list)


def _stamp_mtime(path: Path, w: SessionWriter) -> None:
    t = (w.ctx.t0_ms + w.ctx.ms) / 1000
    os.utime(path, (t, t))


def build_claude_home(
    root: Path,
    *,
    seed: int = 0,
    name: str = "basic",
    cwd: str | None = None,
    memory: bool = True,
    settings_model: str | None = None,
    extra_sessions: int = 0,
    base_time: datetime = DEFAULT_BASE_TIME,
    **options: Any,
) -> ClaudeHome:
    """Write a fake Claude config root: ``root/projects/<encoded cwd>/<sessionId>.jsonl``.

    ``cwd`` defaults to ``root.parent / "work" / "demo_app"`` (created). With ``memory`` the
    CLAUDE.md files of :func:`memory_texts` are written and counted in the static size.
    Subagent files, their sidecars and persisted tool results land in the project dir;
    ``settings.json`` gets ``"model"`` when the scenario (``sonnet_1m_suffix``) or
    ``settings_model`` asks. ``extra_sessions`` older "basic" sessions share the project dir.
    """
    cwd = cwd or str(root.parent / "work" / "demo_app")
    project = root / "projects" / encode_project_dir(cwd)
    project.mkdir(parents=True, exist_ok=True)
    startup, nested = memory_texts(cwd, root)
    written: list[Path] = []
    if memory:
        for p, text in {**startup, **nested}.items():
            Path(p).parent.mkdir(parents=True, exist_ok=True)
            Path(p).write_text(text, encoding="utf-8")
            written.append(Path(p))
    else:
        Path(cwd).mkdir(parents=True, exist_ok=True)
    others = []
    for i in range(extra_sessions):
        old = scenario(
            "basic",
            seed=seed + 1_000 + i,
            cwd=cwd,
            memory=startup if memory else None,
            base_time=base_time - timedelta(days=i + 1),
        )
        path = project / f"{old.session_id}.jsonl"
        path.write_bytes(old.content())
        _stamp_mtime(path, old)
        others.append(path)
    sid = options.pop("session_id", None)
    sid = sid or str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
    transcript = project / f"{sid}.jsonl"
    with transcript.open("wb") as fh:
        w = scenario(
            name,
            seed=seed,
            cwd=cwd,
            base_time=base_time,
            out=fh,
            session_id=sid,
            memory=startup if memory else None,
            nested_memory=nested,
            **options,
        )
    _stamp_mtime(transcript, w)
    agents = {}
    for rel, data in w.files().items():
        dest = project / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        if dest.name.startswith("agent-") and dest.suffix == ".jsonl":
            agents[dest.stem.removeprefix("agent-")] = dest
    settings = None
    if model := settings_model or w.settings_model:
        settings = root / "settings.json"
        settings.write_bytes(_ENCODE({"model": model}) + b"\n")
    return ClaudeHome(
        root, cwd, project, transcript, w.expected(), agents, others, settings, written
    )
