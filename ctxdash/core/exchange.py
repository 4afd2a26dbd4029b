"""The files ctxdash's processes pass to each other: where they are, what they hold, how they
are written and read.

* ``<state>/events.jsonl``: one line per hook event (``ctxdash hook``), read by a running
  dashboard to follow a new session; ``<state>/hooks.log``: what went wrong in a hook.
* ``<state>/statusline/<session>.json``: what Claude Code's status line last said about a
  session (the true window and the model id, which carries ``[1m]``); written by
  ``ctxdash statusline`` after every reply, read by the budget.
* ``<state>/budgets/<session>.json``: a few figures of the last budget (``ctxdash status`` or
  the dashboard), read by the status line for the biggest category and the compaction point.
* ``<data>/summaries/<project>/*.md``: summaries, written by ``ctxdash summary`` and the
  dashboard, handed to the next session by the ``SessionStart`` hook;
  ``<state>/handed-over/<project>.json``: the names of those already handed over (once each).

Every file is private (0600) and replaced atomically, or appended one short line at a time.
What is read back is untrusted (another process, another version, a user's edit): every field
is type-checked, numbers are bounded, and a bad file reads as nothing. The status line imports
this module, so it imports nothing costly (no ``json``, ``pathlib``, ``typing``).
"""

from __future__ import annotations

import os
import time

from ctxdash.core import folders
from ctxdash.core import json_lite as json
from ctxdash.core.safepath import component, is_regular, open_regular

TYPE_CHECKING = False  # not from typing: importing it costs the status line milliseconds
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

EVENTS = "events.jsonl"
HOOKS_LOG = "hooks.log"
#: Longest string recorded in an event (longer payload values are left out).
MAX_FIELD = 4096
#: Counts outside [0, MAX_COUNT] are not believed (the parser's bound); windows likewise.
MAX_COUNT, MAX_WINDOW = 1_000_000_000, 100_000_000
#: Largest record file read back.
MAX_RECORD = 1024 * 1024
#: Suffix of the file a summary over the hook's output cap is spilled to (never a summary).
SPILL_SUFFIX = ".full.md"
#: Hand-overs remembered per project (older names are forgotten).
HANDED_KEEP = 200


