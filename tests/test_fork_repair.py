"""Forks of damaged or copied transcripts: nothing is lost silently, the result always resumes.

Each test builds its own small transcript (or a synthetic one from :mod:`ctxdash.synth`) and
damages it the way a crash, an odd tool output or a copy does.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from ctxdash.cli.main import main
from ctxdash.core.checkpoints import chain as chain_mod
from ctxdash.core.checkpoints.fork import ForkError, fork_session, validate_fork
from tests.test_fork import (
    _check_fork,
    _home,
    _lines,
    _node,
    _prompt,
    _reply,
    _result,
    _write_jsonl,
)

USE = {"type": "tool_use", "name": "Bash", "input": {"command": "ls"}}


def _project(tmp_path: Path) -> Path:
    return tmp_path / "claude" / "projects" / "-work-app"


def _write_raw(path: Path, lines: list[dict[str, Any] | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = [
        x if isinstance(x, bytes) else json.dumps(x, separators=(",", ":")).encode() for x in lines
    ]
    path.write_bytes(b"".join(line + b"\n" for line in out))
    return path


def _talk(sid: str) -> list[dict[str, Any]]:
    """prompt → tool call → result → reply → prompt → reply: one unbroken chain."""
    return [
        _node("user", "p1", None, sid, **_prompt("list the files")),
        _node("assistant", "a1", "p1", sid, **_reply("m1", {**USE, "id": "t1"})),
        _node("user", "r1", "a1", sid, **_result("t1")),
        _node("assistant", "b1", "r1", sid, **_reply("m2", {"type": "text", "text": "two"})),
        _node("user", "p2", "b1", sid, **_prompt("thanks")),
        _node("assistant", "c1", "p2", sid, **_reply("m3", {"type": "text", "text": "ok"})),
    ]


def _kept(result: Any) -> list[str]:
    return [o["uuid"] for _, o in _lines(result.path) if o.get("uuid")]


def _new_files(folder: Path, before: set[Path]) -> set[Path]:
    return set(folder.iterdir()) - before


# ------------------------------------------------------------------ bug 1: undecodable lines
def test_a_lone_surrogate_line_is_kept_with_the_history_before_it(tmp_path: Path) -> None:
    """``JSON.stringify`` writes half an emoji as ``\\ud83d``; Node reads it back, msgspec not."""
    sid = str(uuid.uuid4())
    objs = _talk(sid)
    objs[2]["message"]["content"][0]["content"] = "emoji cut: \ud83d"
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", list(objs))
    assert b"\\ud83d" in path.read_bytes()
    result = fork_session(path)
    assert _kept(result) == ["p1", "a1", "r1", "b1", "p2", "c1"]
    assert "malformed" not in result.dropped
    assert result.warnings == []
    _check_fork(path, result)


def test_a_deeply_nested_line_on_the_chain_is_linked_through(tmp_path: Path) -> None:
    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = list(_talk(sid))
    deep = json.dumps(_node("user", "p2", "b1", sid, **_prompt("thanks")), separators=(",", ":"))
    objs[4] = (deep[:-1] + ',"extra":' + "[" * 5000 + "]" * 5000 + "}").encode()
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    result = fork_session(path)  # no RecursionError
    assert _kept(result) == ["p1", "a1", "r1", "b1", "c1"]
    assert result.dropped["malformed"] == 1
    assert any("line 5" in w and "nested too deeply" in w for w in result.warnings)
    fork = {o["uuid"]: o for _, o in _lines(result.path) if o.get("uuid")}
    assert fork["c1"]["parentUuid"] == "b1"  # re-linked past the unreadable line
    assert validate_fork(Path(result.path)) == []


def test_an_unreadable_tool_result_leaves_no_unanswered_call(tmp_path: Path) -> None:
    """The line answering t1 is lost: the call goes too (counted), the rest of history stays."""
    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = list(_talk(sid))
    raw = json.dumps(objs[2], separators=(",", ":"))
    objs[2] = (raw[:-1] + ',"extra":' + "[" * 5000 + "]" * 5000 + "}").encode()
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    result = fork_session(path)
    assert _kept(result) == ["p1", "b1", "p2", "c1"]
    assert result.dropped["malformed"] == 1
    assert result.dropped["unanswered-tool-use"] == 1
    assert validate_fork(Path(result.path)) == []


def test_a_torn_line_that_breaks_the_chain_is_refused(tmp_path: Path) -> None:
    """The uuid of a half-written line cannot be read: say so, write nothing."""
    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = list(_talk(sid))
    objs[3] = json.dumps(objs[3], separators=(",", ":")).encode()[:60]  # b1, cut off
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    before = set(path.parent.iterdir())
    with pytest.raises(ForkError, match=r"line 4 .*cannot be read.*3 earlier"):
        fork_session(path)
    assert _new_files(path.parent, before) == set()
    # a fork that ends before the damage is fine
    assert _kept(fork_session(path, at="r1")) == ["p1", "a1", "r1"]


def test_cli_fork_reports_what_was_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = list(_talk(sid))
    objs.insert(4, b'{"type":"assistant","message":{"id":"m9","content":[{"type":"tool_use"')
    objs.append({"type": "progress", "uuid": "g1", "parentUuid": "c1", "sessionId": sid})
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    assert main(["fork", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dropped"] == {"malformed": 1, "progress": 1}
    assert len(data["warnings"]) == 1
    assert "line 5" in data["warnings"][0]
    assert main(["fork", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "left out: 1 malformed, 1 progress" in out
    assert "line 5" in err
    assert "not valid JSON" in err


# ------------------------------------------------------------------ bug 2: orphan results
def test_a_dropped_orphan_result_line_leaves_no_dangling_parent(tmp_path: Path) -> None:
    """The call t2 was on a half-written line: its result goes and its child is re-linked."""
    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = [
        _node("user", "p1", None, sid, **_prompt("list files")),
        _node("assistant", "a1", "p1", sid, **_reply("m1", {**USE, "id": "t1"})),
        b'{"type":"assistant","message":{"id":"m2","content":[{"type":"tool_use","id":"t2","na',
        _node("user", "r1", "a1", sid, **_result("t1")),
        _node("user", "r2", "r1", sid, **_result("t2")),
        _node("assistant", "b1", "r2", sid, **_reply("m3", {"type": "text", "text": "Done."})),
    ]
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    result = fork_session(path)
    assert validate_fork(Path(result.path)) == []
    assert _kept(result) == ["p1", "a1", "r1", "b1"]
    assert result.dropped == {"malformed": 1, "orphan-tool-result": 1}
    fork = {o["uuid"]: o for _, o in _lines(result.path) if o.get("uuid")}
    assert fork["b1"]["parentUuid"] == "r1"


def test_a_fork_that_would_not_resume_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = str(uuid.uuid4())
    path = _write_jsonl(_project(tmp_path) / f"{sid}.jsonl", _talk(sid))
    monkeypatch.setattr(chain_mod.Chain, "kept_parent", lambda self, rec, kept: "gone")
    before = set(path.parent.iterdir())
    with pytest.raises(ForkError, match="would not resume.*gone.*nothing was written"):
        fork_session(path)
    assert _new_files(path.parent, before) == set()


# ------------------------------------------------------------------ bug 3: copies
def test_a_fork_of_a_snapshot_copy_goes_to_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, "basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    copy = tmp_path / "data" / "snapshots" / "demo" / home.transcript.stem / "20260501"
    copy.mkdir(parents=True)
    shutil.copyfile(home.transcript, copy / "transcript.jsonl")
    result = fork_session(copy / "transcript.jsonl")
    assert Path(result.path).parent == home.project_dir
    assert validate_fork(Path(result.path)) == []
    assert result.forked_from["session_id"] == home.transcript.stem
    assert sorted(p.name for p in copy.iterdir()) == ["transcript.jsonl"]
    # the persisted tool results of the session come along
    assert (home.project_dir / result.session_id / "tool-results").is_dir()


def test_a_summary_seeded_from_a_copy_goes_to_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctxdash.core.checkpoints.actions import seed
    from ctxdash.core.config import Config

    home = _home(tmp_path, "basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    copy = tmp_path / "data" / "archives" / "demo"
    copy.mkdir(parents=True)
    shutil.copyfile(home.transcript, copy / "archived.jsonl")
    result = seed(copy / "archived.jsonl", "The summary.", config=Config())
    assert Path(result.path).parent == home.project_dir
    assert validate_fork(Path(result.path)) == []
    assert sorted(p.name for p in copy.iterdir()) == ["archived.jsonl"]


def test_a_copy_without_a_working_directory_is_refused(tmp_path: Path) -> None:
    sid = str(uuid.uuid4())
    path = _write_jsonl(tmp_path / "backup" / "transcript.jsonl", _talk(sid))
    with pytest.raises(ForkError, match="not in a Claude Code projects folder"):
        fork_session(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["transcript.jsonl"]


# ------------------------------------------------------------------ bug 4: linear walk back
def test_walking_back_over_unanswered_calls_is_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every reply ends with a call never answered: the cut walks back to the first prompt."""
    sid = str(uuid.uuid4())
    objs, parent = [], None
    for i in range(300):
        objs.append(_node("user", f"p{i}", parent, sid, **_prompt(f"prompt {i}")))
        call = _reply(f"m{i}", {**USE, "id": f"t{i}"})
        objs.append(_node("assistant", f"a{i}", f"p{i}", sid, **call))
        parent = f"a{i}"
    path = _write_jsonl(_project(tmp_path) / f"{sid}.jsonl", objs)
    calls = {"select": 0, "ancestors": 0}
    for name in calls:
        original = getattr(chain_mod.Chain, name)

        def counted(self: Any, *args: Any, _name: str = name, _f: Any = original) -> Any:
            calls[_name] += 1
            return _f(self, *args)

        monkeypatch.setattr(chain_mod.Chain, name, counted)
    result = fork_session(path)
    assert result.forked_from["uuid"] == "p0"
    assert calls["select"] <= 2
    assert calls["ancestors"] <= 5


