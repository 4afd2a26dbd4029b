"""Files that are not Claude Code transcripts get one clear line and exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctxdash.cli.main import main
from ctxdash.core.claude.session_list import list_sessions
from ctxdash.core.config import Config
from tests import transcripts as tr

JUNK = {
    "empty": b"",
    "blank": b"\n\n  \n",
    "binary": bytes(range(256)) * 8,
    "text": b"first line of notes\nsecond line\nthird line\n",
    "json without a type": b'{"a": 1}\n{"b": 2}\n',
}


@pytest.mark.parametrize("kind", list(JUNK))
@pytest.mark.parametrize("command", ["status", "snapshot", "summary", "fork"])
def test_junk_is_not_a_transcript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, command: str
) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_bytes(JUNK[kind])
    assert main([command, str(path)]) == 1
    captured = capsys.readouterr()
    assert "not a Claude Code transcript" in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_a_transcript_with_some_damage_is_still_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"garbage\n" + tr.prompt("hi") + tr.reply(20_000) + b"\x00\x01\n")
    assert main(["status", "--color", "never", str(path)]) == 0
    assert "20K / 200K budget" in capsys.readouterr().out


def test_session_list_does_not_estimate_junk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    path = root / "projects" / "-p" / "x.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(JUNK["text"])
    [row] = list_sessions(Config())
    assert row.used is None
