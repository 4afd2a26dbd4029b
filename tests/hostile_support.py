"""Hostile transcripts, made by code: markup, escapes, traversal, odd types, odd files.

Nothing here is copied from real transcripts; every case is built from ctxdash's own generator
(:mod:`ctxdash.synth`) plus small, explicit mutations.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ctxdash import synth

#: Text a model, a tool or a web page could put in a title, a prompt, a path or a tool name.
MARKUP = ("[link=https://x]y", "[/]", "[@click=app.quit]quit", "list[int]", "[WIP]", "[b]bold")
ESCAPES = (
    "\x1b]52;c;ZXZpbA==\x07",  # clipboard write
    "\x1b]2;pwned\x1b\\",  # window title
    "\x1b[2J",  # clear screen
    "\x1b[31m",  # colour
    "\x9b31m",  # 8-bit CSI
    "\x07\x08\r",  # bell, backspace, carriage return
)
HOSTILE = "Fix " + " ".join(MARKUP) + " parsing " + "".join(ESCAPES) + " end"


def run_cli(
    *argv: str, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """``python -m ctxdash ARGV`` in a child process (the environment is the test's)."""
    return subprocess.run(
        [sys.executable, "-m", "ctxdash", *argv],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        check=False,
    )


def lines_of(path: Path) -> list[dict[str, Any]]:
    """A transcript's lines as objects (every generated line is one)."""
    return [json.loads(raw) for raw in path.read_bytes().splitlines() if raw.strip()]


def write_lines(path: Path, objs: list[dict[str, Any]]) -> None:
    """Write objects as compact JSONL (``allow_nan``: NaN and infinities are hostile too)."""
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
        for obj in objs:
            fh.write(json.dumps(obj, separators=(",", ":"), allow_nan=True) + "\n")


def hostile_session(root: Path, *, seed: int = 3, text: str = HOSTILE) -> synth.ClaudeHome:
    """A Claude root whose session carries ``text`` in its title, prompts, tool names and paths."""
    home = synth.build_claude_home(root, seed=seed, name="basic")
    objs = lines_of(home.transcript)
    sid = home.transcript.stem
    for obj in objs:
        msg = obj.get("message")
        if (
            obj.get("type") == "user"
            and isinstance(msg, dict)
            and isinstance(msg.get("content"), str)
        ):
            msg["content"] = f"{text} {msg['content'][:40]}"
        if obj.get("type") == "assistant" and isinstance(msg, dict):
            for block in msg.get("content") or []:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    block["name"] = f"mcp__{text}"
                    block["input"] = {"file_path": f"/src/{text}/list[int].py"}
    objs.append({"type": "custom-title", "customTitle": text, "sessionId": sid})
    objs.append({"type": "ai-title", "aiTitle": text, "sessionId": sid})
    write_lines(home.transcript, objs)
    return home


# ---------------------------------------------------------------------------------- fuzzer
#: Replacement values by kind: what a type-level fuzzer puts in place of a field.
def _values(r: random.Random) -> list[Any]:
    return [
        None,
        True,
        0,
        -1,
        -(2**63),
        2**64 + 1,
        10**30,
        r.randint(-(10**6), 10**6),
        1.5,
        math.nan,
        math.inf,
        -math.inf,
        "",
        "\x00",
        "a\x00b",
        "../../../../escape",
        "/etc/passwd",
        "..",
        r.choice(MARKUP),
        r.choice(ESCAPES),
        HOSTILE,
        "x" * r.randint(300, 5000),
        [],
        [r.choice(MARKUP)],
        [[[]]],
        {},
        {"type": "text", "text": r.choice(ESCAPES)},
        {"nested": {"deeper": [None, 1, "x"]}},
    ]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a decoded JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:8]):
            yield (*prefix, i)
            yield from _paths(item, (*prefix, i))


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


#: Marker replaced, when written, by a value nested a few thousand levels deep.
DEEP = "<deep>"


def mutate(objs: list[dict[str, Any]], r: random.Random, changes: int) -> list[dict[str, Any]]:
    """A copy of ``objs`` with ``changes`` random fields replaced by hostile values."""
    out = json.loads(json.dumps(objs))
    for _ in range(changes):
        obj = r.choice(out)
        keys = list(_paths(obj))
        if not keys:
            continue
        _set(obj, r.choice(keys), r.choice(_values(r)))
    if r.random() < 0.3:  # sometimes a field nested far deeper than any decoder recurses
        obj = r.choice(out)
        keys = list(_paths(obj))
        if keys:
            _set(obj, r.choice(keys), DEEP)
    return out


def write_mutated(path: Path, objs: list[dict[str, Any]]) -> None:
    """Write mutated objects; ``"<deep>"`` markers become a line nested a few thousand deep."""
    with open(path, "wb") as fh:
        for obj in objs:
            raw = json.dumps(obj, separators=(",", ":"), allow_nan=True)
            raw = raw.replace(json.dumps(DEEP), "[" * 3000 + "]" * 3000)
            fh.write(raw.encode("utf-8", "surrogatepass") + b"\n")
