"""A session that grows turn by turn (the live demo), and writing a line in two halves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ctxdash.synth.basics import (
    CHARS_PER_TOKEN,
    DEFAULT_CWD,
    DEFAULT_MODEL,
    DEFAULT_VERSION,
    Expected,
)
from ctxdash.synth.content import PROMPTS, REPORTS, memory_texts
from ctxdash.synth.session import SessionWriter


def live_turns(
    w: SessionWriter, turns: int, compact_at: int, layout: str, manual: bool = False
) -> Iterator[None]:
    """The demo plan: one yield per turn; crosses 150K/180K, one compaction (``manual``: the
    user's ``/compact`` between two turns, else Claude Code's automatic one)."""
    r = w.ctx.rng
    planned = int(turns * 0.62)
    for i in range(turns):
        if manual and not w._compactions and w.next_request_tokens() >= compact_at:
            w.compact("manual")
        if i == 0:
            w.start(r.choice(PROMPTS), permission_mode="acceptEdits")
            w.use_tools([w.tool_read(9_000, in_nested=True)], thinking=True)
            w.respond(text=r.choice(REPORTS))
            w.end_turn()
            w.meta("ai-title", aiTitle="Polish the demo app", sessionId=w.session_id)
        elif i == 9:
            w.prompt("Survey how the reader feeds the gauge, use a subagent.")
            w.subagent(layout)
            w.respond(text=r.choice(REPORTS))
            w.end_turn()
        elif i == 14:
            w.prompt(r.choice(PROMPTS))
            w.use_tools([w.tool_mcp_issue()], thinking=True)
            w.respond(text=r.choice(REPORTS))
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


class LiveSession:
    """A session that grows one turn per :meth:`step` (the "demo" scenario, 70 turns default).

    It crosses 150K and 180K tokens, runs one subagent (turn 10) and compacts once, when the
    next request would reach ``compact_at`` (190K by default: higher than Claude Code's ~167K
    for 200K windows, so the demo shows the upper colour bands): automatically, or with
    ``compact_trigger="manual"`` by the user's ``/compact`` between two turns. ``writer_options`` go
    to :class:`SessionWriter` (``cwd``, ``base_time``, ``memory``, ``session_id``, ``out``...);
    with ``out`` the lines go straight to that file and :meth:`step` returns [].
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        turns: int = 70,
        compact_at: int = 190_000,
        compact_trigger: str = "auto",
        subagent_layout: str = "nested",
        model: str = DEFAULT_MODEL,
        version: str = DEFAULT_VERSION,
        **writer_options: Any,
    ) -> None:
        if writer_options.get("nested_memory") is None:
            cwd = writer_options.get("cwd", DEFAULT_CWD)
            writer_options["nested_memory"] = memory_texts(cwd)[1]
        manual = compact_trigger == "manual"
        auto_at = None if manual else compact_at
        self.writer = SessionWriter(
            seed=seed, model=model, version=version, auto_compact_at=auto_at, **writer_options
        )
        self.turns, self.turn = turns, 0
        self._plan = live_turns(self.writer, turns, compact_at, subagent_layout, manual)

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
