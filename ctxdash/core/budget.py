"""The context budget of a session: one immutable :class:`Budget` built from its state.

``used`` is exact (from usage); the categories are attributed so that they add up to ``used``
to the token (see :mod:`ctxdash.core.transcript.attribution`); window, auto-compact point and
levels come from :mod:`ctxdash.core.window`; memory files from disk
(:mod:`ctxdash.core.claude.memory`).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import msgspec

from ctxdash.core.claude.listings import Listing, discover_listings
from ctxdash.core.claude.memory import MemoryFile, discover_memory
from ctxdash.core.claude.models import model_info
from ctxdash.core.claude.settings import ClaudeEnv, load_claude_env, managed_dir
from ctxdash.core.config import Config
from ctxdash.core.fresh import model_evidence
from ctxdash.core.transcript.attribution import apportion
from ctxdash.core.transcript.fold import Compaction, SessionState
from ctxdash.core.transcript.pieces import STATIC_CATEGORIES, Item
from ctxdash.core.transcript.tokens import TokenCounter
from ctxdash.core.window import (
    Thresholds,
    autocompact,
    budget_of,
    decide_window,
    learn_autocompact,
    level_of,
    thresholds,
)

#: Static part assumed when no request has been seen yet (system prompt + tools).
DEFAULT_STATIC = 16_000
#: The planned allocation of a 200K budget, by bucket: system prompt, tools and memory 15K,
#: the conversation 80K, reference material 50K, a 55K reserve for recovery. Other budgets
#: scale it.
PLAN_200K = {"system": 15_000, "conversation": 80_000, "reference": 50_000, "reserve": 55_000}
#: Clear when the conversation passes this many messages.
MESSAGE_LIMIT = 50

LABELS = {
    "system": "System prompt",
    "tools": "System tools",
    "deferred_tools": "Deferred tools",
    "system_messages": "System messages",
    "mcp_tools": "MCP tools",
    "skills": "Skills",
    "agents": "Custom agents",
    "compact_summary": "Compact summary",
    "user_prompts": "User prompts",
    "assistant_text": "Assistant text",
    "thinking": "Thinking",
    "tool_calls": "Tool calls",
    "attachments": "Attachments",
    "images": "Images",
    "other": "Other",
}
GROUPS = {
    "system": "system",
    "tools": "system",
    "deferred_tools": "system",
    "system_messages": "system",
    "mcp_tools": "system",
    "skills": "skills",
    "agents": "skills",
    "memory": "memory",
}
#: Plan bucket by category group or name: Claude Code's system prompt and tool definitions,
#: memory files and listings are the system bucket; tool results and images are reference
#: material; everything else is conversation.
PLAN_BUCKETS = {
    "system": "system",
    "memory": "system",
    "skills": "system",
    "agents": "system",
    "mcp_tools": "system",
    "tool_results": "reference",
    "images": "reference",
}


class Category(msgspec.Struct, kw_only=True, frozen=True):
    """One row of the breakdown."""

    name: str
    label: str
    group: str
    tokens: int
    estimated: bool = False


class TopItem(msgspec.Struct, kw_only=True, frozen=True):
    """One of the largest things in context (``label``: the kind in words)."""

    kind: str
    label: str = ""
    tool: str | None
    path: str | None
    turn: int
    timestamp: str | None
    uuid: str | None
    tokens: int


class PlanRow(msgspec.Struct, kw_only=True, frozen=True):
    """A bucket of the planned allocation: planned against actual."""

    bucket: str
    planned: int
    actual: int
    over: bool


class Forecast(msgspec.Struct, kw_only=True, frozen=True):
    """How long until a level, at the recent pace."""

    target: str
    at: int
    tokens_left: int
    turns: int | None
    minutes: float | None


class Growth(msgspec.Struct, kw_only=True, frozen=True):
    """Per-reply series and pace."""

    series: list[tuple[str | None, int, int, int]]
    per_turn: float | None
    per_minute: float | None
    forecast: list[Forecast]


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


class ContextGroup(msgspec.Struct, kw_only=True, frozen=True):
    """One row of the breakdown as Claude Code's ``/context`` groups it."""

    name: str
    tokens: int


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


