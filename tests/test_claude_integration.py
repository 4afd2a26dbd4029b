"""Hooks and the status line, driven with payloads shaped like several Claude Code versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.cli.main import main
from ctxdash.core import exchange
from ctxdash.core.checkpoints.snapshot import list_snapshots
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.integration import hooks, statusline

SID = "5b8e0c4e-2a1f-4c3d-9e7a-0f1d2c3b4a59"

# The status-line payload as it grew over Claude Code versions.
PAYLOADS = {
    "1.0.80": {
        "session_id": SID,
        "transcript_path": "/x.jsonl",
        "cwd": "/p",
        "model": {"id": "claude-sonnet-4-20250514", "display_name": "Sonnet 4"},
        "workspace": {"current_dir": "/p", "project_dir": "/p"},
        "version": "1.0.80",
    },
    "2.0.70": {
        "session_id": SID,
        "model": {"id": "claude-sonnet-4-5-20250929"},
        "version": "2.0.70",
        "context_window": {
            "total_input_tokens": 999_999,
            "total_output_tokens": 5,
            "context_window_size": 200_000,
            "current_usage": {
                "input_tokens": 10,
                "output_tokens": 50,
                "cache_creation_input_tokens": 1_000,
                "cache_read_input_tokens": 150_000,
            },
        },
    },
    "2.1.6-null-usage": {
        "session_id": SID,
        "model": {"id": "claude-opus-4-5-20251101"},
        "version": "2.1.6",
        "context_window": {
            "context_window_size": 200_000,
            "current_usage": None,
            "used_percentage": None,
        },
    },
    "2.1.240": {
        "session_id": SID,
        "model": {"id": "claude-opus-4-6[1m]"},
        "version": "2.1.240",
        "context_window": {
            "total_input_tokens": 61_234,
            "context_window_size": 1_000_000,
            "used_percentage": 6,
            "current_usage": {
                "input_tokens": 4,
                "cache_creation_input_tokens": 2_210,
                "cache_read_input_tokens": 59_020,
            },
        },
        "exceeds_200k_tokens": False,
        "rate_limits": {},
    },
}


@pytest.mark.parametrize("version", list(PAYLOADS))
def test_statusline_payloads(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    line = statusline.run(None, json.dumps(PAYLOADS[version]).encode())
    assert "\n" not in line
    if version == "2.0.70":  # current_usage, never the cumulative total
        assert line.startswith("ctx 151K/200K 76% WARN")
    elif version == "2.1.240":
        assert line.startswith("ctx 61.2K/200K 31% OK · 1M window")
    else:
        assert line == "ctx —"
    recorded = json.loads(
        (Path(os.environ["CTXDASH_STATE_DIR"]) / "statusline" / f"{SID}.json").read_text()
    )
    assert recorded["model_id"] == PAYLOADS[version]["model"]["id"]  # type: ignore[index]


@pytest.mark.parametrize("stdin", [b"", b"not json", b"[1,2]", b"\xff\xfe"])
def test_statusline_never_fails(stdin: bytes) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ctxdash", "statusline"],
        input=stdin,
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 0
    assert b"Traceback" not in out.stderr
    assert out.stdout.strip()


def test_statusline_wraps_another_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    line = statusline.run("printf 'git:main'", json.dumps(PAYLOADS["2.1.240"]).encode())
    assert line.startswith("git:main │ ctx 61.2K/200K")


def test_statusline_shows_biggest_category_and_feeds_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    home = synth.build_claude_home(tmp_path / "claude", seed=4, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    sid = home.transcript.stem
    b = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert b.window == 200_000
    payload = {
        "session_id": sid,
        "model": {"id": "claude-sonnet-4-5-20250929[1m]"},
        "context_window": {
            "context_window_size": 1_000_000,
            "current_usage": {"input_tokens": b.used},
        },
    }
    line = statusline.run(None, json.dumps(payload).encode())
    biggest = max((c for c in b.categories if c.name != "system"), key=lambda c: c.tokens)
    assert biggest.label in line
    again = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert (again.window, again.window_source) == (1_000_000, "status line")
    # Measured on the window the status line reported: the line says what is left before
    # auto-compaction, as such (the dashboard's "compact≈" names the point itself).
    line = statusline.run(None, json.dumps(payload).encode())
    left = statusline._compact(again.autocompact_at - b.used)
    assert line.endswith(f" · to compact≈{left}")
    from ctxdash.core.claude.session_list import list_sessions

    assert [r.window for r in list_sessions(Config()) if r.session_id == sid] == [1_000_000]


def _hook(event: str, payload: object) -> str:
    return hooks.run(event, json.dumps(payload).encode())


def test_pre_compact_takes_a_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    home = synth.build_claude_home(tmp_path / "claude", seed=2, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))  # hooks read only Claude's files
    before = home.transcript.read_bytes()
    out = _hook(
        "pre-compact",
        {
            "session_id": home.transcript.stem,
            "trigger": "auto",
            "transcript_path": str(home.transcript),
            "hook_event_name": "PreCompact",
            "custom_instructions": "",
        },
    )
    assert out == ""
    snaps = list_snapshots(home.transcript.stem)
    assert len(snaps) == 1
    assert home.transcript.read_bytes() == before


def test_session_start_hands_over_a_recent_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    home = synth.build_claude_home(tmp_path / "claude", seed=6, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    assert main(["summary", str(home.transcript)]) == 0
    capsys.readouterr()
    # /clear: Claude Code starts a new session file in the same project and runs SessionStart.
    new = home.project_dir / "11111111-2222-4333-8444-555555555555.jsonl"
    payload = {
        "session_id": new.stem,
        "transcript_path": str(new),
        "cwd": home.cwd,
        "hook_event_name": "SessionStart",
        "source": "clear",
    }
    text = _hook("session-start", payload)
    assert text.startswith("Summary of the previous session")
    assert home.expected.session_id in text
    assert _hook("session-start", {**payload, "source": "startup"}) == ""
    later = time.time() + 3 * 3600
    assert hooks.session_start(payload, now=later) == ""  # too old to hand over


def test_handover_respects_the_cap(tmp_path: Path) -> None:
    summary = tmp_path / "s.md"
    summary.write_text("word " * 5_000)
    text = hooks.handover_text(summary)
    assert len(text) <= hooks.OUTPUT_CAP
    assert "s.full.md" in text
    assert (tmp_path / "s.full.md").read_text() == summary.read_text()


def test_hooks_never_block_claude_code(tmp_path: Path) -> None:
    for event in ("pre-compact", "session-start", "session-end"):
        for stdin in (b"", b"{", b"[]", json.dumps({"transcript_path": "/nope.jsonl"}).encode()):
            out = subprocess.run(
                [sys.executable, "-m", "ctxdash", "hook", event],
                input=stdin,
                capture_output=True,
                timeout=60,
            )
            assert out.returncode == 0
            assert b"Traceback" not in out.stderr


def test_session_end_is_recorded_for_the_dashboard() -> None:
    _hook("session-end", {"session_id": SID, "transcript_path": "/p/x.jsonl", "reason": "clear"})
    events = Path(exchange.events_file()).read_text().splitlines()
    last = json.loads(events[-1])
    assert last["event"] == "session-end"
    assert last["reason"] == "clear"


async def test_end_to_end_summary_clear_handover_and_follow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summary, then /clear: the new session gets the summary and the dashboard follows."""

    from tests.ui_support import fixed_app, until

    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    live = synth.LiveSession(seed=3)
    project = tmp_path / "claude" / "projects" / "-work"
    project.mkdir(parents=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    old = project / f"{live.writer.session_id}.jsonl"
    for _ in range(4):
        live.append_to(old)
    app = fixed_app(old, watch=True)

    async with app.run_test(size=(80, 30)):
        await until(lambda: app.budget is not None)
        assert main(["summary", str(old)]) == 0
        # /clear: SessionEnd for the old session, SessionStart(clear) for the new one.
        _hook(
            "session-end", {"session_id": old.stem, "transcript_path": str(old), "reason": "clear"}
        )
        other = synth.LiveSession(seed=9)
        new = project / f"{other.writer.session_id}.jsonl"
        handover = _hook(
            "session-start",
            {
                "session_id": new.stem,
                "transcript_path": str(new),
                "source": "clear",
                "cwd": "/work",
            },
        )
        assert handover.startswith("Summary of the previous session")
        assert old.stem in handover
        other.append_to(new)  # Claude Code writes the first message of the new session
        await until(lambda: app.budget is not None and app.budget.session_id == new.stem)
        log = list(app.get_screen_dashboard().events_log.lines)
        assert any("now following" in line for line in log)


def test_cli_install_dry_run_and_uninstall_restores_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    original = (
        b'{\n  "model": "opus",\n  "statusLine": {"type": "command", "command": "my-line"}\n}\n'
    )
    settings.write_bytes(original)
    assert main(["hooks", "install", "--dry-run"]) == 0
    assert "+" in capsys.readouterr().out
    assert settings.read_bytes() == original
    assert main(["hooks", "install"]) == 0
    assert main(["statusline", "install"]) == 0
    data = json.loads(settings.read_text())
    assert {"PreCompact", "SessionStart", "SessionEnd"} <= data["hooks"].keys()
    assert "statusline --wrap" in data["statusLine"]["command"]
    assert main(["hooks", "install"]) == 0  # idempotent
    assert "nothing to change" in capsys.readouterr().out
    assert main(["statusline", "uninstall"]) == 0
    assert "hooks" in json.loads(settings.read_text())  # only the status line went
    assert main(["hooks", "uninstall"]) == 0
    assert json.loads(settings.read_bytes()) == json.loads(original)
    # One install and its uninstall give the very same bytes back.
    settings.write_bytes(original)
    assert main(["hooks", "install"]) == 0
    assert main(["hooks", "uninstall"]) == 0
    assert settings.read_bytes() == original
