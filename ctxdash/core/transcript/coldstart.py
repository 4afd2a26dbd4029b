"""Start a transcript's parse from its live window instead of its first byte.

Only what follows the last ``compact_boundary`` is in the context; everything before it is
history. A cold parse therefore finds that boundary from the end of the file (a reverse byte
search, each hit verified by decoding its line), and reads the history with a skim that gives
the same state as a parse from the first byte, at a fraction of the cost:

* every line is counted, and every line is decoded and folded as usual, except the bulk of
  the file: long ``user`` lines that carry tool results, which are out of the context once a
  compaction followed them. They hold no reply, no prompt, no title and no model switch, so
  skipping them changes nothing but the identity fields they would have touched last (read
  back from the last skipped lines when the lines that were decoded do not settle them) and
  the content waiting in the resolver, which the boundary throws away;
* lines are never skipped before the session's first reply, whose request measures the
  static part (system prompt, tools, memory);
* the parse from the first byte resolves waiting content early when more than
  :data:`~ctxdash.core.transcript.fold.FLUSH_BYTES` are waiting, which leaves traces (calibration
  samples, nested memory files). The skim keeps an upper bound of what could have been
  waiting; when the bound exceeds that limit anywhere in the history, it gives up and the
  caller parses from the first byte.

The boundary the skim stops at is one a partial compaction did not preserve messages across
(those carry content from before it); later boundaries are parsed in full.

A skipped line is recognised by its bytes, not decoded: framed like a JSON object, its first
``"type"`` is ``user`` (Claude Code writes a line's own type before its message) and a
``"tool_result"`` follows. The one difference this can make: such a line that is broken inside
counts as a line, where a parse from the first byte would count it as malformed.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import BinaryIO

from ctxdash.core.safepath import open_regular
from ctxdash.core.transcript.fold import FLUSH_BYTES, SessionState
from ctxdash.core.transcript.records import Line, Malformed, decode_line, is_real_reply
from ctxdash.core.transcript.tail import TailState

#: Bytes read at a time, forwards and backwards.
CHUNK_BYTES = 8 * 1024 * 1024
#: Bytes of history mapped between two checks of the file's size (and released after).
WINDOW_BYTES = 16 * 1024 * 1024
#: Below this size a transcript is parsed from its first byte (nothing to gain).
MIN_FILE_BYTES = 1024 * 1024
#: A live window longer than this is not previewed (reading it is most of a full parse).
PREVIEW_MAX_BYTES = 64 * 1024 * 1024
#: Lines at least this long that carry tool results are skimmed, not decoded.
SKIP_MIN_BYTES = 8 * 1024
#: Per-line allowance over the line's own length in the waiting-bytes bound (framing added
#: to a recorded attachment's text).
SLACK = 64
BOUNDARY = b'"compact_boundary"'
_TYPE = b'"type":"'
_USER = b'"type":"user"'
_TOOL_RESULT = b'"tool_result"'
_OPEN, _CLOSE = ord("{"), ord("}")
_WS = b" \t\r"
#: Identity fields ``SessionState`` keeps from the last line that has them.
TOUCHED = ("timestamp", "sessionId", "cwd", "gitBranch", "version")
_STATE_FIELD = {
    "timestamp": "last_timestamp",
    "sessionId": "session_id",
    "cwd": "cwd",
    "gitBranch": "git_branch",
    "version": "version",
}


class Start:
    """A state filled up to the last clean boundary, and where the tail goes on from."""

    def __init__(self, state: SessionState, tail: TailState) -> None:
        self.state = state
        self.tail = tail


def cold_start(path: Path | str, *, sidechain: bool = False) -> Start | None:
    """Fill a fresh state with everything before the last clean boundary.

    Returns ``None`` when a parse from the first byte is needed anyway (small file, no
    boundary, or history the skim cannot reproduce exactly). The caller then reads on from
    ``tail.offset`` (the boundary's line) as it reads any appended lines.

    Raises:
        OSError: the file cannot be read.
    """
    with open_regular(path) as fh:  # never waits on a FIFO or a device
        st = os.fstat(fh.fileno())
        if st.st_size < MIN_FILE_BYTES:
            return None
        start = find_start(fh, st.st_size, sidechain)
        if not start:
            return None
        state = SessionState(sidechain=sidechain)
        if not _Skim(fh, state).run(start):
            return None
    tail = TailState(path=str(path), inode=st.st_ino, device=st.st_dev, offset=start)
    return Start(state, tail)


def live_window(path: Path | str, *, sidechain: bool = False) -> SessionState | None:
    """A state folded from the last clean boundary to the end, the history left unread.

    A preview for the dashboard, shown while the whole parse runs: the request size, the
    items in the context and the memory are read as in a full parse, but whatever the
    history settles (compactions, the growth series, the static part measured on the
    session's first request, the title) is missing or estimated from the window. ``None``
    when there is nothing to gain: a small file, no boundary, or a window itself too long
    to read quickly.

    Raises:
        OSError: the file cannot be read.
    """
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < MIN_FILE_BYTES:
            return None
        start = find_start(fh, size, sidechain)
        if not start or size - start > PREVIEW_MAX_BYTES:
            return None
        fh.seek(start)
        data = fh.read(size - start)
    end = data.rfind(b"\n")
    state = SessionState(sidechain=sidechain)
    if end >= 0:
        state.feed_bytes(data[:end].split(b"\n"))
    return state


# ---------------------------------------------------------------------- the boundary
def find_start(fh: BinaryIO, size: int, sidechain: bool) -> int | None:
    """Offset of the line of the last clean ``compact_boundary`` of the chain, if any.

    Searches backwards chunk by chunk (hits split over two chunks are found: chunks overlap
    by the pattern's length); each hit is checked by decoding its whole line. A line not yet
    ended by a newline is still being written and is not a line yet.
    """
    hi = size
    keep = len(BOUNDARY) - 1
    while hi > 0:
        lo = max(0, hi - CHUNK_BYTES)
        fh.seek(lo)
        block = fh.read(min(size, hi + keep) - lo)
        end = len(block)
        while True:
            at = block.rfind(BOUNDARY, 0, end)
            if at < 0:
                break
            bounds = _line_around(fh, lo + at, size)
            if bounds is not None and _is_clean_boundary(fh, *bounds, sidechain):
                return bounds[0]
            end = at + len(BOUNDARY) - 1
        hi = lo
    return None


def _line_around(fh: BinaryIO, pos: int, size: int) -> tuple[int, int] | None:
    """``(start, end)`` of the complete line holding byte ``pos`` (``end``: its newline)."""
    step = 64 * 1024
    start = pos
    while start > 0:
        lo = max(0, start - step)
        fh.seek(lo)
        nl = fh.read(start - lo).rfind(b"\n")
        if nl >= 0:
            start = lo + nl + 1
            break
        start = lo
    end = pos
    while end < size:
        fh.seek(end)
        block = fh.read(step)
        nl = block.find(b"\n")
        if nl >= 0:
            return start, end + nl
        end += len(block)
        if not block:
            break
    return None


def _is_clean_boundary(fh: BinaryIO, start: int, end: int, sidechain: bool) -> bool:
    fh.seek(start)
    line = decode_line(fh.read(end - start))
    if isinstance(line, Malformed):
        return False
    if line.type != "system" or line.subtype != "compact_boundary":
        return False
    if bool(line.isSidechain) != sidechain:
        return False
    return not _preserves(line)


def _preserves(line: Line) -> bool:
    meta = line.compactMetadata
    kept = meta.preservedMessages if meta else None
    return bool(kept and (kept.allUuids or kept.uuids))


# ---------------------------------------------------------------------- the skim
class _Skim:
    """Fold the history into a state, skipping long tool-result lines."""

    def __init__(self, fh: BinaryIO, state: SessionState) -> None:
        self.fh = fh
        self.state = state
        #: Upper bound of the bytes a parse from the first byte would have waiting.
        self.bound = 0
        #: Skipped lines after the last decoded line that set every identity field.
        self.pending: list[tuple[int, int]] = []
        #: Offset of the last decoded line that set each identity field.
        self.set_at = dict.fromkeys(TOUCHED, -1)

    def run(self, end: int) -> bool:
        """Fold every line before offset ``end`` (a line start). ``False``: not exact.

        The history is mapped, not read (no copy of the bytes skimmed), a window at a time:
        pages behind are released, and the file's size is checked before each window (a
        mapped file cut short under the reader would kill it).
        """
        fh = self.fh
        with mmap.mmap(fh.fileno(), end, access=mmap.ACCESS_READ) as view:
            i = 0
            released = 0
            limit = 0
            while i < end:
                if i >= limit:
                    if os.fstat(fh.fileno()).st_size < end:
                        return False  # cut short: parse from the start
                    if i - released >= WINDOW_BYTES:
                        gone = (i - released) // mmap.PAGESIZE * mmap.PAGESIZE
                        view.madvise(mmap.MADV_DONTNEED, released, gone)
                        released += gone
                    limit = i + WINDOW_BYTES
                nl = view.find(b"\n", i, end)
                if nl < 0:
                    return False  # ``end`` is a line start: cannot happen unless cut short
                if not self._line(view, i, nl):
                    return False
                i = nl + 1
        self._settle_identity()
        return True

    def _line(self, buf: mmap.mmap, i: int, nl: int) -> bool:
        state = self.state
        counters = state.counters
        counters.lines += 1
        size = nl - i
        if size >= SKIP_MIN_BYTES and state.replies and _skippable(buf, i, nl):
            self.pending.append((i, nl))
            self.bound += size + SLACK
            return self.bound <= FLUSH_BYTES
        if not size or (buf[i] != _OPEN and not buf[i:nl].strip()):
            return True
        raw = buf[i:nl]
        rec = decode_line(raw)
        if isinstance(rec, Malformed):
            counters.malformed += 1
            if len(counters.malformed_examples) < 5:
                counters.malformed_examples.append((counters.lines, rec.reason))
            return True
        epoch = state.epoch
        state.feed(rec)
        self.bound += (2 if rec.type == "attachment" else 1) * size + SLACK
        if state.epoch != epoch:  # a boundary: what waits now is what it carried
            static = len(state.resolver.static_raw or b"")
            self.bound = static if not _preserves(rec) else self.bound + static
        if _touches(rec, state.sidechain):
            full = True
            for name in TOUCHED:
                if getattr(rec, name):
                    self.set_at[name] = i
                else:
                    full = False
            if full:
                self.pending.clear()
        return self.bound <= FLUSH_BYTES

    def _settle_identity(self) -> None:
        """Give identity fields last set by a skipped line that line's value."""
        open_fields = set(TOUCHED)
        for start, end in reversed(self.pending):
            open_fields = {n for n in open_fields if self.set_at[n] < start}
            if not open_fields:
                return
            self.fh.seek(start)
            data = self.fh.read(end - start)
            if not any(_may_set(data, name) for name in open_fields):
                continue
            rec = decode_line(data)
            if isinstance(rec, Malformed) or not _touches(rec, self.state.sidechain):
                continue
            touched = SessionState(sidechain=self.state.sidechain)
            touched._touch(rec)  # the fold's own rule for each field
            for name in list(open_fields):
                if getattr(rec, name):
                    setattr(self.state, _STATE_FIELD[name], getattr(touched, _STATE_FIELD[name]))
                    open_fields.discard(name)


def _skippable(buf: mmap.mmap, i: int, nl: int) -> bool:
    """A long line that looks like a well-formed ``user`` line carrying tool results."""
    j, k = i, nl - 1
    while j < nl and buf[j] in _WS:
        j += 1
    while k > j and buf[k] in _WS:
        k -= 1
    if buf[j] != _OPEN or buf[k] != _CLOSE:
        return False  # not framed like an object: decode it to report it exactly
    # Claude Code writes the line's own type before its message: the first type is the line's.
    at = buf.find(_TYPE, j, nl)
    return at >= 0 and buf[at : at + len(_USER)] == _USER and buf.find(_TOOL_RESULT, at, nl) >= 0


def _may_set(data: bytes, name: str) -> bool:
    """Whether a line may hold a non-empty string ``name`` (compact JSON, as Claude Code
    writes it): cheaper than decoding a long line to find out."""
    key = f'"{name}":"'.encode()
    at = data.find(key)
    while at >= 0:
        if data[at + len(key) : at + len(key) + 1] != b'"':
            return True
        at = data.find(key, at + 1)
    return False


def _touches(line: Line, sidechain: bool) -> bool:
    """Whether :meth:`SessionState.feed` takes identity fields from this line."""
    kind = line.type
    if kind in ("user", "attachment", "system"):
        return bool(line.isSidechain) == sidechain
    if kind == "assistant":
        return bool(line.isSidechain) == sidechain and is_real_reply(line)
    return False
