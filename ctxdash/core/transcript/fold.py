"""Fold transcript lines into the state of one context window, incrementally.

:class:`SessionState` is fed decoded lines in file order (:meth:`SessionState.feed`) and
keeps only what the budget needs:

* the exact size of the last request (``input + cache_creation + cache_read`` of the last
  reply on the chain after the last ``compact_boundary``), with replies split over several
  lines grouped by ``message.id``;
* the items now in context, each attributed an exact share of the usage deltas
  (the usage deltas are exact): the tokens a request added over the previous one are split
  over what was appended in between, in proportion to their token counts;
* compactions, the per-reply series of sizes, inline subagent windows, counters of bad lines.

Message contents are kept as raw JSON until :meth:`SessionState.flush` resolves them (decode,
tokenize in one batch, apportion), and dropped after: memory stays bounded by the context,
not by the file. A ``compact_boundary`` throws away whatever is still unresolved, so text that
left the context is never tokenized.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ctxdash.core.claude.models import claude_code_keeps_thinking, model_info
from ctxdash.core.transcript.attribution import Resolver
from ctxdash.core.transcript.calibration import PRIORS
from ctxdash.core.transcript.pieces import Item
from ctxdash.core.transcript.prompts import prompt_title, user_prompt
from ctxdash.core.transcript.records import (
    CONVERSATION_TYPES,
    KNOWN_TYPES,
    Line,
    Malformed,
    Raw,
    decode_any,
    decode_line,
    is_real_reply,
)
from ctxdash.core.transcript.tokens import TokenCounter

#: A request bigger than this proves a 1M window.
BASE_WINDOW = 200_000
#: Points of the per-reply series kept (older points are thinned, compactions kept).
SERIES_LIMIT = 4000
#: Title lines by precedence: a user's /rename beats an AI title beats an old summary line.
TITLE_RANK = {"summary": 1, "ai-title": 2, "custom-title": 3}
#: Flush unresolved content once this many raw bytes are waiting.
FLUSH_BYTES = 32 * 1024 * 1024
#: Tools whose file Claude Code remembers as read (and may re-attach after ``/compact``).
FILE_TOOLS = (b'"Read"', b'"Write"', b'"Edit"', b'"MultiEdit"', b'"NotebookEdit"')
#: Files remembered (most recent last).
TOUCHED_LIMIT = 16


class Compaction(msgspec.Struct, kw_only=True):
    """One ``compact_boundary``."""

    timestamp: str | None
    trigger: str | None
    pre_tokens: int | None
    post_tokens: int | None
    #: Size of the last request before the boundary (from usage), for comparison.
    last_used: int | None
    #: Size of the first request after the boundary (known once a reply arrives).
    first_used: int | None = None


class Point(msgspec.Struct, array_like=True):
    """One reply of the series: when, how big, which user turn, which compaction epoch."""

    timestamp: str | None
    used: int
    turn: int
    epoch: int


class Window(msgspec.Struct, kw_only=True):
    """A subagent's own context window, seen inline (``isSidechain`` lines)."""

    agent_id: str
    used: int = 0
    peak: int = 0
    model: str | None = None
    responses: int = 0
    last_key: str | None = None


class Counters(msgspec.Struct, kw_only=True):
    """Lines read, and lines skipped with a reason."""

    lines: int = 0
    malformed: int = 0
    #: The first few malformed lines: ``(line number, reason)``.
    malformed_examples: list[tuple[int, str]] = msgspec.field(default_factory=list)
    unknown_types: dict[str, int] = msgspec.field(default_factory=dict)
    resets: int = 0