def category_of(cat: str) -> tuple[str, str]:
    """``(label, group)`` for a category key."""
    if cat.startswith("tool_results:"):
        return f"Tool results · {cat.split(':', 1)[1]}", "tool_results"
    if cat.startswith("memory:"):
        return f"Memory · {_short(cat.split(':', 1)[1])}", "memory"
    return LABELS.get(cat, cat), GROUPS.get(cat, "messages")


def _short(path: str, keep: int = 2) -> str:
    parts = Path(path).parts
    return str(Path(*parts[-keep:])) if len(parts) > keep else path


def build_budget(
    state: SessionState,
    transcript: Path,
    *,
    config: Config,
    claude_root: Path,
    counter: TokenCounter,
    window_override: int | None = None,
    subagents: list[Subagent] | None = None,
    reported_window: int | None = None,
    env: ClaudeEnv | None = None,
    memory: list[MemoryFile] | None = None,
    listings: list[Listing] | None = None,
) -> Budget:
    """Assemble the budget of one session."""
    env = env or load_claude_env(claude_root, state.cwd)
    sid = state.session_id or transcript.stem
    evidence = model_evidence(state.model, sid, transcript, env)
    info = model_info(evidence.model)
    factor = state.resolver.estimate_factor(info.tokenizer)
    count = counter.count

    if memory is None:
        memory = []
        if state.cwd and not state.sidechain:
            memory = discover_memory(
                state.cwd,
                count=lambda text: round(count(text) * factor),
                claude_root=claude_root,
                managed_dir=managed_dir(),
                nested_loaded=state.nested_memory,
            )
    if listings is None:
        listings = [] if state.sidechain else discover_listings(state.cwd, claude_root)
    listed = {"skills": 0, "agents": 0}
    texts = [entry.text for entry in listings]
    for entry, n in zip(listings, counter.count_many(texts) if texts else [], strict=True):
        listed["skills" if entry.kind == "skill" else "agents"] += round(n * factor) + 4
    win = decide_window(
        info,
        env=env,
        config=config,
        override=window_override,
        max_request=state.max_request,
        set_model_1m=state.set_model_1m,
        reported=reported_window or evidence.window,
    )
    ac = autocompact(win.size, info, state.version, env)
    if not state.sidechain:
        ac = learn_autocompact(
            ac,
            win.size,
            peak=state.peak,
            auto_compactions=[
                c.pre_tokens for c in state.compactions if c.trigger == "auto" and c.pre_tokens
            ],
            max_output=env.int_var("CLAUDE_CODE_MAX_OUTPUT_TOKENS") or info.max_output,
        )
    budget_size, budget_source = budget_of(win.size, config)
    levels = thresholds(budget_size, config, ac.at)

    categories, used, source, pending = _categories(state, memory, listed, counter, factor)
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
        plan=_plan(categories, used, budget_size),
        # Copies: the session state goes on changing in the watcher thread.
        compactions=[msgspec.structs.replace(c) for c in state.compactions],
        subagents=list(subagents or []),
        memory_files=list(memory),
        top_items=[_top(i) for i in top if i.tokens > 0],
        growth=_growth(state, used, levels),
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


