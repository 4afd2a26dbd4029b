"""Forks that ``claude --resume`` opens: chain, ids, bytes, cut points, provenance.

Synthetic transcripts come from :mod:`ctxdash.synth`; the real ones of ../shared/corpus are
copied to a temporary project folder first (the forks are written beside the original) and
the tests on them are skipped when the corpus is absent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ctxdash.core.atomic import ActionError
from ctxdash.core.checkpoints.fork import (
    ForkError,
    ForkResult,
    fork_session,
    seed_session,
    validate_fork,
)
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.core.transcript.tracker import load_state
from ctxdash.synth import build_claude_home
from tests.conftest import CORPUS

SCENARIOS = ["basic", "compaction", "compaction_no_reply", "subagents_inline", "malformed"]
SCENARIOS += ["subagents_nested"]
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.rglob("*.jsonl")
        if not p.name.startswith("agent-") and "subagents" not in p.parts
    )


CORPUS_FILES = _corpus_files()
needs_corpus = pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus is absent")


# ------------------------------------------------------------------------------ helpers
def _lines(path: Path | str) -> list[tuple[bytes, dict[str, Any]]]:
    out = []
    for raw in Path(path).read_bytes().split(b"\n"):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append((raw, obj))
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _used(objs: list[dict[str, Any]]) -> int | None:
    """Size of the last main-chain reply after the last boundary (what the engine reports)."""
    used = None
    for o in objs:
        if o.get("type") == "system" and o.get("subtype") == "compact_boundary":
            used = None
        msg = o.get("message")
        if o.get("type") != "assistant" or o.get("isSidechain") or not isinstance(msg, dict):
            continue
        usage = msg.get("usage")
        if not usage or msg.get("model") == "<synthetic>" or o.get("isApiErrorMessage"):
            continue
        used = sum(
            usage.get(k) or 0
            for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
    return used


def _state(path: Path | str) -> Any:
    return load_state(path, use_cache=False, counter=HeuristicCounter())


def _home(tmp_path: Path, name: str, seed: int = 7) -> Any:
    return build_claude_home(tmp_path / "claude", seed=seed, name=name)


def _check_fork(original: Path, result: ForkResult) -> list[dict[str, Any]]:
    """Every property a fork must have; returns the fork's objects."""
    path = Path(result.path)
    assert path.parent == original.parent
    assert path.name == f"{result.session_id}.jsonl"
    assert str(uuid.UUID(result.session_id)) == result.session_id
    assert result.resume_command == f"claude --resume {result.session_id}"
    assert validate_fork(path) == []
    fork = _lines(path)
    assert result.lines == len(fork)
    objs = [o for _, o in fork]
    assert all(o["sessionId"] == result.session_id for o in objs if "sessionId" in o)
    assert not any(o.get("isSidechain") for o in objs)
    dropped_types = {"file-history-snapshot", "progress", "queue-operation", "last-prompt"}
    assert not dropped_types & {o.get("type") for o in objs}
    assert objs[-2]["type"] == "custom-title"
    origin = objs[-1]
    assert origin["type"] == "ctxdash-origin"
    assert origin["forkedFrom"]["uuid"] == result.forked_from["uuid"]
    assert origin["forkedFrom"]["transcript"] == str(original)
    # the chain: the leaf is the cut point, its parents lead back to null
    messages = [o for o in objs if o.get("type") in ("user", "assistant")]
    assert messages[-1]["uuid"] == result.forked_from["uuid"]
    conv = [o for o in objs if o.get("type") in ("user", "assistant", "system", "attachment")]
    assert conv[0]["parentUuid"] is None
    by_uuid = {o["uuid"]: o for o in conv}
    node, seen = messages[-1], set()
    while node["parentUuid"] is not None:
        assert node["uuid"] not in seen
        seen.add(node["uuid"])
        node = by_uuid[node["parentUuid"]]
    # lines are the original's, byte for byte but for sessionId (and re-linked parents)
    orig = {o["uuid"]: (raw, o) for raw, o in _lines(original) if o.get("uuid")}
    for raw, o in fork:
        if "uuid" not in o:
            continue
        oraw, oo = orig[o["uuid"]]
        assert {k: v for k, v in o.items() if k not in ("sessionId", "parentUuid")} == {
            k: v for k, v in oo.items() if k not in ("sessionId", "parentUuid")
        }
        if o.get("parentUuid") == oo.get("parentUuid") and "sessionId" in oo:
            old = f'"sessionId":"{oo["sessionId"]}"'.encode()
            assert raw == oraw.replace(old, f'"sessionId":"{result.session_id}"'.encode())
        for block in (o.get("message") or {}).get("content") or []:
            if isinstance(block, dict) and block.get("type") == "thinking":
                sig = json.dumps(block["signature"]).encode()
                assert f'"signature":{sig.decode()}'.encode() in oraw
                assert f'"signature":{sig.decode()}'.encode() in raw
                twin = [
                    b
                    for b in oo["message"]["content"]
                    if isinstance(b, dict) and b.get("type") == "thinking"
                ]
                assert block in twin
    # tool calls stay paired
    uses = {
        b["id"]
        for o in messages
        for b in (o.get("message") or {}).get("content") or []
        if isinstance(b, dict) and b.get("type") == "tool_use"
    }
    results = {
        b["tool_use_id"]
        for o in messages
        for b in (o.get("message") or {}).get("content") or []
        if isinstance(b, dict) and b.get("type") == "tool_result"
    }
    assert uses == results
    # the engine reads the fork back with the size of the last kept reply
    kept = {o["uuid"] for o in conv}
    at_cut = _used([o for _, o in _lines(original) if o.get("uuid") in kept])
    assert _state(path).used == _used(objs) == at_cut
    return objs


