"""The context budget of a session: one immutable :class:`Budget` built from its state.

``used`` is exact (from usage); the rows of the breakdown are attributed so that they add up
to ``used`` to the token (:mod:`ctxdash.core.breakdown`, from
:mod:`ctxdash.core.transcript.attribution`); window, auto-compact point and levels come from
:mod:`ctxdash.core.window`; what is read from disk (settings, the memory files, the listings)
from :mod:`ctxdash.core.gather`, which builds the budget's inputs in one step; the planned
allocation from :mod:`ctxdash.core.plan`, the pace from :mod:`ctxdash.core.growth`.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ctxdash.core.breakdown import Category, ContextGroup, TopItem, context_groups, top_item
from ctxdash.core.breakdown import categories as categories_of
from ctxdash.core.claude.memory import MemoryFile
from ctxdash.core.claude.models import model_info
from ctxdash.core.config import Config
from ctxdash.core.gather import Inputs
from ctxdash.core.growth import Growth, growth
from ctxdash.core.plan import PlanRow, plan
from ctxdash.core.transcript.fold import Compaction, SessionState
from ctxdash.core.transcript.pieces import STATIC_CATEGORIES
from ctxdash.core.transcript.tokens import TokenCounter
from ctxdash.core.window import Thresholds, level_of, session_limits

#: Clear when the conversation passes this many messages.
MESSAGE_LIMIT = 50


class CalibrationInfo(msgspec.Struct, kw_only=True, frozen=True):
    """How token counts relate to Claude's, for this session's model family."""

    tokenizer: str
    exact_tokenizer: bool
    family: str
    factor: float
    samples: int
    median_error: float | None


class Subagent(msgspec.Struct, kw_only=True, frozen=True):
    """A subagent's own window (never added to the main one)."""

    agent_id: str
    layout: str
    path: str | None
    agent_type: str | None
    description: str | None
    model: str | None
    used: int
    peak: int
    responses: int


class ClearTrigger(msgspec.Struct, kw_only=True, frozen=True):
    """A reason to /clear now (over the warn level, over 50 messages)."""

    name: str
    active: bool
    detail: str


class Budget(msgspec.Struct, kw_only=True, frozen=True):
    """Everything ``ctxdash status`` reports (its ``--json`` is this, encoded)."""

    session_id: str | None
    transcript: str
    cwd: str | None
    project: str | None
    title: str | None
    git_branch: str | None
    claude_version: str | None
    model: str | None
    #: Defaults on the fields added later: snapshots written before them still load.
    model_source: str = "transcript"
    last_activity: str | None
    is_subagent: bool
    used: int
    used_source: str
    next_request: int
    window: int
    window_source: str
    budget: int = 200_000
    budget_source: str = "default 200K"
    budget_left: int = 0
    autocompact_at: int
    autocompact_enabled: bool
    autocompact_note: str
    autocompact_source: str = "formula"
    autocompact_formula: int = 0
    level: str
    thresholds: Thresholds
    categories: list[Category]
    free: int
    reserve: int
    plan: list[PlanRow]
    compactions: list[Compaction]
    subagents: list[Subagent]
    memory_files: list[MemoryFile]
    top_items: list[TopItem]
    growth: Growth
    calibration: CalibrationInfo
    messages: int
    turns: int
    clear_triggers: list[ClearTrigger]
    malformed_lines: int
    malformed_examples: list[tuple[int, str]]
    unknown_types: dict[str, int]
    lines: int
    peak: int
    #: The same context in ``/context``'s rows (its grouping and its own estimates).
    context_groups: list[ContextGroup] = msgspec.field(default_factory=list)