def count(value: object, top: int = MAX_COUNT) -> int | None:
    """A believable whole number (no bools, floats, negatives or absurd sizes), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        return None
    return value


def _short(value: object, limit: int = MAX_FIELD) -> str | None:
    """A string no longer than ``limit``, else ``None``."""
    return value if isinstance(value, str) and len(value) <= limit else None


def _state(*parts: str) -> str:
    return os.path.join(folders.own("state"), *parts)


def _read(path: str) -> tuple[Any, float] | None:
    """A JSON record and its modification time; ``None`` when missing, not a regular file,
    or not JSON."""
    try:
        with open_regular(path) as fh:
            data = json.loads(fh.read(MAX_RECORD))
            return data, os.fstat(fh.fileno()).st_mtime
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _save(path: str, blob: bytes) -> None:
    """Replace a record atomically (private: 0600), unless it already holds ``blob`` (the
    status line and the dashboard save on every update; most change nothing).

    Raises:
        OSError: the folder cannot be created or written.
    """
    try:
        with open_regular(path) as fh:
            if fh.read(MAX_RECORD + 1) == blob:
                return
    except OSError:
        pass
    from ctxdash.core.atomic import replace_bytes  # only when something changed

    replace_bytes(path, blob)


def append_line(path: str, line: str) -> None:
    """Append one line to a private (0600) file (one short write: appends of it are atomic).

    Raises:
        OSError: the folder or the file cannot be written.
    """
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open(fd, "a", encoding="utf-8", errors="replace") as fh:
        fh.write(line + "\n")


# --- hook events -----------------------------------------------------------------------------


def events_file() -> str:
    """Where hooks leave events for a running dashboard."""
    return _state(EVENTS)


def hooks_log() -> str:
    """Where hooks log what went wrong (they never fail Claude Code)."""
    return _state(HOOKS_LOG)


class HookEvent:
    """One line of the events file."""

    __slots__ = ("kind", "time", "session_id", "transcript_path", "cwd", "extra")

    def __init__(
        self,
        kind: str,
        time: float,
        *,
        session_id: str | None = None,
        transcript_path: str | None = None,
        cwd: str | None = None,
        extra: dict[str, str | None] | None = None,
    ) -> None:
        self.kind = kind
        self.time = time
        self.session_id = session_id
        self.transcript_path = transcript_path
        self.cwd = cwd
        self.extra = extra or {}


def add_event(kind: str, payload: dict[str, Any], **extra: object) -> None:
    """Append an event of a hook's payload (only short strings of it are recorded).

    Raises:
        OSError: the state folder cannot be written.
    """
    record = {
        "event": kind,
        "time": time.time(),
        "session_id": _short(payload.get("session_id")),
        "transcript_path": _short(payload.get("transcript_path")),
        "cwd": _short(payload.get("cwd")),
        **{key: _short(value) for key, value in extra.items()},
    }
    append_line(events_file(), json.dumps(record))


def _event(raw: bytes) -> HookEvent | None:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return None
    when = data.get("time")
    if isinstance(when, bool) or not isinstance(when, int | float) or when != when:
        return None
    known = ("event", "time", "session_id", "transcript_path", "cwd")
    return HookEvent(
        data["event"],
        float(when),
        session_id=_short(data.get("session_id")),
        transcript_path=_short(data.get("transcript_path")),
        cwd=_short(data.get("cwd")),
        extra={k: _short(v) for k, v in data.items() if k not in known and isinstance(k, str)},
    )


def recent_events(max_bytes: int = 16384, max_lines: int = 50) -> list[HookEvent]:
    """The last events (oldest first) from the end of the events file; bad lines skipped."""
    try:
        with open_regular(events_file()) as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - max_bytes))
            lines = fh.read().splitlines()[-max_lines:]
    except OSError:
        return []
    return [e for e in map(_event, lines) if e is not None]


# --- status-line records ---------------------------------------------------------------------


class StatusRecord:
    """What Claude Code's status line last said about a session."""

    __slots__ = ("session_id", "transcript_path", "model_id", "window", "version")

    def __init__(
        self,
        session_id: str,
        *,
        transcript_path: str | None = None,
        model_id: str | None = None,
        window: int | None = None,
        version: str | None = None,
    ) -> None:
        self.session_id = session_id
        self.transcript_path = transcript_path
        self.model_id = model_id
        self.window = window
        self.version = version


def status_record_file(session_id: str) -> str:
    return _state("statusline", f"{component(session_id)}.json")


def write_status_record(record: StatusRecord) -> None:
    """Remember a status-line payload's session (private: it holds a path); an unchanged
    record is not rewritten.

    Raises:
        OSError: the state folder cannot be written.
    """
    data = {
        "session_id": record.session_id,
        "transcript_path": record.transcript_path,
        "model_id": record.model_id,
        "context_window_size": record.window,
        "version": record.version,
    }
    _save(status_record_file(record.session_id), json.dumps(data).encode("utf-8"))


def read_status_record(session_id: str | None) -> StatusRecord | None:
    """What the status line last recorded for a session (``None`` if nothing usable)."""
    if not session_id:
        return None
    found = _read(status_record_file(session_id))
    if found is None or not isinstance(found[0], dict):
        return None
    data = found[0]
    return StatusRecord(
        session_id,
        transcript_path=_short(data.get("transcript_path")),
        model_id=_short(data.get("model_id"), 500),
        window=count(data.get("context_window_size"), MAX_WINDOW) or None,
        version=_short(data.get("version"), 500),
    )


def reported_window(session_id: str | None) -> int | None:
    """The window Claude Code's status line reported for a session, if any."""
    record = read_status_record(session_id)
    return record.window if record is not None else None


# --- saved budget figures --------------------------------------------------------------------