def context_groups(
    categories: list[Category],
    *,
    used: int,
    window: int,
    buffer: int,
    skills_chars: int,
    custom_agents: int,
    bytes_per_token: int,
) -> list[ContextGroup]:
    """The breakdown in ``/context``'s rows, computed the way Claude Code 2.1.3xx computes them.

    ``/context`` counts each part on its own; it estimates the skill listing locally by size
    (``bytes_per_token``), takes that listing off "System tools", lists only user-defined
    agents, and makes "Messages" whatever the last request held beyond the other rows.
    """
    rows = {cat.name: cat.tokens for cat in categories}  # one row per name
    memory = sum(t for name, t in rows.items() if name.startswith("memory:"))
    skills = math.ceil(skills_chars / bytes_per_token) if skills_chars else rows.get("skills", 0)
    tools = rows.get("tools", 0)
    groups = {
        "System prompt": rows.get("system", 0),
        "System tools": max(0, tools - skills) if tools else 0,
        "MCP tools": rows.get("mcp_tools", 0),
        "Custom agents": custom_agents,
        "Memory files": memory,
        "Skills": skills,
    }
    groups = {name: tokens for name, tokens in groups.items() if tokens > 0}
    groups["Messages"] = max(0, used - sum(groups.values()))
    groups["Free space"] = max(0, window - used - buffer)
    groups["Autocompact buffer"] = buffer
    return [ContextGroup(name=name, tokens=tokens) for name, tokens in groups.items()]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


#: One item of a category, in words.
ITEM_LABELS = {
    "tool_results": "Tool result",
    "tool_calls": "Tool call",
    "user_prompts": "User prompt",
    "assistant_text": "Assistant text",
    "thinking": "Thinking",
    "attachments": "Attachment",
    "images": "Image",
    "memory": "Memory file",
    "compact_summary": "Compact summary",
    "skills": "Skill listing",
    "agents": "Agent listing",
}


def item_label(kind: str) -> str:
    """A top item's kind in words (``tool_results`` → ``Tool result``)."""
    return ITEM_LABELS.get(kind) or LABELS.get(kind) or kind.replace("_", " ").capitalize()


def _top(item: Item) -> TopItem:
    kind = item.cat.split(":", 1)[0]
    return TopItem(
        kind=kind,
        label=item_label(kind),
        tool=item.tool,
        path=item.path,
        turn=item.turn,
        timestamp=item.timestamp,
        uuid=item.uuid,
        tokens=item.tokens,
    )


def _categories(
    state: SessionState,
    memory: list[MemoryFile],
    listed: dict[str, int],
    counter: TokenCounter,
    factor: float,
) -> tuple[list[Category], int, str, int]:
    """Rows summing exactly to ``used``, plus ``used``, its source and pending tokens."""
    resolver = state.resolver
    open_items, open_weights = resolver.estimate_open(counter, factor)
    pending = round(sum(open_weights))
    # Memory files Claude Code puts in the first message (nested ones arrive as items).
    disk = [m for m in memory if m.loaded and m.tier == 1]
    rows: dict[str, int] = {}
    estimated: set[str] = set()

    if state.used is not None:
        used, source = state.used, "usage"
        static = resolver.static if resolver.static is not None else 0
        for item in state.items:
            rows[item.cat] = rows.get(item.cat, 0) + item.tokens
    else:
        # After a compaction (or before any reply): no request size in the file yet. The next
        # request sends what is waiting (with Claude Code 2.1.3xx: the recorded system prompt
        # and tools, the summary, preserved messages), plus what the file does not hold yet.
        # (A boundary's postTokens leaves the system prompt, tools and memory out.)
        pending_cats = {item.cat for item in open_items}
        if resolver.system_measured is not None:
            static = resolver.system_measured
        elif pending_cats & STATIC_CATEGORIES:
            static = 0
        else:
            static = DEFAULT_STATIC + sum(m.tokens for m in disk)
        if resolver.rendered_seen:
            # Memory files are re-sent with the next prompt, as an attachment not written yet.
            static += sum(m.tokens for m in disk if f"memory:{m.path}" not in pending_cats)
        used, source = static + pending, "estimate"
        shares = apportion(used, [float(static), *open_weights])
        static = shares[0]
        for item, tokens in zip(open_items, shares[1:], strict=True):
            rows[item.cat] = rows.get(item.cat, 0) + tokens
        estimated.update(rows)
        pending = 0

    carved = [(f"memory:{m.path}", m.tokens) for m in disk if f"memory:{m.path}" not in rows]
    # Listings recorded as attachments are already items; otherwise they hide in the static part.
    carved += [(name, tokens) for name, tokens in listed.items() if tokens and name not in rows]
    carved_rows = _fit(static, carved)
    rows["system"] = rows.get("system", 0) + static - sum(t for _, t in carved_rows)
    estimated.update(name for name, _ in carved_rows)
    if source != "usage":
        estimated.add("system")
    for name, tokens in carved_rows:
        rows[name] = rows.get(name, 0) + tokens
    out = []
    for name, tokens in rows.items():
        label, group = category_of(name)
        if name == "system" and "tools" not in rows:
            label = "System prompt & tools"  # not recorded apart: both are in this row
        out.append(
            Category(
                name=name, label=label, group=group, tokens=tokens, estimated=name in estimated
            )
        )
    out.sort(key=lambda c: (_ORDER.get(c.group, 9), -c.tokens))
    return out, used, source, pending