def _uuids(path: Path, **where: Any) -> list[str]:
    return [
        o["uuid"]
        for _, o in _lines(path)
        if o.get("uuid") and all(o.get(k) == v for k, v in where.items())
    ]


def _assistant_with_tool_use(path: Path) -> dict[str, Any]:
    for _, o in _lines(path):
        content = (o.get("message") or {}).get("content")
        if (
            o.get("type") == "assistant"
            and not o.get("isSidechain")
            and isinstance(content, list)
            and any(b.get("type") == "tool_use" for b in content)
        ):
            return o
    raise AssertionError("no tool_use")


def _write_jsonl(path: Path, objs: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(json.dumps(o, separators=(",", ":")).encode() + b"\n" for o in objs))
    return path


# ------------------------------------------------------------------------------ synthetic
@pytest.mark.parametrize("name", SCENARIOS)
def test_default_fork(tmp_path: Path, name: str) -> None:
    home = _home(tmp_path, name)
    before = _digest(home.transcript)
    result = fork_session(home.transcript, now=NOW)
    assert _digest(home.transcript) == before
    objs = _check_fork(home.transcript, result)
    assert _state(result.path).used == _state(home.transcript).used == home.expected.used
    assert result.forked_from["session_id"] == home.transcript.stem
    assert objs[-1]["createdAt"] == "2026-05-01T12:00:00.000Z"
    if name == "subagents_inline":
        assert result.dropped["sidechain"] > 0
    if name in ("basic", "subagents_nested"):
        blocks = [b for o in objs for b in (o.get("message") or {}).get("content") or []]
        assert any(isinstance(b, dict) and b.get("type") == "thinking" for b in blocks)
    if name == "malformed":
        assert result.dropped["malformed"] == home.expected.malformed_lines + 1  # + torn tail


