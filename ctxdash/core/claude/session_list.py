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
from ctxdash.core.transcript.fold import TITLE_RANK
from ctxdash.core.transcript.prompts import prompt_title, user_prompt
from ctxdash.core.transcript.records import Line, decode_any, decode_line, main_reply
from ctxdash.core.transcript.tokens import CachedCounter
from ctxdash.core.window import level_of, session_limits

#: Tail windows tried in turn until the last reply is found.
TAIL_STEPS = (32 * 1024, 256 * 1024, 2 * 1024 * 1024)
#: Bytes of a file's start read for its first prompt (its title until a title record) and
#: for the title records written early (AI titles, the summary lines of old versions).
HEAD_BYTES = 64 * 1024
#: Bytes of a file's end searched for title records (as much as of its start: what Claude
#: Code's own session picker reads).
TITLE_TAIL_BYTES = 64 * 1024
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


class _Tail(msgspec.Struct):
    """What the end of a transcript says: its last reply, a boundary after it, and the
    biggest request seen."""

    reply: Line | None = None
    boundary: Line | None = None
    biggest: int = 0


def _scan_tail(path: Path, size: int) -> _Tail:
    """The tail's reply, boundary and biggest request.

    Starts with a small tail and widens it only when no reply or boundary is in it.
    """
    found = _Tail()
    for step in TAIL_STEPS:
        start = max(0, size - step)
        with open_regular(path) as fh:
            fh.seek(start)
            data = fh.read(step)
        found = _scan(data, partial_head=start > 0)
        if found.reply is not None or found.boundary is not None or start == 0:
            break
    return found


def _title(path: Path, size: int) -> str | None:
    """What names the session, by the dashboard's rule: the last title record of the highest
    kind (a /rename, then an AI title, then an old summary line), else the first prompt.

    Title records are looked for in the file's first :data:`HEAD_BYTES` (early AI titles,
    old summary lines; the first prompt is there too) and its last :data:`TITLE_TAIL_BYTES`
    (Claude Code writes its titles again near the end as a session goes on, so that its own
    session picker need read only the ends).
    """
    try:
        with open_regular(path) as fh:
            head = fh.read(HEAD_BYTES)
            tail = b""
            if size > HEAD_BYTES:
                fh.seek(max(HEAD_BYTES, size - TITLE_TAIL_BYTES))
                tail = fh.read(TITLE_TAIL_BYTES)
    except (OSError, ValueError):
        return None
    titles = {**_titles(head, with_summary=True), **_titles(tail)}  # the end's are later
    for kind in TITLE_KINDS:
        if titles.get(kind):
            return titles[kind]
    lines = head.split(b"\n")
    return _first_prompt(lines[:-1] if len(head) == HEAD_BYTES else lines)


#: Title record kinds, highest first (as the session fold ranks them).
TITLE_KINDS = sorted(TITLE_RANK, key=TITLE_RANK.__getitem__, reverse=True)
_TITLE_MARKERS = (b'-title"', b'"summary"')


def _titles(data: bytes, *, with_summary: bool = False) -> dict[str, str]:
    """The last title of each kind in ``data``, found by byte search: only a line whose own
    type is a title kind is decoded (a record writes its type first; the same words inside
    a tool result cost nothing). Summary lines (old versions wrote them first) only when
    ``with_summary``."""
    hits: list[tuple[int, int]] = []
    for marker in _TITLE_MARKERS if with_summary else _TITLE_MARKERS[:1]:
        at = data.find(marker)
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            end = len(data) if end < 0 else end
            if at - start <= _TYPE_AT_MOST:
                hits.append((start, end))
            at = data.find(marker, end)
    found: dict[str, str] = {}
    for start, end in sorted(hits):  # file order: the last of a kind wins
        rec = decode_line(data[start:end])
        if isinstance(rec, Line) and rec.type in TITLE_KINDS:
            title = rec.customTitle or rec.aiTitle or rec.summary
            if title:
                found[rec.type] = title
    return found


def _first_prompt(lines: list[bytes]) -> str | None:
    """The first prompt typed in the session, on one line."""
    for raw in lines:
        if b'"user"' not in raw:
            continue
        rec = decode_line(raw)
        if not isinstance(rec, Line) or rec.type != "user" or rec.isSidechain:
            continue
        content = rec.message.content if rec.message is not None else None
        if content is None:
            continue
        text = user_prompt(
            is_meta=bool(rec.isMeta),
            is_summary=bool(rec.isCompactSummary),
            content=decode_any(content),
        )
        if text is not None:
            return prompt_title(text)
    return None


def _scan(data: bytes, partial_head: bool) -> _Tail:
    lines = data.split(b"\n")
    if partial_head:
        lines = lines[1:]  # the first piece is probably a partial line
    found = _Tail()
    for raw in reversed(lines):
        if not raw.strip():
            continue
        if found.reply is None and found.boundary is None and b'"compact_boundary"' in raw:
            rec = decode_line(raw)
            if isinstance(rec, Line) and rec.subtype == "compact_boundary" and not rec.isSidechain:
                found.boundary = rec
            continue
        if b'"assistant"' in raw and b'"usage"' in raw:
            reply = main_reply(raw)
            if reply is not None and reply.message is not None and reply.message.usage:
                found.biggest = max(found.biggest, reply.message.usage.context)
                if found.reply is None and found.boundary is None:
                    found.reply = reply
    return found


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
            tail = _scan_tail(path, st.st_size)
        except OSError:
            continue
        reply, boundary, biggest = tail.reply, tail.boundary, tail.biggest
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
                title=_title(path, st.st_size),
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
