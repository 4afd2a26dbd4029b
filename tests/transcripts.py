"""Hand-written transcript lines, for tests that need exact sizes and nothing else."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

SID = "11111111-2222-4333-8444-555555555555"


def line(**fields: Any) -> bytes:
    """One JSONL line."""
    return json.dumps(fields).encode() + b"\n"


def prompt(text: str, *, sid: str = SID, cwd: str = "/p", n: int = 0) -> bytes:
    """A user prompt."""
    return line(
        type="user",
        uuid=str(uuid.UUID(int=n * 2 + 1)),
        parentUuid=None,
        isSidechain=False,
        sessionId=sid,
        cwd=cwd,
        version="2.1.300",
        timestamp=f"2026-03-02T12:{n // 60:02d}:{n % 60:02d}.000Z",
        message={"role": "user", "content": text},
    )


def reply(
    used: int, *, model: str = "claude-opus-5", sid: str = SID, n: int = 0, output: int = 100
) -> bytes:
    """An assistant reply whose request was ``used`` tokens."""
    return line(
        type="assistant",
        uuid=str(uuid.UUID(int=n * 2 + 2)),
        isSidechain=False,
        sessionId=sid,
        cwd="/p",
        version="2.1.300",
        timestamp=f"2026-03-02T12:{n // 60:02d}:{n % 60:02d}.500Z",
        message={
            "id": f"msg_{n}",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "ok"}],
            "usage": {
                "input_tokens": 10,
                "cache_read_input_tokens": used - 10,
                "output_tokens": output,
            },
        },
    )


def boundary(pre: int, *, trigger: str = "auto", sid: str = SID) -> bytes:
    """A compaction boundary."""
    return line(
        type="system",
        subtype="compact_boundary",
        uuid=str(uuid.uuid4()),
        sessionId=sid,
        isSidechain=False,
        compactMetadata={"trigger": trigger, "preTokens": pre},
    )


def session(
    root: Path,
    sizes: list[int],
    *,
    sid: str = SID,
    model: str = "claude-opus-5",
    project: str = "-p",
) -> Path:
    """A transcript with one prompt and reply per size, under ``root/projects/<project>``."""
    path = root / "projects" / project / f"{sid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(
        prompt(f"step {i}", sid=sid, n=i) + reply(used, model=model, sid=sid, n=i)
        for i, used in enumerate(sizes)
    )
    path.write_bytes(data)
    return path
