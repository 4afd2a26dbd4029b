"""Named presets (:data:`SCENARIOS`): each writes a complete session with known figures."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from ctxdash.synth.basics import DEFAULT_BASE_TIME, DEFAULT_CWD, MALFORMED
from ctxdash.synth.content import PROMPTS, REPORTS, SAYINGS, memory_texts
from ctxdash.synth.live import LiveSession
from ctxdash.synth.session import SessionWriter

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


def _basic(w: SessionWriter, turns: int = 6) -> None:
    """Every line type once: tools, image, attachments, system/meta lines, api errors."""
    r = w.ctx.rng
    w.start(r.choice(PROMPTS), permission_mode="default")
    w.use_tools([w.tool_glob()], thinking=True, text=r.choice(SAYINGS))
    w.use_tools([w.tool_read(9_000, in_nested=True), w.tool_grep()], thinking=True)
    w.use_tools([w.tool_todo()])
    w.meta(
        "queue-operation",
        operation="enqueue",
        timestamp=w.ctx.stamp(),
        sessionId=w.session_id,
        content="also run the linter",
    )
    w.use_tools([w.tool_edit()], text=r.choice(SAYINGS))
    w.meta("queue-operation", operation="dequeue", timestamp=w.ctx.stamp(), sessionId=w.session_id)
    w.use_tools([w.tool_bash(40_000, persist=True)], thinking=True)
    w.respond(text=r.choice(REPORTS))
    w.end_turn()
    w.meta("ai-title", aiTitle="Fix the gauge flicker", sessionId=w.session_id)
    w.prompt("Here is a screenshot of the glitch.", images=1)
    w.todo_reminder()
    w.api_error(retries=2)
    w.use_tools([w.tool_mcp_issue()], thinking=True)
    w.use_tools([w.tool_write()], text=r.choice(SAYINGS))
    w.respond(text=r.choice(REPORTS))
    w.end_turn()
    w.local_command("/model", "Kept model as Sonnet 4.5")
    w.meta("custom-title", customTitle="gauge-flicker", sessionId=w.session_id)
    w.meta(
        "quantum-state",
        superposition=["compacted", "not-compacted"],
        observedAt=w.ctx.stamp(),
        sessionId=w.session_id,
    )
    w.prompt(r.choice(PROMPTS))
    w.api_error(retries=1, give_up=True)
    w.task_reminder()
    for _ in range(max(0, turns - 3)):
        w.random_turn(r.randint(3_000, 12_000))
    w.meta("last-prompt", lastPrompt=w.last_prompt, sessionId=w.session_id)
    # Claude Code writes the titles again at the end, where its session picker reads them.
    w.meta("custom-title", customTitle="gauge-flicker", sessionId=w.session_id)
    w.meta("ai-title", aiTitle="Fix the gauge flicker", sessionId=w.session_id)
    w.meta("summary", summary="Gauge flicker fixed", leafUuid=w._last)


def _grow_until(w: SessionWriter, target: int, budget: int = 20_000) -> None:
    while (w.used or 0) < target:
        w.random_turn(budget)


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
        w.start(r.choice(PROMPTS))
        for kind in (*MALFORMED, "blank"):
            w.random_turn(r.randint(2_000, 8_000))
            w.malformed(kind)
        w.meta("quantum-state", superposition=["up", "down"], sessionId=w.session_id)
        w.respond(text=r.choice(REPORTS))
        if options.get("truncated_tail", True):
            w.truncated_tail()
    elif name == "compaction":
        w.start(r.choice(PROMPTS))
        while not w._compactions:
            w.random_turn(30_000)
        for _ in range(3):
            w.random_turn(6_000)
        w.compact("manual")
        w.random_turn(5_000)
        w.random_turn(5_000)
    elif name.startswith("compaction_no_reply"):
        w.start(r.choice(PROMPTS))
        _grow_until(w, 120_000, 30_000)
        w.prompt(r.choice(PROMPTS))
        w.compact("auto", post_tokens=name.endswith("post_tokens"))
    elif name.startswith("subagents_"):
        layout = name.removeprefix("subagents_")
        w.start(r.choice(PROMPTS))
        w.use_tools([w.tool_read(6_000)], thinking=True)
        w.subagent(layout, steps=3)
        w.use_tools([w.tool_grep()])
        w.subagent(layout, steps=2, description="Check the tests")
        w.respond(text=r.choice(REPORTS))
        w.end_turn()
        w.random_turn(4_000)
    elif name in ("opus_1m", "sonnet_1m_suffix"):
        w.start(r.choice(PROMPTS))
        _grow_until(w, 240_000 if name == "opus_1m" else 230_000, 40_000)
    elif name == "big":
        target = int(options.get("target_bytes", 100_000_000))
        w.start(r.choice(PROMPTS))
        while w.bytes_written < target:
            w.prompt(r.choice(PROMPTS))
            w.use_tools([w.tool_read(60_000)], thinking=True, text=r.choice(SAYINGS))
            w.use_tools([w.tool_bash(40_000), w.tool_edit()], text=r.choice(SAYINGS))
            w.respond(text=r.choice(REPORTS))
            w.end_turn()
    return w