@pytest.mark.parametrize("name", SCENARIOS)
def test_last_one_drops_the_final_turn(tmp_path: Path, name: str) -> None:
    home = _home(tmp_path, name)
    before = _digest(home.transcript)
    result = fork_session(home.transcript, last=1)
    assert _digest(home.transcript) == before
    objs = _check_fork(home.transcript, result)
    prompts = [
        o["uuid"]
        for _, o in _lines(home.transcript)
        if o.get("type") == "user"
        and not o.get("isSidechain")
        and isinstance(o["message"]["content"], str)
        and not o.get("isMeta")
        and not o.get("isCompactSummary")
        and not o["message"]["content"].startswith(("<command-", "<local-command"))
    ]
    kept = {o.get("uuid") for o in objs}
    assert prompts[-1] not in kept
    assert prompts[-2] in kept
    assert _state(result.path).turn == _state(home.transcript).turn - 1


def test_cut_at_a_pending_tool_use_moves_back(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    call = _assistant_with_tool_use(home.transcript)
    result = fork_session(home.transcript, at=call["uuid"])
    assert result.forked_from["uuid"] != call["uuid"]
    objs = _check_fork(home.transcript, result)
    group = call["message"]["id"]
    assert not any((o.get("message") or {}).get("id") == group for o in objs)


def test_cut_at_a_final_reply_or_prompt_is_exact(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    finals = [
        o["uuid"]
        for _, o in _lines(home.transcript)
        if o.get("type") == "assistant" and o["message"].get("stop_reason") == "end_turn"
    ]
    prompts = _uuids(home.transcript, type="user")
    for at in (finals[0], prompts[0], prompts[3]):
        result = fork_session(home.transcript, at=at)
        assert result.forked_from["uuid"] == at
        _check_fork(home.transcript, result)
    # a unique prefix names the message too
    assert fork_session(home.transcript, at=finals[0][:13]).forked_from["uuid"] == finals[0]


def test_cut_before_a_compaction(tmp_path: Path) -> None:
    home = _home(tmp_path, "compaction")
    objs = [o for _, o in _lines(home.transcript)]
    boundary = next(i for i, o in enumerate(objs) if o.get("subtype") == "compact_boundary")
    before = [
        o
        for o in objs[:boundary]
        if o.get("type") == "assistant" and o["message"].get("stop_reason") == "end_turn"
    ][-1]
    result = fork_session(home.transcript, at=before["uuid"])
    fork = _check_fork(home.transcript, result)
    assert not any(o.get("subtype") == "compact_boundary" for o in fork)
    usage = before["message"]["usage"]
    assert _state(result.path).used == sum(
        usage[k] for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    # the default fork keeps the boundary and the history before it
    whole = _check_fork(home.transcript, fork_session(home.transcript))
    assert any(o.get("subtype") == "compact_boundary" for o in whole)
    assert before["uuid"] in {o.get("uuid") for o in whole}


def test_persisted_tool_results_are_copied(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    old = home.project_dir / home.transcript.stem / "tool-results"
    assert old.is_dir()
    result = fork_session(home.transcript)
    new = home.project_dir / result.session_id / "tool-results"
    assert sorted(p.name for p in new.iterdir()) == sorted(p.name for p in old.iterdir())
    kinds = [o.get("type") for _, o in _lines(result.path)]
    assert "content-replacement" in kinds


def test_tool_results_folder_missing_drops_replacements(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    shutil.rmtree(home.project_dir / home.transcript.stem)
    result = fork_session(home.transcript)
    assert result.dropped["content-replacement"] >= 1
    assert not (home.project_dir / result.session_id).exists()
    _check_fork(home.transcript, result)


def test_titles(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    objs = _check_fork(home.transcript, fork_session(home.transcript))
    titles = [o for o in objs if o.get("type") in ("custom-title", "ai-title", "summary")]
    assert [o["customTitle"] for o in titles] == ["Fork of gauge-flicker"]
    named = fork_session(home.transcript, title="try the other fix")
    assert _state(named.path).title == "try the other fix"


def test_existing_target_is_never_overwritten(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    before = _digest(home.transcript)
    first = fork_session(home.transcript)
    fork_digest = _digest(Path(first.path))
    with pytest.raises(ForkError, match="already exists"):
        fork_session(home.transcript, new_id=first.session_id)
    with pytest.raises(ForkError, match="already exists"):
        fork_session(home.transcript, new_id=home.transcript.stem)
    assert _digest(home.transcript) == before
    assert _digest(Path(first.path)) == fork_digest


def test_errors(tmp_path: Path) -> None:
    home = _home(tmp_path, "subagents_inline")
    with pytest.raises(ForkError, match="no message with this uuid"):
        fork_session(home.transcript, at=str(uuid.uuid4()))
    side = _uuids(home.transcript, isSidechain=True, type="assistant")[0]
    with pytest.raises(ForkError, match="sidechain"):
        fork_session(home.transcript, at=side)
    with pytest.raises(ForkError, match="lowercase UUID"):
        fork_session(home.transcript, new_id=str(uuid.uuid4()).upper())
    with pytest.raises(ForkError, match="not both"):
        fork_session(home.transcript, at=side, last=1)
    with pytest.raises(ForkError, match="one must stay"):
        fork_session(home.transcript, last=50)
    with pytest.raises(ForkError, match="not found"):
        fork_session(tmp_path / "nope.jsonl")
    assert issubclass(ForkError, ActionError)
    meta = _write_jsonl(tmp_path / "p" / f"{uuid.uuid4()}.jsonl", [{"type": "summary"}])
    with pytest.raises(ForkError, match="nothing to fork"):
        fork_session(meta)
    basic = _home(tmp_path / "b", "basic")
    system = _uuids(basic.transcript, type="system")[0]
    with pytest.raises(ForkError, match="not a user/assistant"):
        fork_session(basic.transcript, at=system)
    assert list(tmp_path.rglob("*.tmp")) == []


def _node(kind: str, uid: str, parent: str | None, sid: str, **extra: Any) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "sessionId": sid,
        "type": kind,
        "uuid": uid,
        **extra,
    }


def _reply(mid: str, block: dict[str, Any], total: int = 100) -> dict[str, Any]:
    usage = {"input_tokens": total, "cache_creation_input_tokens": 0}
    return {"message": {"id": mid, "role": "assistant", "content": [block], "usage": usage}}


def _result(tool: str) -> dict[str, Any]:
    block = {"type": "tool_result", "tool_use_id": tool, "content": "ok"}
    return {"message": {"role": "user", "content": [block]}}


def _prompt(text: str) -> dict[str, Any]:
    return {"message": {"role": "user", "content": text}}


def test_parallel_tool_results_on_side_branches(tmp_path: Path) -> None:
    """Claude Code ≥2.1 parents each parallel result on its own tool_use line."""
    sid = str(uuid.uuid4())
    use = {"type": "tool_use", "name": "Read", "input": {}}
    lines = [
        _node("user", "p1", None, sid, **_prompt("read both")),
        _node("assistant", "a1", "p1", sid, **_reply("m1", {**use, "id": "t1"}, 100)),
        _node("assistant", "a2", "a1", sid, **_reply("m1", {**use, "id": "t2"}, 100)),
        _node("user", "r2", "a2", sid, **_result("t2")),
        {"type": "progress", "uuid": "g1", "parentUuid": "r2", "sessionId": sid},
        _node("attachment", "h2", "g1", sid, attachment={"type": "hook_success"}),
        _node("user", "r1", "a1", sid, **_result("t1")),
        _node("assistant", "b1", "r1", sid, **_reply("m2", {"type": "text", "text": "ok"}, 150)),
        _node("user", "p2", "b1", sid, **_prompt("again")),
        _node("assistant", "c1", "p2", sid, **_reply("m3", {"type": "text", "text": "x"}, 170)),
        # an abandoned /rewind branch from b1
        _node("user", "q2", "b1", sid, **_prompt("no, the other one")),
        _node("assistant", "d1", "q2", sid, **_reply("m4", {"type": "text", "text": "y"}, 160)),
    ]
    path = _write_jsonl(tmp_path / "projects" / "proj" / f"{sid}.jsonl", lines)
    result = fork_session(path)
    objs = _check_fork(path, result)
    kept = ["p1", "a1", "a2", "r2", "h2", "r1", "b1", "q2", "d1"]
    assert [o.get("uuid") for o in objs[:-2]] == kept
    assert next(o for o in objs if o.get("uuid") == "h2")["parentUuid"] == "r2"  # re-linked
    assert result.dropped == {"progress": 1, "off-chain": 2}
    # cutting at one result of the pair would leave the other tool_use unanswered
    assert fork_session(path, at="r2").forked_from["uuid"] == "p1"
    assert fork_session(path, at="c1").forked_from["uuid"] == "c1"
    assert fork_session(path, at="r1").forked_from["uuid"] == "r1"
    assert fork_session(path, last=1).forked_from["uuid"] == "b1"


def test_validate_fork_reports_problems(tmp_path: Path) -> None:
    sid = str(uuid.uuid4())
    use = {"type": "tool_use", "id": "t1", "name": "Read", "input": {}}
    lines = [
        {**_node("user", "p1", None, sid, **_prompt("hi")), "isSidechain": True},
        _node("assistant", "a1", "p1", "another-session", **_reply("m1", use)),
        _node("user", "u2", "gone", sid, **_prompt("x")),
        _node("user", "c1", "c2", sid, **_prompt("y")),
        _node("user", "c2", "c1", sid, **_prompt("z")),
    ]
    path = _write_jsonl(tmp_path / f"{sid.upper()}.jsonl", lines)
    problems = "\n".join(validate_fork(path))
    for part in ("file name", "sidechain", "sessionId", "gone", "cycle", "tool_use without"):
        assert part in problems


# ------------------------------------------------------------------------------ seed
def test_seed_session(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    text = "# Summary\n\nWe fixed the gauge flicker; next: run the linter."
    result = seed_session(
        project,
        cwd="/home/dev/app",
        text=text,
        now=NOW,
        git_branch="main",
        version="2.1.112",
        forked_from={"session_id": "1234abcd-0000", "transcript": "/x.jsonl"},
    )
    path = Path(result.path)
    assert path.parent == project
    assert validate_fork(path) == []
    objs = [o for _, o in _lines(path)]
    assert result.lines == len(objs) == 3
    first = objs[0]
    assert first["parentUuid"] is None
    assert first["isSidechain"] is False
    assert first["message"] == {"role": "user", "content": text}
    assert first["cwd"] == "/home/dev/app"
    assert first["gitBranch"] == "main"
    assert first["timestamp"] == "2026-05-01T12:00:00.000Z"
    assert objs[1]["customTitle"] == "Continued from 1234abcd"
    state = _state(path)
    assert state.turn == 1  # the seeded summary is the session's one prompt
    from ctxdash.core.checkpoints.workstate import extract_work_state

    goal = extract_work_state(path).goal
    assert goal is not None
    assert goal.text.startswith(text[:80])
    assert state.used is None
    assert state.counters.malformed == 0
    with pytest.raises(ForkError, match="already exists"):
        seed_session(project, cwd="/", text="x", new_id=result.session_id)


# ------------------------------------------------------------------------------ corpus
@needs_corpus
@pytest.mark.parametrize(
    "source", CORPUS_FILES or [None], ids=lambda p: p.stem[:8] if p else "none"
)
def test_corpus_forks(tmp_path: Path, source: Path) -> None:
    before = _digest(source)
    original = tmp_path / "projects" / "proj" / source.name
    original.parent.mkdir(parents=True)
    shutil.copyfile(source, original)
    result = fork_session(original)
    _check_fork(original, result)
    leaf = [
        o["uuid"]
        for _, o in _lines(original)
        if o.get("type") in ("user", "assistant") and not o.get("isSidechain")
    ][-1]
    if result.forked_from["uuid"] == leaf:
        assert _state(result.path).used == _state(original).used
    prompts = _state(original).turn
    if prompts >= 2:
        _check_fork(original, fork_session(original, last=1))
    else:
        with pytest.raises(ForkError, match="one must stay"):
            fork_session(original, last=1)
    assert _digest(source) == before