def build_budget(
    state: SessionState,
    transcript: Path,
    inputs: Inputs,
    *,
    config: Config,
    counter: TokenCounter,
    window_override: int | None = None,
    subagents: list[Subagent] | None = None,
) -> Budget:
    """Assemble the budget of one session from its state and what :func:`~ctxdash.core.
    gather.gather` read around it (nothing here reads a file)."""
    env, evidence, factor, memory = inputs.env, inputs.evidence, inputs.factor, inputs.memory
    sid = state.session_id or transcript.stem
    info = model_info(evidence.model)
    listed = {"skills": 0, "agents": 0}
    texts = [entry.text for entry in inputs.listings]
    for entry, n in zip(inputs.listings, counter.count_many(texts) if texts else [], strict=True):
        listed["skills" if entry.kind == "skill" else "agents"] += round(n * factor) + 4
    limits = session_limits(
        info,
        env=env,
        config=config,
        version=state.version,
        override=window_override,
        max_request=state.max_request,
        set_model_1m=state.set_model_1m,
        reported=inputs.reported_window or evidence.window,
        peak=state.peak,
        auto_compactions=[
            c.pre_tokens for c in state.compactions if c.trigger == "auto" and c.pre_tokens
        ],
        learn=not state.sidechain,
    )
    win, ac, levels = limits.window, limits.autocompact, limits.thresholds
    budget_size, budget_source = limits.budget, limits.budget_source

    categories, used, source, pending = categories_of(state, memory, listed, counter, factor)
    last_output = state.last_output if source == "usage" else 0
    droppable = [i for i in state.items if i.cat not in STATIC_CATEGORIES]
    top = sorted(droppable, key=lambda i: i.tokens, reverse=True)[: config.top_items]
    budget_free = max(0, win.size - used - ac.reserve)
    messages = state.epoch_messages
    since = "since the last compaction" if state.compactions else "in this session"
    return Budget(
        session_id=sid,
        transcript=str(transcript),
        cwd=state.cwd,
        project=Path(state.cwd).name if state.cwd else None,
        title=state.title,
        git_branch=state.git_branch,
        claude_version=state.version,
        model=evidence.model,
        model_source=evidence.source,
        last_activity=state.last_timestamp,
        is_subagent=state.sidechain,
        used=used,
        used_source=source,
        next_request=used + last_output + pending,
        window=win.size,
        window_source=win.source,
        budget=budget_size,
        budget_source=budget_source,
        budget_left=max(0, budget_size - used),
        autocompact_at=ac.at,
        autocompact_enabled=ac.enabled,
        autocompact_note=ac.note,
        autocompact_source=ac.source,
        autocompact_formula=ac.formula_at or ac.at,
        level=level_of(used, levels),
        thresholds=levels,
        categories=categories,
        free=budget_free,
        reserve=ac.reserve,
        plan=plan(categories, used, budget_size),
        # Copies: the session state goes on changing in the watcher thread.
        compactions=[msgspec.structs.replace(c) for c in state.compactions],
        subagents=list(subagents or []),
        memory_files=list(memory),
        top_items=[top_item(i) for i in top if i.tokens > 0],
        growth=growth(state, used, levels),
        calibration=CalibrationInfo(
            tokenizer=counter.name,
            exact_tokenizer=counter.exact,
            family=info.tokenizer,
            factor=round(factor, 4),
            samples=len(state.resolver.calibration.samples),
            median_error=_round(state.resolver.calibration.median_error(info.tokenizer)),
        ),
        messages=messages,
        turns=state.turn,
        clear_triggers=[
            ClearTrigger(
                name="context over warn level",
                active=used >= levels.warn,
                detail=f"{used:,} of {levels.warn:,}",
            ),
            ClearTrigger(
                name=f"over {MESSAGE_LIMIT} messages",
                active=messages > MESSAGE_LIMIT,
                detail=f"{messages} messages {since}",
            ),
        ],
        malformed_lines=state.counters.malformed,
        malformed_examples=list(state.counters.malformed_examples),
        unknown_types=dict(state.counters.unknown_types),
        lines=state.counters.lines,
        peak=state.peak,
        context_groups=context_groups(
            categories,
            used=used,
            window=win.size,
            buffer=ac.reserve,
            skills_chars=sum(i.chars for i in state.items if i.cat == "skills"),
            custom_agents=listed["agents"],
            bytes_per_token=3 if info.tokenizer == "new" else 4,
        ),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
