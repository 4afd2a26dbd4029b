"""The session list names each session as the dashboard does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.core.claude.session_list import list_sessions
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> synth.ClaudeHome:
    h = synth.build_claude_home(tmp_path / "claude", seed=4, name="basic", extra_sessions=3)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    return h


def test_a_session_without_a_title_record_is_named_by_its_first_prompt(
    home: synth.ClaudeHome,
) -> None:
    rows = list_sessions(Config())
    assert len(rows) >= 2
    for row in rows:
        budget = session_budget(Path(row.transcript), config=Config(), counter=HeuristicCounter())
        assert row.title, row.transcript
        assert row.title == budget.title, row.transcript


def test_a_title_record_names_the_session(home: synth.ClaudeHome) -> None:
    record = {"type": "custom-title", "customTitle": "Ship the parser", "sessionId": "x"}
    with home.transcript.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    titles = {r.transcript: r.title for r in list_sessions(Config())}
    assert titles[str(home.transcript)] == "Ship the parser"


def test_the_highest_title_record_wins_and_quoted_records_are_no_titles(
    home: synth.ClaudeHome,
) -> None:
    sid = home.transcript.stem
    quoted = json.dumps({"type": "custom-title", "customTitle": "quoted, not a title"})
    lines = [
        {"type": "custom-title", "customTitle": "Renamed", "sessionId": sid},
        {"type": "ai-title", "aiTitle": "An AI title", "sessionId": sid},
        {"type": "user", "sessionId": sid, "message": {"role": "user", "content": quoted}},
    ]
    with home.transcript.open("a", encoding="utf-8") as fh:
        fh.writelines(json.dumps(line) + "\n" for line in lines)
    titles = {r.transcript: r.title for r in list_sessions(Config())}
    budget = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert titles[str(home.transcript)] == budget.title == "Renamed"


def test_an_old_summary_line_names_a_session_without_titles(home: synth.ClaudeHome) -> None:
    data = home.transcript.read_bytes()
    titles_out = (b'{"type":"summary"', b'{"type":"custom-title"', b'{"type":"ai-title"')
    lines = [ln for ln in data.splitlines(keepends=True) if not ln.startswith(titles_out)]
    summary = {"type": "summary", "summary": "Old style summary", "leafUuid": "x"}
    home.transcript.write_bytes(json.dumps(summary).encode() + b"\n" + b"".join(lines))
    titles = {r.transcript: r.title for r in list_sessions(Config())}
    budget = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert titles[str(home.transcript)] == budget.title == "Old style summary"


def test_the_sessions_command_shows_titles_as_plain_text(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    from ctxdash.cli.main import main

    record = {
        "type": "custom-title",
        "customTitle": "Ship \x1b[31mit\x1b]0;x\x07",
        "sessionId": "x",
    }
    with home.transcript.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    assert main(["sessions", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "· Ship it" in out
    assert "\x1b" not in out
