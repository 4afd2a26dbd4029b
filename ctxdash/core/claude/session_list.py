"""``ctxdash sessions``: every session, newest first, from heads and tails only.

A full parse of thousands of transcripts would take seconds; the current size is in the last
main-chain reply, so reading the end of each file (and its first lines for the working
directory) is enough. The window a status line reported for a session is used when there is one.
A session with no reply yet (nothing in its file says how big it is) is small: it is budgeted
in full, as the dashboard does, so both show the same estimate. So is a session whose file ends
in a compaction: its next request is estimated from what follows the boundary (the parse starts
there), as ``ctxdash status`` and the dashboard do, not taken from the boundary's
``postTokens``, which leaves out the system prompt, tools and memory files.
"""

from __future__ import annotations

import mmap
import os
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from ctxdash.core.claude.discover import LEFTOVERS, all_transcripts, cwd_of, transcript_problem
from ctxdash.core.claude.models import model_info
from ctxdash.core.claude.settings import ClaudeEnv
from ctxdash.core.config import Config
from ctxdash.core.exchange import reported_window
from ctxdash.core.safepath import open_regular
from ctxdash.core.transcript.prompts import user_prompt
from ctxdash.core.transcript.records import Line, decode_any, decode_line, main_reply
from ctxdash.core.transcript.tokens import CachedCounter
from ctxdash.core.window import level_of, session_limits

#: Tail windows tried in turn until the last reply is found.
TAIL_STEPS = (32 * 1024, 256 * 1024, 2 * 1024 * 1024)
#: Bytes of a file's start searched for its first prompt (its title until a title record)
#: and for the summary lines old versions wrote first.
HEAD_BYTES = 256 * 1024
#: Where a record's own type starts at most, in bytes from its line's start (``{"type":``).
_TYPE_AT_MOST = 16
#: Sessions without a reply are budgeted in full up to this size (and this many of them).
FULL_PARSE_BYTES, FULL_PARSE_MAX = 2 * 1024 * 1024, 20
#: Sessions that end in a compaction are budgeted in full up to this size (only what follows
#: the boundary is parsed; the history before it is skimmed), the newest this many of them:
#: a first listing stays quick, and the parse cache makes the next ones instant.
COMPACTED_PARSE_BYTES, COMPACTED_PARSE_MAX = 64 * 1024 * 1024, 5


class SessionRow(msgspec.Struct, kw_only=True):
    """One line of the session list."""

    session_id: str
    transcript: str
    cwd: str | None
    title: str | None
    model: str | None
    used: int | None
    used_source: str
    window: int
    budget: int
    level: str
    modified: str
    bytes: int


def _scan_tail(path: Path, size: int) -> tuple[Line | None, Line | None, int]:
    """Last main reply, last boundary after it, biggest request seen in the tail.

    Starts with a small tail and widens it only when no reply or boundary is in it.
    """
    found: tuple[Line | None, Line | None, int] = (None, None, 0)
    for step in TAIL_STEPS:
        start = max(0, size - step)
        with open_regular(path) as fh:
            fh.seek(start)
            data = fh.read(step)
        found = _scan(data, partial_head=start > 0)
        if found[0] is not None or found[1] is not None or start == 0:
            break
    return found


def _title(path: Path) -> str | None:
    """What names the session, by the dashboard's rule: the last title record of the highest
    kind (a /rename, then an AI title, then an old summary line), else the first prompt."""
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if not size:
                return None
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                titles = _last_titles(data, size)
                if not titles:  # old versions wrote their summary lines first
                    titles = _records(data, b'"summary"', "summary", HEAD_BYTES)
                for kind in ("custom-title", "ai-title", "summary"):
                    if titles.get(kind):
                        return titles[kind]
                return _first_prompt(data)
    except (OSError, ValueError):
        return None


def _line_at(data: mmap.mmap, at: int) -> tuple[int, int]:
    """Start and end of the line holding byte ``at``."""
    end = data.find(b"\n", at)
    return data.rfind(b"\n", 0, at) + 1, len(data) if end < 0 else end


def _last_titles(data: mmap.mmap, size: int) -> dict[str, str]:
    """The last ``custom-title`` and ``ai-title`` records' titles, in one reverse byte search
    (it stops at the last /rename: nothing outranks it).

    Only a hit near its line's start is decoded (a record writes its own type first): the
    same words inside a tool result cost nothing.
    """
    found: dict[str, str] = {}
    at = data.rfind(b'-title"')
    while at >= 0 and "custom-title" not in found:
        start, end = _line_at(data, at)
        if at - start <= _TYPE_AT_MOST:
            rec = decode_line(data[start:end])
            if isinstance(rec, Line) and rec.type in ("custom-title", "ai-title"):
                title = rec.customTitle or rec.aiTitle
                if title:
                    found.setdefault(rec.type, title)
        at = data.rfind(b'-title"', 0, start)
    return found


