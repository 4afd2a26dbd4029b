"""What a budget needs besides the transcript's state, read from disk in one step.

:func:`gather` is the only place the budget's inputs touch the file system: Claude Code's
settings and environment, the model a session without replies runs (the status line's record
or the parent session), the window the status line reported, the memory files (counted with
the session's calibration) and the skill and agent listings. :func:`~ctxdash.core.budget.
build_budget` then only computes. The live monitor keeps the memory files and listings it
gathered and passes them back until one of their files changes.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ctxdash.core.claude.listings import Listing, discover_listings
from ctxdash.core.claude.memory import MemoryFile, discover_memory
from ctxdash.core.claude.models import model_info
from ctxdash.core.claude.settings import ClaudeEnv, load_claude_env, managed_dir
from ctxdash.core.exchange import read_status_record
from ctxdash.core.fresh import ModelEvidence, model_evidence
from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.tokens import TokenCounter


class Inputs(msgspec.Struct, kw_only=True, frozen=True):
    """Everything a budget takes from outside the transcript."""

    env: ClaudeEnv
    evidence: ModelEvidence
    #: Claude tokens per counted token for this session's model family (estimates).
    factor: float
    memory: list[MemoryFile]
    listings: list[Listing]
    #: The window Claude Code's status line reported for the session, if any.
    reported_window: int | None


def gather(
    state: SessionState,
    transcript: Path,
    *,
    claude_root: Path,
    counter: TokenCounter,
    memory: list[MemoryFile] | None = None,
    listings: list[Listing] | None = None,
    env: ClaudeEnv | None = None,
) -> Inputs:
    """Read what a budget of ``state`` needs; ``memory``, ``listings`` and ``env`` given are
    kept as they are (the monitor's, unchanged since it gathered them)."""
    env = env if env is not None else load_claude_env(claude_root, state.cwd)
    sid = state.session_id or transcript.stem
    said = read_status_record(sid)  # read once: the model of a fresh session, and the window
    evidence = model_evidence(state.model, said, transcript, env)
    factor = state.resolver.estimate_factor(model_info(evidence.model).tokenizer)
    if memory is None:
        memory = []
        if state.cwd and not state.sidechain:
            memory = discover_memory(
                state.cwd,
                count=lambda text: round(counter.count(text) * factor),
                claude_root=claude_root,
                managed_dir=managed_dir(),
                nested_loaded=state.nested_memory,
            )
    if listings is None:
        listings = [] if state.sidechain else discover_listings(state.cwd, claude_root)
    return Inputs(
        env=env,
        evidence=evidence,
        factor=factor,
        memory=list(memory),
        listings=list(listings),
        reported_window=said.window if said is not None else None,
    )
