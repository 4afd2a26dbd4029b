"""The files Claude Code re-attaches to the context right after a compaction.

After ``/compact`` (or an auto-compaction) Claude Code re-reads the files the running process
read or wrote, most recent first: at most :data:`MAX_FILES` of them, each skipped when it is
over :data:`MAX_FILE_TOKENS` tokens, until :data:`BUDGET` tokens (its own rough count, a
quarter of the characters) are used. Each goes to the model as two reminders, "Called the
Read tool with the following input: …" and "Result of calling the Read tool: …" with the
file's numbered lines as a JSON string. Versions before 2.1.1xx do not write these reminders
to the transcript, so ctxdash estimates them from the files on disk until the next reply's
size is known. A process started for print mode (a ``queue-operation`` line) remembers no
files, so it re-attaches none.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from ctxdash.core.safepath import open_regular
from ctxdash.core.transcript.attribution import FRAMING
from ctxdash.core.transcript.tokens import TokenCounter

MAX_FILES = 5
MAX_FILE_TOKENS = 5_000
BUDGET = 50_000
#: Bytes read from a file at most: more is far over the per-file limit anyway.
READ_LIMIT = 256 * 1024


def reattached_tokens(paths: Sequence[str], counter: TokenCounter, factor: float) -> int:
    """Estimated tokens of the files Claude Code re-attaches, from ``paths`` (most recent
    first). Files that cannot be read, or are not text, are skipped as Claude Code skips
    them."""
    total = budget = 0
    for path in paths[:MAX_FILES]:
        text = _read_text(path)
        if text is None:
            continue
        numbered = "\n".join(f"{n:>6}\u2192{line}" for n, line in enumerate(text.split("\n"), 1))
        if counter.count(numbered) * factor > MAX_FILE_TOKENS:
            continue
        called = "Called the Read tool with the following input: " + json.dumps(
            {"file_path": path}, ensure_ascii=False
        )
        result = "Result of calling the Read tool: " + json.dumps(numbered, ensure_ascii=False)
        rough = (len(called) + len(result)) // 4
        if budget + rough > BUDGET:
            continue
        budget += rough
        wrap = "<system-reminder>\n{}\n</system-reminder>"
        counts = counter.count_many([wrap.format(called), wrap.format(result)])
        total += round(sum(n * factor + FRAMING for n in counts))
    return total


def _read_text(path: str) -> str | None:
    """The start of a regular file named by an absolute path (the path comes from the
    transcript: a relative one, a FIFO or a device is not read, and the open never blocks)."""
    if not os.path.isabs(path):
        return None
    try:
        with open_regular(path) as fh:
            data = fh.read(READ_LIMIT + 1)
    except (OSError, ValueError):
        return None
    if len(data) > READ_LIMIT or b"\x00" in data:
        return None
    return data.decode("utf-8", "replace").removesuffix("\n")
