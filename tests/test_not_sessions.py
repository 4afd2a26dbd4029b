"""Files in a project folder that are not sessions: resume leftovers and warm-up sidechains."""

from __future__ import annotations

import json
from pathlib import Path

from ctxdash.core.claude.discover import subagent_files, transcript_problem
from ctxdash.core.claude.session_list import list_sessions
from ctxdash.core.config import Config

SID = "11111111-2222-3333-4444-555555555555"


def _line(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"))


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / ".claude" / "projects" / "-work-proj"
    folder.mkdir(parents=True)
    real = folder / f"{SID}.jsonl"
    real.write_text(
        _line(
            type="user",
            sessionId=SID,
            uuid="u1",
            parentUuid=None,
            cwd="/work/proj",
            message={"role": "user", "content": "hello"},
        )
        + "\n"
    )
    return folder


def test_resume_leftovers_are_not_listed(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    empty = folder / "22222222-2222-3333-4444-555555555555.jsonl"
    empty.write_bytes(b"")
    titles = folder / "33333333-2222-3333-4444-555555555555.jsonl"
    titles.write_text(_line(type="summary", summary="Fix the tests", leafUuid="u1") + "\n")
    rows = list_sessions(Config(), roots=[tmp_path / ".claude"])
    assert [r.session_id for r in rows] == [SID]
    assert "empty" in (transcript_problem(empty) or "")
    assert "title lines" in (transcript_problem(titles) or "")
    assert transcript_problem(folder / f"{SID}.jsonl") is None


def test_warmup_sidechains_are_not_subagents(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    for agent, prompt in (("a1111111", "Warmup"), ("a2222222", "Read notes.txt")):
        (folder / f"agent-{agent}.jsonl").write_text(
            _line(
                type="user",
                isSidechain=True,
                sessionId=SID,
                agentId=agent,
                uuid="s1",
                parentUuid=None,
                message={"role": "user", "content": prompt},
            )
            + "\n"
        )
    found = subagent_files(folder / f"{SID}.jsonl", SID)
    assert [f.agent_id for f in found] == ["a2222222"]


def test_status_says_what_a_leftover_is(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = _project(tmp_path)
    titles = folder / "33333333-2222-3333-4444-555555555555.jsonl"
    titles.write_text(_line(type="summary", summary="Fix the tests", leafUuid="u1") + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "ctxdash", "status", str(titles)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "only title lines" in proc.stderr
    assert "Traceback" not in proc.stderr
