"""The checkpoint actions, one function each, shared by the CLI and the dashboard.

Every action only reads the user's transcript, writes atomically under ctxdash's data folder
(forks: a new file beside the original), and raises :class:`ActionError` with one sentence
when it cannot finish.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec

from ctxdash.core import paths
from ctxdash.core.atomic import ActionError, explain
from ctxdash.core.budget import Budget
from ctxdash.core.checkpoints.fork import ForkResult, fork_session, seed_session, session_folder
from ctxdash.core.checkpoints.handoff import Handoff, build_handoff, write_handoff
from ctxdash.core.checkpoints.snapshot import Snapshot, list_snapshots, take_snapshot
from ctxdash.core.checkpoints.summary import archive_transcript, build_summary, write_summary
from ctxdash.core.checkpoints.workstate import WorkState, extract_work_state
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import TokenCounter

__all__ = ["ActionError", "SummaryResult", "fork", "handoff", "seed", "snapshot", "summary"]


class SummaryResult(msgspec.Struct, kw_only=True):
    """What ``ctxdash summary --json`` prints (and the markdown itself)."""

    path: str | None
    tokens: int
    source_tokens: int
    ratio: float
    budget: int
    archive: str | None
    markdown: str


def _budget(transcript: Path, config: Config, counter: TokenCounter | None) -> Budget:
    try:
        return session_budget(transcript, config=config, counter=counter)
    except OSError as err:
        raise ActionError(explain(err, transcript)) from err


def _work(transcript: Path, budget: Budget) -> WorkState:
    try:
        return extract_work_state(transcript, sidechain=budget.is_subagent)
    except OSError as err:
        raise ActionError(explain(err, transcript)) from err


def snapshot(
    transcript: Path,
    *,
    config: Config,
    counter: TokenCounter | None = None,
    now: datetime | None = None,
) -> tuple[Path, Snapshot]:
    """Freeze the session: budget, work state, copies of its files."""
    budget = _budget(transcript, config, counter)
    return take_snapshot(budget, _work(transcript, budget), now=now)


def fork(
    transcript: Path, *, at: str | None = None, last: int | None = None, title: str | None = None
) -> ForkResult:
    """A new session ``claude --resume`` opens, branching at the end or at a message."""
    return fork_session(transcript, at=at, last=last, title=title)


def summary(
    transcript: Path,
    *,
    config: Config,
    ratio: float | None = None,
    max_tokens: int | None = None,
    out: Path | None = None,
    save: bool = True,
    write_file: bool = True,
    counter: TokenCounter | None = None,
    now: datetime | None = None,
) -> SummaryResult:
    """The compressed summary to take before ``/clear`` (and an archive of the transcript).

    ``save`` archives the transcript and writes the summary; ``write_file=False`` archives
    only (the caller shows the text, e.g. on stdout).
    """
    budget = _budget(transcript, config, counter)
    work = _work(transcript, budget)
    project = Path(budget.transcript).parent.name
    sid = str(budget.session_id)
    archive = archive_transcript(transcript, paths.data_dir(), project, sid) if save else None
    if counter is None:
        from ctxdash.core.transcript.tokens import default_counter

        counter = default_counter()
    result = build_summary(
        work,
        session_id=sid,
        transcript=transcript,
        archive=archive,
        source_tokens=budget.used,
        ratio=config.summary_ratio if ratio is None else ratio,
        max_tokens=config.summary_max_tokens if max_tokens is None else max_tokens,
        count=counter.count,
        now=now or datetime.now(UTC),
    )
    path = None
    if save and write_file:
        path = write_summary(
            result, out=out, data_dir=paths.data_dir(), session_id=sid, project=project
        )
    return SummaryResult(
        path=str(path) if path else None,
        tokens=result.tokens,
        source_tokens=result.source_tokens,
        ratio=result.ratio,
        budget=result.budget,
        archive=str(archive) if archive else None,
        markdown=result.markdown,
    )


def seed(transcript: Path, text: str, *, config: Config) -> ForkResult:
    """A fresh resumable session whose whole history is ``text`` (a summary)."""
    budget = _budget(transcript, config, None)
    return seed_session(
        session_folder(transcript, budget.cwd),  # a copy's goes where claude --resume looks
        cwd=budget.cwd or str(Path.cwd()),
        text=text,
        git_branch=budget.git_branch,
        version=budget.claude_version,
        forked_from={"session_id": budget.session_id, "transcript": str(transcript)},
    )


def handoff(
    transcript: Path, *, to_agent: str, config: Config, counter: TokenCounter | None = None
) -> tuple[str, Handoff]:
    """The handoff package for the next agent, validated and written."""
    budget = _budget(transcript, config, counter)
    work = _work(transcript, budget)
    snaps = list_snapshots(str(budget.session_id))
    package = build_handoff(
        budget, work, to_agent=to_agent, last_checkpoint=snaps[0].path if snaps else None
    )
    return write_handoff(package, Path(budget.transcript).parent.name), package
