"""The model of a session that has no reply yet (a fresh session, or one ctxdash seeded).

Until its first reply a transcript names no model. Claude Code's status line may have
reported it (with the true window); a session ctxdash forked or seeded names its parent in
its provenance line, and the parent's last reply names the model; else Claude Code's
settings (``model``, ``ANTHROPIC_MODEL``) say which model the next reply will come from.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import msgspec

from ctxdash.core.claude.discover import UUID_RE
from ctxdash.core.claude.settings import ClaudeEnv
from ctxdash.core.exchange import StatusRecord, read_status_record
from ctxdash.core.safepath import open_regular
from ctxdash.core.transcript.records import main_reply

#: How much of a file's end is read for the provenance line or the last reply.
TAIL = 256 * 1024


class ModelEvidence(msgspec.Struct, kw_only=True):
    """A model id, where it came from, and the window reported with it (if any)."""

    model: str | None
    source: str
    window: int | None = None


def _strip_1m(model: str) -> str:
    return model.replace("[1m]", "").replace("[1M]", "").strip()


def _tail(path: Path) -> list[bytes]:
    try:
        with open_regular(path) as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - TAIL))
            data = fh.read(TAIL)
    except (OSError, ValueError):
        return []
    lines = data.split(b"\n")
    return lines[1:] if size > TAIL else lines


def parent_of(transcript: Path) -> tuple[str | None, Path | None]:
    """The session id and transcript a ctxdash fork or seed was made from.

    Only the id is taken from the file (and only when it is a session id): the parent is
    looked for beside the fork, where ctxdash writes forks, never at a path the file names.
    """
    for raw in reversed(_tail(transcript)):
        if b'"ctxdash-origin"' not in raw:
            continue
        with contextlib.suppress(msgspec.DecodeError, RecursionError):
            obj = msgspec.json.decode(raw)
            origin = obj.get("forkedFrom") if isinstance(obj, dict) else None
            sid = origin.get("sessionId") if isinstance(origin, dict) else None
            if isinstance(sid, str) and UUID_RE.match(sid):
                path = transcript.parent / f"{sid}.jsonl"
                return sid, path if path.is_file() else None
    return None, None


def last_model(transcript: Path) -> str | None:
    """The model of the last main-chain reply near the end of a transcript."""
    for raw in reversed(_tail(transcript)):
        if b'"assistant"' not in raw or b'"model"' not in raw:
            continue
        rec = main_reply(raw)
        if rec is not None and rec.message is not None and rec.message.model:
            return rec.message.model
    return None


def model_evidence(
    model: str | None, said: StatusRecord | None, transcript: Path, env: ClaudeEnv
) -> ModelEvidence:
    """The best model id for a session (``model`` is what its replies say, if any; ``said``
    what the status line last recorded for it, read by the caller).

    With a model from the transcript nothing is read; otherwise the status-line record comes
    with the window it reported.
    """
    if model:
        return ModelEvidence(model=model, source="transcript")
    window = said.window if said is not None else None
    if said is not None and said.model_id and said.model_id.strip():
        return ModelEvidence(model=_strip_1m(said.model_id), source="status line", window=window)
    parent_id, parent_path = parent_of(transcript)
    if parent_id or parent_path:
        parent_model = last_model(parent_path) if parent_path else None
        parent_said = read_status_record(parent_id)
        if not parent_model and parent_said is not None and parent_said.model_id:
            parent_model = _strip_1m(parent_said.model_id)
        if parent_model:
            return ModelEvidence(
                model=parent_model,
                source="parent session",
                window=window or (parent_said.window if parent_said is not None else None),
            )
    if env.model:
        return ModelEvidence(model=_strip_1m(env.model), source="Claude Code settings")
    return ModelEvidence(model=None, source="unknown", window=window)
