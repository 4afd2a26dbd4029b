"""Forks of damaged or copied transcripts: nothing is lost silently, the result always resumes.

Each test builds its own small transcript (or a synthetic one from :mod:`ctxdash.synth`) and
damages it the way a crash, an odd tool output or a copy does.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from ctxdash.core.checkpoints import chain as chain_mod
from ctxdash.core.checkpoints.fork import ForkError, fork_session, validate_fork
from tests.test_fork import (
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
