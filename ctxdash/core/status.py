"""One call from a transcript path to its :class:`~ctxdash.core.budget.Budget`."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ctxdash.core import paths
from ctxdash.core.budget import Budget, Subagent, build_budget
from ctxdash.core.claude.discover import SubagentFile, subagent_files
from ctxdash.core.config import Config
from ctxdash.core.exchange import SavedBudget, save_budget
from ctxdash.core.gather import gather
from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.tokens import (
    CachedCounter,
    TokenCounter,
    preload_in_background,
    sampled_texts,
)
from ctxdash.core.transcript.tracker import Tracker, is_subagent_file, load_state


def claude_root_of(transcript: Path) -> Path:
    """The Claude config root a transcript lives under (``…/projects/…`` → ``…``)."""
    for parent in transcript.resolve().parents:
        if parent.name == "projects":
            return parent.parent
    roots = paths.claude_roots()
    return roots[0]


def save_summary(budget: Budget) -> None:
    """Leave a few figures for the status line (see :mod:`ctxdash.core.exchange`)."""
    if budget.is_subagent or not budget.session_id:
        return
    rows = [c for c in budget.categories if c.name != "system" and c.tokens > 0]
    biggest = max(rows, key=lambda c: c.tokens, default=None)
    saved = SavedBudget(
        used=budget.used,
        window=budget.window,
        autocompact_at=budget.autocompact_at,
        biggest=(biggest.label, biggest.tokens) if biggest else None,
        # What a compaction keeps besides its summary (system prompt, tools, memory): the
        # status line adds it to postTokens between a compaction and the next reply.
        kept=sum(c.tokens for c in budget.categories if c.group in ("system", "memory")),
    )
    save_budget(budget.session_id, saved)


def inline_subagents(state: SessionState) -> list[Subagent]:
    """Subagent windows seen as ``isSidechain`` lines in the main transcript."""
    return [
        Subagent(
            agent_id=w.agent_id,
            layout="inline",
            path=None,
            agent_type=None,
            description=None,
            model=w.model,
            used=w.used,
            peak=w.peak,
            responses=w.responses,
        )
        for w in state.inline_agents.values()
    ]


def file_subagent(found: SubagentFile, sub: SessionState) -> Subagent:
    """A subagent window parsed from its own file."""
    return Subagent(
        agent_id=found.agent_id,
        layout=found.layout,
        path=found.path,
        agent_type=found.agent_type,
        description=found.description,
        model=sub.model,
        used=sub.used or 0,
        peak=sub.peak,
        responses=sub.replies,
    )


def subagents_of(
    state: SessionState,
    transcript: Path,
    *,
    use_cache: bool = True,
    counter: TokenCounter | None = None,
) -> list[Subagent]:
    """Every subagent window of a main session: inline lines, flat and nested files."""
    out = inline_subagents(state)
    for found in subagent_files(transcript, state.session_id):
        try:
            sub = load_state(found.path, sidechain=True, use_cache=use_cache, counter=counter)
        except OSError:
            continue
        out.append(file_subagent(found, sub))
    return out


def mark_sampled(budget: Budget, sampled: int) -> Budget:
    """The budget, saying that texts too long to count whole were counted from samples."""
    cal = budget.calibration
    if not sampled or not cal.exact_tokenizer:
        return budget
    note = f" (≈: {sampled} very long text(s) counted from samples)"
    marked = msgspec.structs.replace(cal, exact_tokenizer=False, tokenizer=cal.tokenizer + note)
    return msgspec.structs.replace(budget, calibration=marked)


def session_budget(
    transcript: Path,
    *,
    config: Config,
    window_override: int | None = None,
    use_cache: bool = True,
    counter: TokenCounter | None = None,
    tracker: Tracker | None = None,
) -> Budget:
    """Parse (incrementally) and budget one transcript, main or subagent.

    Raises:
        OSError: the transcript cannot be read.
    """
    cached = counter if counter is not None else CachedCounter()
    if tracker is None:
        tracker = Tracker(transcript, use_cache=use_cache, counter=cached)
        if counter is None and (not tracker.loaded_from_cache or tracker.tail.changed()):
            preload_in_background()  # overlaps the tokenizer load with parsing
        tracker.poll()
        tracker.save()
    state = tracker.state
    sampled_before = sampled_texts(cached)
    subs = (
        []
        if state.sidechain
        else subagents_of(state, transcript, use_cache=use_cache, counter=cached)
    )
    inputs = gather(state, transcript, claude_root=claude_root_of(transcript), counter=cached)
    budget = build_budget(
        state,
        transcript,
        inputs,
        config=config,
        counter=cached,
        window_override=window_override,
        subagents=subs,
    )
    budget = mark_sampled(budget, tracker.sampled + sampled_texts(cached) - sampled_before)
    save_summary(budget)
    if isinstance(cached, CachedCounter):
        cached.save()
    return budget


def is_subagent(path: Path) -> bool:
    """Whether a transcript is a subagent's."""
    return is_subagent_file(path)
