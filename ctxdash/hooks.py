"""``ctxdash hook <event>``: what ctxdash does when Claude Code runs its hooks (JSON on stdin).

* ``pre-compact``: a snapshot (with the transcript copy) the moment before Claude Code
  compacts, so nothing the compaction throws away is lost.
* ``session-start`` (source ``clear`` or ``compact``): if a summary was written for this
  project shortly before, print it so Claude Code adds it to the new session's context (within
  the 10,000-character cap; the rest is spilled to a file the text points at).
* ``session-end``: tell a running dashboard which session ended.

Every handler reads its JSON from stdin, never blocks Claude Code on an error (it logs under
the state dir and exits 0), and writes only inside ctxdash's own folders.
"""

from __future__ import annotations

import json
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ctxdash.core import paths
from ctxdash.core.atomic import ActionError, write_text

#: Claude Code's cap on hook output added to the context.
OUTPUT_CAP = 10_000
#: A summary counts for the hand-over if written this recently before the /clear.
HANDOVER_SECONDS = 30 * 60
EVENTS = "events.jsonl"


def events_file() -> Path:
    """Where hooks leave events for a running dashboard."""
    return paths.state_dir() / EVENTS


def _log(message: str) -> None:
    try:
        path = paths.state_dir() / "hooks.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{datetime.now(UTC).isoformat()} {message}\n")
    except OSError:
        pass


def _event(kind: str, payload: dict[str, Any], **extra: Any) -> None:
    record = {
        "event": kind,
        "time": time.time(),
        "session_id": payload.get("session_id"),
        "transcript_path": payload.get("transcript_path"),
        "cwd": payload.get("cwd"),
        **extra,
    }
    path = events_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:  # one short line: appends are atomic
        fh.write(json.dumps(record) + "\n")


def pre_compact(payload: dict[str, Any]) -> str:
    """Snapshot the session before it is compacted."""
    from ctxdash.core.actions import snapshot
    from ctxdash.core.config import load_config

    transcript = Path(str(payload.get("transcript_path") or ""))
    if not transcript.is_file():
        raise ActionError(f"no transcript at {transcript}")
    path, _ = snapshot(transcript, config=load_config())
    _event("pre-compact", payload, trigger=payload.get("trigger"), snapshot=str(path))
    return ""


def latest_summary(project: str, *, now: float, within: float) -> Path | None:
    """The newest summary of a project written within ``within`` seconds."""
    folder = paths.data_dir() / "summaries" / project
    try:
        candidates = [(p.stat().st_mtime, p) for p in folder.glob("*.md")]
    except OSError:
        return None
    fresh = [(t, p) for t, p in candidates if 0 <= now - t <= within]
    return max(fresh)[1] if fresh else None


def handover_text(summary: Path, *, cap: int = OUTPUT_CAP) -> str:
    """The summary as context for the new session; spilled to a file past the cap."""
    text = summary.read_text(encoding="utf-8", errors="replace")
    intro = f"Summary of the previous session (ctxdash, {summary.name}):\n\n"
    if len(intro) + len(text) <= cap:
        return intro + text
    spill = summary.with_suffix(".full.md")
    if not spill.exists():
        write_text(spill, text)
    note = f"\n\n[…truncated: the full summary is in {spill}; read it if needed]\n"
    return intro + text[: cap - len(intro) - len(note)] + note


def session_start(payload: dict[str, Any], *, now: float | None = None) -> str:
    """After /clear or a compaction: hand the recent summary to the new session."""
    source = payload.get("source")
    _event("session-start", payload, source=source)
    if source not in ("clear", "compact"):
        return ""
    transcript = Path(str(payload.get("transcript_path") or ""))
    project = transcript.parent.name
    if not project:
        return ""
    summary = latest_summary(
        project, now=time.time() if now is None else now, within=HANDOVER_SECONDS
    )
    return handover_text(summary) if summary else ""


def session_end(payload: dict[str, Any]) -> str:
    """Record which session ended (and why) for a running dashboard."""
    _event("session-end", payload, reason=payload.get("reason"))
    return ""


HANDLERS = {"pre-compact": pre_compact, "session-start": session_start, "session-end": session_end}


def run(event: str, stdin: bytes) -> str:
    """Run one hook; returns what to print. Never raises."""
    try:
        payload = json.loads(stdin or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("the payload is not a JSON object")
        return HANDLERS[event](payload)
    except Exception as err:  # noqa: BLE001 - a hook must never break Claude Code
        _log(f"hook {event} failed: {type(err).__name__}: {err}")
        _log(traceback.format_exc().replace("\n", " | "))
        return ""