# ------------------------------------------------------------------ a second read's findings
def test_a_parent_link_that_runs_forwards_does_not_hang_the_fork(tmp_path: Path) -> None:
    """A reply whose parent is a later line: walking back must still end."""
    import threading

    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = [
        _node("user", "U0", None, sid, **_prompt("root prompt")),
        _node("assistant", "A", "P", sid, **_reply("mG", {**USE, "id": "t1"})),
        _node("user", "P", "U0", sid, **_prompt("second prompt")),
        _node("assistant", "B", "A", sid, **_reply("mH", {**USE, "id": "t2"})),
    ]
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    done: list[object] = []

    def run() -> None:
        try:
            done.append(fork_session(path))
        except ForkError as err:
            done.append(err)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the fork never ended"
    if not isinstance(done[0], ForkError):
        assert validate_fork(Path(done[0].path)) == []  # type: ignore[attr-defined]


def test_a_cut_line_showing_a_nested_uuid_is_refused(tmp_path: Path) -> None:
    """Cut before its own uuid, a line can show one nested in a tool input: not its id."""
    sid = str(uuid.uuid4())
    objs: list[dict[str, Any] | bytes] = list(_talk(sid))
    nested = {**USE, "id": "t9", "input": {"uuid": "nested-id-123"}}
    node = _node("assistant", "b1", "r1", sid, **_reply("m2", nested))
    own = {k: v for k, v in node.items() if k != "uuid"} | {"uuid": "b1"}  # as Claude Code
    line = json.dumps(own, separators=(",", ":"))  # writes it: its own uuid after its message
    objs[3] = line[: line.index("nested-id-123") + 20].encode()  # cut after the nested id
    path = _write_raw(_project(tmp_path) / f"{sid}.jsonl", objs)
    with pytest.raises(ForkError, match="cannot be read"):
        fork_session(path)


@pytest.mark.parametrize("recorded", [12345, ["x"], "../../../../outside"])
def test_a_copy_with_a_strange_session_id_forks_under_its_own_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: object
) -> None:
    home = _home(tmp_path, "basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    lines = []
    for raw in home.transcript.read_bytes().splitlines():
        obj = json.loads(raw)
        if "sessionId" in obj:
            obj["sessionId"] = recorded
        lines.append(json.dumps(obj).encode())
    copy = tmp_path / "data" / "archives" / "copy.jsonl"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"\n".join(lines) + b"\n")
    result = fork_session(copy)
    assert Path(result.path).parent == home.project_dir
    assert validate_fork(Path(result.path)) == []
