"""A cold start from the last compaction gives the same state as a parse from the first byte.

The skim of the history and the reverse search for the boundary are checked against the
plain parse (``Tracker(cold=False)``) on generated sessions with many compactions, on
Claude Code 2.1.3xx records (request shapes, rendered attachments, preserved messages), on
odd input, and on the real transcripts of ../shared/corpus when it is there.
"""

from __future__ import annotations

import random
from pathlib import Path

import msgspec
import pytest

from ctxdash import synth
from ctxdash.core.transcript import coldstart
from ctxdash.core.transcript import fold as session
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.core.transcript.tracker import Tracker
from tests.conftest import CORPUS

COUNTER = HeuristicCounter()
_ENC = msgspec.json.Encoder()


@pytest.fixture(autouse=True)
def _small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cold-start small files and skim short lines, so small fixtures exercise every path."""
    monkeypatch.setattr(coldstart, "MIN_FILE_BYTES", 0)
    monkeypatch.setattr(coldstart, "SKIP_MIN_BYTES", 512)


def _both(path: Path, **kw: object) -> tuple[Tracker, Tracker]:
    cold = Tracker(path, use_cache=False, counter=COUNTER, cold=True, **kw)  # type: ignore[arg-type]
    cold.poll()
    full = Tracker(path, use_cache=False, counter=COUNTER, cold=False, **kw)  # type: ignore[arg-type]
    full.poll()
    return cold, full


def _assert_same(cold: Tracker, full: Tracker) -> None:
    a, b = msgspec.to_builtins(cold.state), msgspec.to_builtins(full.state)
    for key in b:
        assert a[key] == b[key], key
    assert _ENC.encode(cold.state) == _ENC.encode(full.state)
    assert _ENC.encode(cold.tail.state) == _ENC.encode(full.tail.state)


def _big(seed: int, size: int, **kw: object) -> list[bytes]:
    w = synth.scenario("big", seed=seed, target_bytes=size, **kw)  # type: ignore[arg-type]
    assert len(w.expected().compactions) >= 2
    return w.content().splitlines(keepends=True)


def _boundaries(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if b'"subtype":"compact_boundary"' in line]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_many_compactions(tmp_path: Path, seed: int) -> None:
    lines = _big(seed, 4_000_000)
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join(lines))
    cold, full = _both(path)
    assert cold.started_at == sum(len(x) for x in lines[: _boundaries(lines)[-1]])
    _assert_same(cold, full)


def _obj(line: bytes) -> dict:  # type: ignore[type-arg]
    return msgspec.json.decode(line)  # type: ignore[no-any-return]


def _enc(obj: object) -> bytes:
    return msgspec.json.encode(obj) + b"\n"


def _recent(lines: list[bytes]) -> list[bytes]:
    """Lines as Claude Code 2.1.3xx writes them around every request.

    Request shapes (system prompt and tools) before replies, attachments with the text they
    sent, a partial compaction that preserves messages, an unknown record type, malformed
    lines, and identity fields that only the history's last lines set (a non-git stretch with
    an empty ``gitBranch``, then branches, then a detached ``HEAD``).
    """
    rng = random.Random(7)
    bounds = set(_boundaries(lines))
    start = sorted(bounds)[-2]
    detached = max(i for i in range(start) if _obj(lines[i]).get("type") == "user")
    out: list[bytes] = []
    last_user: str | None = None
    n_shape = 0
    for i, line in enumerate(lines):
        obj = _obj(line)
        if obj.get("type") in ("user", "assistant", "system", "attachment"):
            obj["version"] = "2.1.332"
            if i < len(lines) // 2 or i >= start or obj["type"] != "user":
                obj["gitBranch"] = ""  # the live window leaves the branch to the history
            else:  # the last line that has one wins; "HEAD" (detached, no repo) means none
                obj["gitBranch"] = "HEAD" if i == detached else f"b{i}"
            line = _enc(obj)
        if obj.get("type") == "assistant" and rng.random() < 0.15:
            n_shape += 1
            shape = {
                "system": [{"type": "text", "text": f"You are Claude Code, prompt {n_shape % 3}."}],
                "tools": [
                    {"name": "Read", "description": "Read a file " * 20, "input_schema": {}},
                    {"name": "mcp__x__y", "description": "An MCP tool", "input_schema": {}},
                    {"name": "Later", "description": "deferred", "defer_loading": True},
                ],
            }
            null = rng.random() < 0.2
            out.append(_enc({"type": "api-request-shape", "shape": None if null else shape}))
        if obj.get("type") == "user" and rng.random() < 0.2:
            out.append(
                _enc(
                    {
                        "type": "attachment",
                        "isSidechain": False,
                        "uuid": f"att-{i}",
                        "timestamp": obj.get("timestamp"),
                        "sessionId": obj.get("sessionId"),
                        "version": "2.1.332",
                        "attachment": {"type": "skill_listing", "content": "skills " * 40},
                        "rendered": [{"content": "<system-reminder>skills</system-reminder>"}],
                        "renderedRole": rng.choice(["system", "user", None]),
                    }
                )
            )
        if i in bounds and i == max(bounds) and last_user:
            obj["compactMetadata"]["preservedMessages"] = {"allUuids": [last_user]}
            line = _enc(obj)
        if obj.get("type") == "user":
            last_user = obj.get("uuid")
        out.append(line)
        if i == 40:
            out += [b'{"type":"mystery-record","x":1}\n', b"[1,2]\n", b'{"type":"user",\n', b"\n"]
    return out


def test_recent_records_and_a_partial_compaction(tmp_path: Path) -> None:
    lines = _recent(_big(4, 5_000_000))
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    cold, full = _both(path)
    bounds = _boundaries(lines)
    # The last boundary preserves messages: the start is the one before it.
    assert cold.started_at == sum(len(x) for x in lines[: bounds[-2]])
    assert full.state.resolver.shape_seen
    assert full.state.resolver.rendered_seen
    assert full.state.git_branch is None  # "HEAD" on the history's last line, after branches
    assert full.state.counters.malformed == 2
    assert full.state.counters.unknown_types == {"mystery-record": 1}
    _assert_same(cold, full)


def test_subagent_transcript(tmp_path: Path) -> None:
    w = synth.scenario("big", seed=5, target_bytes=3_000_000)
    lines = []
    for line in w.content().splitlines(keepends=True):
        obj = _obj(line)
        if "isSidechain" in obj:
            obj["isSidechain"] = True
            obj["agentId"] = "a1"
        lines.append(_enc(obj))
    path = tmp_path / "agent-a1.jsonl"
    path.write_bytes(b"".join(lines))
    cold, full = _both(path)
    assert cold.started_at > 0
    _assert_same(cold, full)


@pytest.mark.parametrize("chunk", [29, 31, 1000, 4096])
def test_boundary_split_over_chunks_and_a_line_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(coldstart, "CHUNK_BYTES", chunk)
    lines = _big(6, 2_500_000)
    last = _boundaries(lines)[-1]
    # A boundary still being written (no newline yet) is not a line: the start stays put.
    tail = lines[last][: len(lines[last]) // 2 + 20]
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(lines) + tail)
    cold, full = _both(path)
    assert cold.started_at == sum(len(x) for x in lines[:last])
    _assert_same(cold, full)
    with open(path, "ab") as fh:  # the line is finished, and more follows
        fh.write(lines[last][len(tail) :] + b"".join(lines[last + 1 :][:20]))
    cold.poll()
    full.poll()
    _assert_same(cold, full)


def test_boundary_text_inside_a_message_is_not_a_boundary(tmp_path: Path) -> None:
    lines = _big(7, 2_500_000)
    fake = {
        "type": "user",
        "isSidechain": False,
        "message": {"role": "user", "content": [{"type": "tool_result", "content": "x"}]},
        "toolUseResult": {"type": "system", "subtype": "compact_boundary"},
    }
    lines.append(_enc(fake))
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(lines))
    cold, full = _both(path)
    assert cold.started_at == sum(len(x) for x in lines[: _boundaries(lines)[-2]])
    _assert_same(cold, full)


def test_history_that_could_have_been_resolved_early_is_parsed_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Waiting content is resolved early past FLUSH_BYTES; a skim cannot replay that.
    monkeypatch.setattr(session, "FLUSH_BYTES", 200_000)
    monkeypatch.setattr(coldstart, "FLUSH_BYTES", 200_000)
    lines = _big(8, 3_000_000)
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"".join(lines))
    cold, full = _both(path)
    assert cold.started_at == 0
    _assert_same(cold, full)


def test_no_boundary_and_tiny_files_parse_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "b.jsonl"
    path.write_bytes(synth.scenario("basic", seed=1).content())
    cold, full = _both(path)
    assert cold.started_at == 0
    _assert_same(cold, full)
    monkeypatch.setattr(coldstart, "MIN_FILE_BYTES", 10**9)
    path.write_bytes(b"".join(_big(9, 2_500_000)))
    cold, full = _both(path)
    assert cold.started_at == 0
    _assert_same(cold, full)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
@pytest.mark.parametrize(
    "path",
    sorted(CORPUS.rglob("*.jsonl")) if CORPUS.is_dir() else [],
    ids=lambda p: p.name[:12],
)
def test_corpus(path: Path) -> None:
    cold, full = _both(path)
    _assert_same(cold, full)