class SessionState(msgspec.Struct, kw_only=True):
    """Everything known about one transcript's context window. Serialisable (parse cache).

    Args:
        sidechain: ``False`` for a main transcript (only ``isSidechain: false`` lines form the
            chain), ``True`` for a subagent transcript.
    """

    sidechain: bool = False
    # -- identity, last seen on the chain
    session_id: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    version: str | None = None
    model: str | None = None
    title: str | None = None
    title_rank: int = 0
    last_timestamp: str | None = None
    # -- exact size
    used: int | None = None
    last_output: int = 0
    last_key: str | None = None
    replies: int = 0
    peak: int = 0
    max_request: int = 0
    set_model_1m: bool | None = None
    # -- compaction epochs
    epoch: int = 0
    epoch_replies: int = 0
    epoch_messages: int = 0
    compactions: list[Compaction] = msgspec.field(default_factory=list)
    post_tokens: int | None = None
    turn: int = 0
    series: list[Point] = msgspec.field(default_factory=list)
    # -- attribution (see attribution.py)
    resolver: Resolver = msgspec.field(default_factory=Resolver)
    # -- subagents seen inline
    inline_agents: dict[str, Window] = msgspec.field(default_factory=dict)
    #: Nested CLAUDE.md files Claude Code loaded in this session (``nested_memory``).
    nested_memory: list[str] = msgspec.field(default_factory=list)
    #: Files the running process read or wrote (most recent last): what it may re-attach.
    touched: list[str] = msgspec.field(default_factory=list)
    #: Files the last compaction may have re-attached (most recent first).
    reattach: list[str] = msgspec.field(default_factory=list)
    counters: Counters = msgspec.field(default_factory=Counters)

    # ------------------------------------------------------------------ feeding
    def feed_bytes(self, lines: Iterable[bytes | memoryview]) -> None:
        """Decode and fold complete lines (no trailing newline)."""
        counters = self.counters
        for raw in lines:
            counters.lines += 1
            if not bytes(raw).strip():
                continue
            rec = decode_line(raw)
            if isinstance(rec, Malformed):
                counters.malformed += 1
                if len(counters.malformed_examples) < 5:
                    counters.malformed_examples.append((counters.lines, rec.reason))
                continue
            self.feed(rec)
            if self.resolver.waiting_bytes > FLUSH_BYTES:
                self.flush()

    def feed(self, line: Line) -> None:
        """Fold one decoded line."""
        kind = line.type
        if kind in CONVERSATION_TYPES and bool(line.isSidechain) != self.sidechain:
            if kind == "assistant":
                self._inline_agent(line)  # a subagent's window, never this one's
            return
        if kind == "assistant":
            if line.parentUuid:
                self.resolver.continue_from(line.parentUuid)
            self._assistant(line)
        elif kind == "user":
            self._touch(line)
            self._user(line)
        elif kind == "attachment":
            self._touch(line)
            self.resolver.add_attachment(line, self.turn)
        elif kind == "system":
            self._touch(line)
            if line.subtype == "compact_boundary":
                self._boundary(line)
            elif line.subtype == "local_command":
                self._model_command(bytes(line.content))
        elif kind == "content-replacement":
            self.resolver.add_replacements(line)
        elif kind == "queue-operation":
            if line.operation == "dequeue":
                # Print mode starts every process with one: a new process remembers no files.
                self.touched = []
        elif kind == "api-request-shape":
            self.resolver.add_shape(line, self.turn)
        elif kind in TITLE_RANK:
            title = line.customTitle or line.aiTitle or line.summary
            if title and TITLE_RANK[kind] >= self.title_rank:
                self.title, self.title_rank = title, TITLE_RANK[kind]
        elif kind not in KNOWN_TYPES:
            unknown = self.counters.unknown_types
            unknown[kind or "?"] = unknown.get(kind or "?", 0) + 1

    # ------------------------------------------------------------------ lines
    def _touch(self, line: Line) -> None:
        if line.timestamp:
            self.last_timestamp = line.timestamp
        if line.sessionId:
            self.session_id = line.sessionId
        if line.cwd:
            self.cwd = line.cwd
        if line.gitBranch:
            # "HEAD" is what Claude Code records outside a git repository or when detached.
            self.git_branch = None if line.gitBranch == "HEAD" else line.gitBranch
        if line.version:
            self.version = line.version

    def _assistant(self, line: Line) -> None:
        msg = line.message
        if msg is None or not is_real_reply(line):
            return
        self._touch(line)
        usage = msg.usage
        key = msg.id or line.requestId or line.uuid
        output = (usage.output_tokens or 0) if usage else 0
        if key is not None and key == self.last_key:
            # Another content block of the same response: only output can grow.
            if output > self.last_output:
                self.last_output = output
                self.resolver.set_output(output)
            self._add_blocks(line, msg.content)
            return
        if usage is None:
            return
        total = usage.context
        self.last_key = key
        self.last_output = output
        if msg.model:
            self.model = msg.model
        self.used = total
        self.post_tokens = None
        self.replies += 1
        self.epoch_replies += 1
        if self.epoch_replies == 1 and self.compactions and self.epoch:
            self.compactions[-1].first_used = total
        self.epoch_messages += 1
        self.peak = max(self.peak, total)
        self.max_request = max(self.max_request, total)
        self.resolver.reply(total, output, self.turn, line.timestamp)
        self._add_blocks(line, msg.content)
        self.series.append(Point(line.timestamp, total, self.turn, self.epoch))
        if len(self.series) > SERIES_LIMIT:
            self._thin_series()

    def _user(self, line: Line) -> None:
        msg = line.message
        if msg is None:
            return
        content = msg.content
        data = bytes(content)
        head = data[:1]
        self.epoch_messages += 1
        if line.isCompactSummary:
            self.resolver.add_user(content, self.turn, line, summary=True)
            return
        maybe_prompt = not line.isMeta and (
            head == b'"' or (head == b"[" and b'"tool_result"' not in data and b'"text"' in data)
        )
        if maybe_prompt:  # decode only what can be a prompt: tool results are most lines
            text = user_prompt(is_meta=False, is_summary=False, content=decode_any(content))
            if text is not None:
                self.turn += 1
                if self.title is None and not self.sidechain:
                    # Until a title record arrives, the first prompt names the session, as
                    # Claude Code's resume picker shows it (rank 0: any title record wins).
                    self.title = prompt_title(text)
            if b"Set model to" in data:
                self._model_command(data)
        self.resolver.add_user(content, self.turn, line)

    def _add_blocks(self, line: Line, content: Raw) -> None:
        """A reply's content blocks: queued for attribution (copied once), files remembered."""
        data = bytes(content)
        self.resolver.add_assistant_block(data, line)
        self._touch_files(data, line.cwd)

    def _touch_files(self, content: bytes, cwd: str | None) -> None:
        """Remember the files of Read/Write/Edit calls in a reply's blocks."""
        if b'"tool_use"' not in content or not any(name in content for name in FILE_TOOLS):
            return
        blocks = decode_any(content)
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if not isinstance(block, dict) or block.get("type") != "tool_use":
                continue
            if f'"{block.get("name")}"'.encode() not in FILE_TOOLS:
                continue
            args = block.get("input")
            path = (
                args.get("file_path") or args.get("notebook_path")
                if isinstance(args, dict)
                else None
            )
            if not isinstance(path, str) or not path:
                continue
            if not path.startswith("/") and cwd:
                path = cwd.rstrip("/") + "/" + path.removeprefix("./")
            if path in self.touched:
                self.touched.remove(path)
            self.touched.append(path)
            del self.touched[:-TOUCHED_LIMIT]

    def _boundary(self, line: Line) -> None:
        meta = line.compactMetadata
        self.compactions.append(
            Compaction(
                timestamp=line.timestamp,
                trigger=meta.trigger if meta else None,
                pre_tokens=meta.preTokens if meta else None,
                post_tokens=meta.postTokens if meta else None,
                last_used=self.used,
            )
        )
        self.reattach = self.touched[::-1]
        self.epoch += 1
        self.epoch_replies = 0
        self.epoch_messages = 0
        self.used = None
        self.last_key = None
        self.last_output = 0
        self.post_tokens = meta.postTokens if meta else None
        kept = meta.preservedMessages if meta else None
        self.resolver.boundary((kept.allUuids or kept.uuids or []) if kept else [])

    def _model_command(self, text: bytes) -> None:
        if b"Set model to" not in text:
            return
        self.set_model_1m = b"1M" in text or b"[1m]" in text

    def _inline_agent(self, line: Line) -> None:
        msg = line.message
        if msg is None or msg.usage is None or not is_real_reply(line):
            return
        agent = line.agentId or "sidechain"
        win = self.inline_agents.get(agent)
        if win is None:
            win = self.inline_agents[agent] = Window(agent_id=agent)
        key = msg.id or line.requestId or line.uuid
        if key == win.last_key:
            return
        win.last_key = key
        win.used = msg.usage.context
        win.peak = max(win.peak, win.used)
        win.model = msg.model or win.model
        win.responses += 1

    def _thin_series(self) -> None:
        """Halve the older half of the series, keeping the newest points intact."""
        half = len(self.series) // 2
        self.series = self.series[:half:2] + self.series[half:]

    # ------------------------------------------------------------------ results
    def flush(self, counter: TokenCounter | None = None) -> None:
        """Resolve waiting content: decode, tokenize in one batch, apportion the deltas."""
        info = model_info(self.model)
        # The fixed prior, not the learnt factor, weighs items: attribution must not depend
        # on when the lines were read (one cold parse or many polls give the same split).
        self.resolver.resolve(
            counter,
            factor=PRIORS[info.tokenizer],
            keep_thinking=claude_code_keeps_thinking(self.version, info),
        )
        for path in self.resolver.take_nested_memory():
            if path not in self.nested_memory:
                self.nested_memory.append(path)

    @property
    def items(self) -> list[Item]:
        """Resolved items now in context (call :meth:`flush` first)."""
        return self.resolver.items
