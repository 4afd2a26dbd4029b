"""Read a hook's or the status line's standard input without ever waiting for ever.

Claude Code writes a small JSON payload and closes the pipe. A stdin that never closes (a
terminal, a stuck parent) or that streams without end must not hang ctxdash, which runs inside
Claude Code's hooks and status line: reading stops at a size cap or a deadline, whichever
comes first, and what was read so far is returned.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # not from typing: importing it costs the status line milliseconds
if TYPE_CHECKING:
    from typing import BinaryIO

#: Hook and status-line payloads are a few kilobytes; anything past this is not a payload.
STDIN_LIMIT = 1024 * 1024
#: How long to wait for the payload to be complete.
STDIN_SECONDS = 5.0


def read_bounded(
    stream: BinaryIO, *, limit: int = STDIN_LIMIT, seconds: float = STDIN_SECONDS
) -> bytes:
    """Read ``stream`` until end of file, ``limit`` bytes or ``seconds``: what was read (a
    payload cut short by the cap or the deadline is then not valid JSON, and is treated as
    none)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests): read it whole
        data: bytes = stream.read(limit + 1)
        return data[:limit]
    import select  # a C module: cheap

    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        left = deadline - time.monotonic()
        try:
            ready = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
        except (OSError, ValueError):  # not pollable here (Windows pipes): read, it is a pipe
            ready = [fd]
        if not ready:
            return b"".join(chunks)
        piece = os.read(fd, min(65536, limit + 1 - size))
        if not piece:
            return b"".join(chunks)
        chunks.append(piece)
        size += len(piece)
    return b"".join(chunks)[:limit]