_ORDER = {"system": 0, "memory": 1, "skills": 2, "messages": 3, "tool_results": 4}


def _fit(limit: int, rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Scale rows down proportionally if together they exceed ``limit``."""
    total = sum(t for _, t in rows)
    if total <= limit:
        return rows
    shares = apportion(max(0, limit), [float(t) for _, t in rows])
    return [(name, share) for (name, _), share in zip(rows, shares, strict=True)]


def plan_bucket(cat: Category) -> str:
    """The plan bucket a breakdown row belongs to."""
    return PLAN_BUCKETS.get(cat.name) or PLAN_BUCKETS.get(cat.group, "conversation")


def _plan(categories: list[Category], used: int, budget: int) -> list[PlanRow]:
    scale = budget / 200_000
    actual = {"system": 0, "conversation": 0, "reference": 0}
    for cat in categories:
        actual[plan_bucket(cat)] += cat.tokens
    actual_reserve = max(0, budget - used)
    rows = [
        PlanRow(
            bucket=b,
            planned=round(PLAN_200K[b] * scale),
            actual=actual[b],
            over=actual[b] > round(PLAN_200K[b] * scale),
        )
        for b in ("system", "conversation", "reference")
    ]
    planned_reserve = round(PLAN_200K["reserve"] * scale)
    rows.append(
        PlanRow(
            bucket="reserve",
            planned=planned_reserve,
            actual=actual_reserve,
            over=actual_reserve < planned_reserve,
        )
    )
    return rows


def _minutes(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00"))
        tb = datetime.fromisoformat(b.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (tb - ta).total_seconds() / 60


def _growth(state: SessionState, used: int, levels: Thresholds) -> Growth:
    points = [p for p in state.series if p.epoch == state.epoch]
    per_turn = per_minute = None
    recent = points[-40:]
    if len(recent) >= 2:
        first, last = recent[0], recent[-1]
        if last.turn > first.turn:
            per_turn = (last.used - first.used) / (last.turn - first.turn)
        elif len(recent) >= 2:
            per_turn = (last.used - first.used) / max(1, len(recent) - 1)
        minutes = _minutes(first.timestamp, last.timestamp)
        if minutes and minutes > 0.05:
            per_minute = (last.used - first.used) / minutes
    forecast = []
    # In the order they come: auto-compact can come before critical (or warn).
    for name, at in sorted(
        (("warn", levels.warn), ("critical", levels.critical), ("autocompact", levels.autocompact)),
        key=lambda pair: pair[1],
    ):
        left = max(0, at - used)
        turns = minutes_left = None
        if left and per_turn and per_turn > 0:
            turns = math.ceil(left / per_turn)
        if left and per_minute and per_minute > 0:
            minutes_left = round(left / per_minute, 1)
        forecast.append(
            Forecast(target=name, at=at, tokens_left=left, turns=turns, minutes=minutes_left)
        )
    return Growth(
        series=[(p.timestamp, p.used, p.turn, p.epoch) for p in state.series],
        per_turn=None if per_turn is None else round(per_turn, 1),
        per_minute=None if per_minute is None else round(per_minute, 1),
        forecast=forecast,
    )
