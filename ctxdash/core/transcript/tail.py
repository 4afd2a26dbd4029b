"""Read a growing file by byte offset, keeping a half-written last line for later.

``FileTail`` is pure, synchronous code: the watcher (or a CLI run) calls :meth:`FileTail.read`
whenever the file may have changed and gets back only the complete lines appended since.
Truncation, rewrite and replacement are detected (inode, size, and a fingerprint of the bytes
just before the offset) and reported with ``reset=True``: the caller then starts over.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import msgspec

from ctxdash.core.safepath import open_regular

#: How many bytes before the offset are fingerprinted to detect a rewrite.
FINGERPRINT_BYTES = 4096
#: Read in chunks of this size so memory stays bounded on huge files.
CHUNK_BYTES = 8 * 1024 * 1024


class TailState(msgspec.Struct, kw_only=True):
    """Where reading stopped; persisted with the parse cache."""

    path: str
    inode: int = 0
    device: int = 0
    offset: int = 0
    fingerprint: str = ""
    #: Fingerprint of the file's first bytes: an in-place rewrite of the start (same size)
    #: changes it even when the bytes before the offset stay the same.
    head: str = ""
    remainder: bytes = b""


class Chunk(msgspec.Struct, kw_only=True):
    """Complete lines read in one go.

    Attributes:
        lines: The lines, without their newline.
        start: Byte offset of the first line in the file.
        reset: ``True`` when the file was truncated or replaced: forget what was read before.
    """

    lines: list[bytes | memoryview]
    start: int
    reset: bool = False


def _fingerprint(fh: object, offset: int) -> str:
    return _fingerprint_range(fh, max(0, offset - FINGERPRINT_BYTES), offset)


def _head(fh: object) -> str:
    return _fingerprint_range(fh, 0, FINGERPRINT_BYTES)


def _fingerprint_range(fh: object, start: int, end: int) -> str:
    fh.seek(start)  # type: ignore[attr-defined]
    return hashlib.blake2b(fh.read(end - start), digest_size=12).hexdigest()  # type: ignore[attr-defined]


def _split(head: bytes, data: bytes, cut: int) -> list[bytes | memoryview]:
    """Lines of ``head + data[:cut]`` as zero-copy views (only the first line is joined)."""
    view = memoryview(data)
    nl = data.find(b"\n")
    lines: list[bytes | memoryview] = [head + data[:nl] if head else view[:nl]]
    pos = nl + 1
    while pos <= cut:
        nl = data.find(b"\n", pos, cut + 1)
        lines.append(view[pos:nl])
        pos = nl + 1
    return lines


class FileTail:
    """Incremental reader of one JSONL file."""

    def __init__(self, path: Path | str, state: TailState | None = None) -> None:
        self.path = Path(path)
        self.state = state or TailState(path=str(self.path))

    def changed(self) -> bool:
        """Cheap check: could :meth:`read` return anything new?"""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return st.st_ino != self.state.inode or st.st_size != self.state.offset + len(
            self.state.remainder
        )

    def read(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
        """Yield the complete lines appended since the last call, chunk by chunk.

        Raises:
            OSError: when the file cannot be opened (missing, no permission, not a regular
                file, a symbolic-link loop).
        """
        with open_regular(self.path) as fh:
            st = os.fstat(fh.fileno())
            s = self.state
            reset = False
            if s.inode and (st.st_ino != s.inode or st.st_dev != s.device):
                reset = True  # replaced (rotated, rewritten by rename)
            elif st.st_size < s.offset + len(s.remainder):
                reset = True  # truncated
            elif s.offset and s.fingerprint and _fingerprint(fh, s.offset) != s.fingerprint:
                reset = True  # rewritten in place
            elif s.offset > FINGERPRINT_BYTES and s.head and _head(fh) != s.head:
                reset = True  # its start rewritten in place
            if reset:
                self.state = s = TailState(path=str(self.path))
            s.inode, s.device = st.st_ino, st.st_dev
            fh.seek(s.offset + len(s.remainder))
            first = True
            pending: list[bytes] = []  # pieces of one long line: joined once, not per chunk
            while True:
                data = fh.read(chunk_bytes)
                if not data:
                    break
                start = s.offset
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending.append(data)
                    continue
                if pending:
                    s.remainder = b"".join([s.remainder, *pending])
                    pending = []
                lines = _split(s.remainder, data, cut)
                s.offset += len(s.remainder) + cut + 1
                s.remainder = data[cut + 1 :]
                yield Chunk(lines=lines, start=start, reset=reset and first)
                first = False
            if pending:
                s.remainder = b"".join([s.remainder, *pending])
            if first and reset:
                yield Chunk(lines=[], start=0, reset=True)
            if s.offset:
                s.fingerprint = _fingerprint(fh, s.offset)
                if s.offset > FINGERPRINT_BYTES and not s.head:
                    s.head = _head(fh)

    def read_all(self) -> Chunk:
        """Everything new as one chunk (convenience for tests and small files)."""
        lines: list[bytes | memoryview] = []
        start, reset = self.state.offset, False
        for i, chunk in enumerate(self.read()):
            if i == 0:
                start, reset = chunk.start, chunk.reset
            lines.extend(chunk.lines)
        return Chunk(lines=lines, start=start, reset=reset)