class SavedBudget:
    """The figures of a session's last budget that the status line shows."""

    __slots__ = ("used", "window", "autocompact_at", "biggest", "kept", "fresh")

    def __init__(
        self,
        *,
        used: int | None = None,
        window: int | None = None,
        autocompact_at: int | None = None,
        biggest: tuple[str, int] | None = None,
        kept: int | None = None,
        fresh: bool = False,
    ) -> None:
        self.used = used
        self.window = window
        self.autocompact_at = autocompact_at
        self.biggest = biggest
        #: What a compaction keeps besides its summary (system prompt, tools, memory).
        self.kept = kept
        #: Written after the transcript last changed (read side only).
        self.fresh = fresh


def saved_budget_file(session_id: str) -> str:
    return _state("budgets", f"{component(session_id)}.json")


def save_budget(session_id: str, saved: SavedBudget) -> None:
    """Leave a budget's figures for the status line; an unchanged file is not rewritten (the
    dashboard saves on every update). On failure only the status line's detail is lost."""
    data = {
        "used": saved.used,
        "window": saved.window,
        "autocompact_at": saved.autocompact_at,
        "biggest": list(saved.biggest) if saved.biggest else None,
        "kept": saved.kept,
    }
    try:  # noqa: SIM105 - contextlib would cost the status line an import
        _save(saved_budget_file(session_id), json.dumps(data).encode("utf-8"))
    except OSError:
        pass


def read_saved_budget(session_id: object, transcript: object = None) -> SavedBudget | None:
    """The figures the last ``ctxdash status`` or dashboard update left for a session."""
    if not isinstance(session_id, str) or not session_id:
        return None
    found = _read(saved_budget_file(session_id))
    if found is None or not isinstance(found[0], dict):
        return None
    data, written = found
    try:
        fresh = isinstance(transcript, str) and written >= os.stat(transcript).st_mtime
    except (OSError, ValueError):
        fresh = False
    biggest = data.get("biggest")
    label = biggest[0] if isinstance(biggest, list) and len(biggest) == 2 else None
    tokens = count(biggest[1]) if isinstance(label, str) else None
    return SavedBudget(
        used=count(data.get("used")),
        window=count(data.get("window"), MAX_WINDOW),
        autocompact_at=count(data.get("autocompact_at")),
        biggest=(label[:500], tokens) if isinstance(label, str) and tokens is not None else None,
        kept=count(data.get("kept")),
        fresh=fresh,
    )


# --- summaries -------------------------------------------------------------------------------


def summaries_dir(data_dir: Path, project: str) -> Path:
    """The folder of a project's summaries (``project`` is untrusted: made one safe name)."""
    return data_dir / "summaries" / component(project, "unknown-project")


def latest_summary(
    data_dir: Path, project: str, *, now: float, within: float, skip: frozenset[str] = frozenset()
) -> Path | None:
    """The newest summary of a project written within ``within`` seconds before ``now``,
    other than those named in ``skip``.

    Spill files (the full text of a summary over the hook's cap) are never candidates.
    """
    try:
        candidates = [
            (p.stat().st_mtime, p)
            for p in summaries_dir(data_dir, project).glob("*.md")
            if not p.name.endswith(SPILL_SUFFIX) and p.name not in skip and is_regular(p)
        ]
    except OSError:
        return None
    fresh = [(t, p) for t, p in candidates if 0 <= now - t <= within]
    return max(fresh)[1] if fresh else None


def _handed_file(project: str) -> str:
    return _state("handed-over", f"{component(project)}.json")


def handed_over(project: str) -> list[str]:
    """Names of the project's summaries already handed to a new session."""
    found = _read(_handed_file(project))
    data = found[0] if found is not None else None
    return [n for n in data if isinstance(n, str)] if isinstance(data, list) else []


def mark_handed_over(project: str, name: str) -> None:
    """Remember that a summary was handed over: it is never handed over again.

    Unrecorded (the state folder cannot be written), it would be handed over again: better
    than not at all.
    """
    names = [n for n in handed_over(project) if n != name][-(HANDED_KEEP - 1) :] + [name]
    try:  # noqa: SIM105 - contextlib would cost the status line an import
        _save(_handed_file(project), json.dumps(names).encode("utf-8"))
    except OSError:
        pass
