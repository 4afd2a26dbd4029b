"""One call from a transcript path to its :class:`~ctxdash.core.budget.Budget`."""

from __future__ import annotations

from pathlib import Path

from ctxdash.core import paths
from ctxdash.core.budget import Budget, Subagent, build_budget
from ctxdash.core.config import Config
from ctxdash.core.discover import subagent_files
from ctxdash.core.session import SessionState
from ctxdash.core.store import Tracker, is_subagent_file, load_state
from ctxdash.core.tokens import CachedCounter, preload_in_background


def claude_root_of(transcript: Path) -> Path:
    """The Claude config root a transcript lives under (``…/projects/…`` → ``…``)."""
    for parent in transcript.resolve().parents:
        if parent.name == "projects":
            return parent.parent
    roots = paths.claude_roots()
    return roots[0]


def subagents_of(
    state: SessionState, transcript: Path, *, use_cache: bool = True, counter: object = None
) -> list[Subagent]:
    """Every subagent window of a main session: inline lines, flat and nested files."""
    out = [
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
    for found in subagent_files(transcript, state.session_id):
        try:
            sub = load_state(found.path, sidechain=True, use_cache=use_cache, counter=counter)
        except OSError:
            continue
        out.append(
            Subagent(
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
        )
    return out


def session_budget(
    transcript: Path,
    *,
    config: Config,
    window_override: int | None = None,
    use_cache: bool = True,
    counter: object | None = None,
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
    subs = (
        []
        if state.sidechain
        else subagents_of(state, transcript, use_cache=use_cache, counter=cached)
    )
    budget = build_budget(
        state,
        transcript,
        config=config,
        claude_root=claude_root_of(transcript),
        counter=cached,
        window_override=window_override,
        subagents=subs,
    )
    if isinstance(cached, CachedCounter):
        cached.save()
    return budget


def is_subagent(path: Path) -> bool:
    """Whether a transcript is a subagent's."""
    return is_subagent_file(path)
