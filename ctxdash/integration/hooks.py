"""``ctxdash hook <event>``: what ctxdash does when Claude Code runs its hooks (JSON on stdin).

* ``pre-compact``: a snapshot (with the transcript copy) the moment before Claude Code
  compacts, so nothing the compaction throws away is lost.
* ``session-start`` (source ``clear`` or ``compact``): if a summary was written for this
  project shortly before, print it so Claude Code adds it to the new session's context (within
  the 10,000-character cap; the rest is spilled to a file the text points at).
* ``session-end``: tell a running dashboard which session ended.

Every handler reads its JSON from stdin, never blocks Claude Code on an error (it logs under
the state dir and exits 0), and writes only inside ctxdash's own folders. The payload is
untrusted: a ``transcript_path`` is used only if it is a regular file inside a Claude Code
``projects`` folder, and only short strings are recorded.
"""

from __future__ import annotations

import contextlib
import json
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ctxdash.core import exchange, paths
from ctxdash.core.atomic import ActionError, write_text
from ctxdash.core.exchange import MAX_FIELD
from ctxdash.core.plain import one_line
from ctxdash.core.safepath import is_inside, is_regular

#: Claude Code's cap on hook output added to the context.
OUTPUT_CAP = 10_000
#: A summary counts for the hand-over if written this recently before the /clear.
HANDOVER_SECONDS = 30 * 60


def _log(message: str) -> None:
    with contextlib.suppress(OSError):
        exchange.append_line(exchange.hooks_log(), f"{datetime.now(UTC).isoformat()} {message}")


def claude_transcript(payload: dict[str, Any]) -> Path:
    """The payload's ``transcript_path``, if it is a transcript ctxdash may read.

    Only a ``.jsonl`` path inside a Claude Code ``projects`` folder (``CLAUDE_CONFIG_DIR`` is
    honoured) is accepted: a payload must not make ctxdash copy anything else. It need not
    exist yet (a session starting); callers that read it check it is a regular file.

    Raises:
        ActionError: missing, not a string, outside the projects folders, not ``.jsonl``.
    """
    value = payload.get("transcript_path")
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD or "\x00" in value:
        raise ActionError("no usable transcript_path in the payload")
    transcript = Path(value)
    roots = [root / "projects" for root in paths.claude_roots()]
    if not any(is_inside(transcript, root) for root in roots):
        raise ActionError(f"{one_line(value)}: not inside Claude Code's projects folder, ignored")
    if not transcript.name.endswith(".jsonl"):
        raise ActionError(f"{one_line(value)}: not a transcript (.jsonl), ignored")
    return transcript


def pre_compact(payload: dict[str, Any]) -> str:
    """Snapshot the session before it is compacted."""
    from ctxdash.core.checkpoints.actions import snapshot
    from ctxdash.core.config import load_config

    transcript = claude_transcript(payload)
    if not is_regular(transcript):
        raise ActionError(f"no transcript at {transcript}")
    path, _ = snapshot(transcript, config=load_config())
    exchange.add_event("pre-compact", payload, trigger=payload.get("trigger"), snapshot=str(path))
    return ""


def latest_summary(project: str, *, now: float, within: float) -> Path | None:
    """The newest summary of a project written within ``within`` seconds, not handed over yet."""
    done = frozenset(exchange.handed_over(project))
    return exchange.latest_summary(paths.data_dir(), project, now=now, within=within, skip=done)


def handover_text(summary: Path, *, cap: int = OUTPUT_CAP) -> str:
    """The summary as context for the new session; spilled to a file past the cap."""
    text = summary.read_text(encoding="utf-8", errors="replace")
    intro = f"Summary of the previous session (ctxdash, {summary.name}):\n\n"
    if len(intro) + len(text) <= cap:
        return intro + text
    spill = summary.with_name(summary.name.removesuffix(".md") + exchange.SPILL_SUFFIX)
    if not spill.exists():
        write_text(spill, text)
    note = f"\n\n[…truncated: the full summary is in {spill}; read it if needed]\n"
    return intro + text[: cap - len(intro) - len(note)] + note


def session_start(payload: dict[str, Any], *, now: float | None = None) -> str:
    """After /clear or a compaction: hand the recent summary to the new session."""
    source = payload.get("source")
    exchange.add_event("session-start", payload, source=source)
    if source not in ("clear", "compact"):
        return ""
    project = claude_transcript(payload).parent.name
    if not project:
        return ""
    summary = latest_summary(
        project, now=time.time() if now is None else now, within=HANDOVER_SECONDS
    )
    if summary is None:
        return ""
    text = handover_text(summary)
    exchange.mark_handed_over(
        project, summary.name
    )  # once, to the first session that starts after it
    return text


def session_end(payload: dict[str, Any]) -> str:
    """Record which session ended (and why) for a running dashboard."""
    exchange.add_event("session-end", payload, reason=payload.get("reason"))
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