def _records(data: mmap.mmap, marker: bytes, kind: str, limit: int) -> dict[str, str]:
    """The last ``summary`` record's title among the first ``limit`` bytes."""
    found: dict[str, str] = {}
    at = data.find(marker, 0, limit)
    while at >= 0:
        start, end = _line_at(data, at)
        if at - start <= _TYPE_AT_MOST:
            rec = decode_line(data[start:end])
            if isinstance(rec, Line) and rec.type == kind and rec.summary:
                found[kind] = rec.summary
        at = data.find(marker, end, limit)
    return found


def _first_prompt(data: mmap.mmap) -> str | None:
    """The first prompt typed in the session, on one line, among the file's first bytes."""
    at = data.find(b'"user"', 0, HEAD_BYTES)
    while at >= 0:
        start, end = _line_at(data, at)
        rec = decode_line(data[start:end])
        if isinstance(rec, Line) and rec.type == "user" and not rec.isSidechain:
            content = rec.message.content if rec.message is not None else None
            text = None
            if content is not None:
                text = user_prompt(
                    is_meta=bool(rec.isMeta),
                    is_summary=bool(rec.isCompactSummary),
                    content=decode_any(content),
                )
            if text is not None:
                return " ".join(text.split())[:200] or None
        at = data.find(b'"user"', end, HEAD_BYTES)
    return None


def _scan(data: bytes, partial_head: bool) -> tuple[Line | None, Line | None, int]:
    lines = data.split(b"\n")
    if partial_head:
        lines = lines[1:]  # the first piece is probably a partial line
    reply = boundary = None
    biggest = 0
    for raw in reversed(lines):
        if not raw.strip():
            continue
        if reply is None and boundary is None and b'"compact_boundary"' in raw:
            rec = decode_line(raw)
            if isinstance(rec, Line) and rec.subtype == "compact_boundary" and not rec.isSidechain:
                boundary = rec
            continue
        if b'"assistant"' in raw and b'"usage"' in raw:
            found = main_reply(raw)
            if found is not None and found.message is not None and found.message.usage:
                biggest = max(biggest, found.message.usage.context)
                if reply is None and boundary is None:
                    reply = found
    return reply, boundary, biggest


def list_sessions(
    config: Config, *, roots: list[Path] | None = None, limit: int | None = None
) -> list[SessionRow]:
    """Every main session, newest first."""
    env = ClaudeEnv()
    rows = []
    full = full_compacted = 0
    counter = CachedCounter()  # one token-count cache for every session budgeted in full
    for path, st in all_transcripts(roots)[:limit]:
        try:
            reply, boundary, biggest = _scan_tail(path, st.st_size)
        except OSError:
            continue
        problem = transcript_problem(path) if reply is None and boundary is None else None
        if problem in LEFTOVERS:
            continue  # left behind by --resume: nothing to watch
        msg = reply.message if reply else None
        model = msg.model if msg else None
        if boundary is not None:
            meta = boundary.compactMetadata
            post = meta.postTokens if meta else None
            used, source = post, ("post_tokens" if post is not None else "unknown")
        elif msg is not None and msg.usage is not None:
            used, source = msg.usage.context, "usage"
        else:
            used, source = None, "unknown"
        compacted = boundary is not None
        limit = COMPACTED_PARSE_BYTES if compacted else FULL_PARSE_BYTES
        if (
            (used is None or compacted)
            and problem is None
            and st.st_size <= limit
            and full < FULL_PARSE_MAX
            and (not compacted or full_compacted < COMPACTED_PARSE_MAX)
        ):
            full += 1
            full_compacted += compacted
            row = _full_row(path, st, config, counter)
            if row is not None:
                rows.append(row)
                continue
        info = model_info(model)
        limits = session_limits(
            info,
            env=env,
            config=config,
            version=reply.version if reply else None,
            max_request=biggest,
            reported=reported_window(path.stem),
            peak=biggest,
        )
        budget, levels = limits.budget, limits.thresholds
        cwd = (reply.cwd if reply else None) or cwd_of(path)
        rows.append(
            SessionRow(
                session_id=path.stem,
                transcript=str(path),
                cwd=cwd,
                title=_title(path),
                model=model,
                used=used,
                used_source=source,
                window=limits.window.size,
                budget=budget,
                level=level_of(used or 0, levels) if used is not None else "unknown",
                modified=datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds"),
                bytes=st.st_size,
            )
        )
    counter.save()
    return rows


def _full_row(
    path: Path, st: os.stat_result, config: Config, counter: CachedCounter
) -> SessionRow | None:
    """A session without a reply, or ending in a compaction, budgeted as the dashboard does."""
    from ctxdash.core.status import session_budget

    try:
        b = session_budget(path, config=config, counter=counter)
    except OSError:
        return None
    return SessionRow(
        session_id=path.stem,
        transcript=str(path),
        cwd=b.cwd,
        title=b.title,
        model=b.model,
        used=b.used,
        used_source=b.used_source,
        window=b.window,
        budget=b.budget,
        level=b.level,
        modified=datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds"),
        bytes=st.st_size,
    )
