"""The ctxdash command: JSON interface, human output, clear errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.cli.main import main

KEYS = {
    "session_id",
    "transcript",
    "cwd",
    "model",
    "used",
    "used_source",
    "window",
    "autocompact_at",
    "level",
    "thresholds",
    "categories",
    "free",
    "reserve",
    "compactions",
    "subagents",
    "memory_files",
    "top_items",
    "growth",
    "calibration",
    "malformed_lines",
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> synth.ClaudeHome:
    h = synth.build_claude_home(
        tmp_path / "claude", seed=5, name="subagents_nested", extra_sessions=2
    )
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    return h


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_status_json_interface(home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "status", "--json", str(home.transcript))
    assert isinstance(data, dict)
    assert data.keys() >= KEYS
    assert data["used"] == home.expected.used
    assert sum(c["tokens"] for c in data["categories"]) == data["used"]
    assert data["level"] in ("ok", "warn", "critical")
    assert len(data["subagents"]) == len(home.expected.subagents)


def test_session_by_id_prefix_and_default(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = home.transcript.stem
    assert _json(capsys, "status", "--json", sid)["session_id"] == sid  # type: ignore[index]
    assert _json(capsys, "status", "--json", sid[:8])["session_id"] == sid  # type: ignore[index]
    monkeypatch.chdir(home.cwd)  # the project of the current directory, newest session
    assert _json(capsys, "status", "--json")["session_id"] == sid  # type: ignore[index]


def test_window_flag(home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "status", "--json", "--window", "1m", str(home.transcript))
    assert data["window"] == 1_000_000  # type: ignore[index]


def test_sessions_newest_first(home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(capsys, "sessions", "--json")
    assert isinstance(rows, list)
    assert len(rows) == 3
    assert rows[0]["session_id"] == home.transcript.stem
    assert rows[0]["used"] == home.expected.used
    assert [r["modified"] for r in rows] == sorted((r["modified"] for r in rows), reverse=True)


def test_human_output_without_colour(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["status", str(home.transcript), "--color", "auto"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "/ 200K" in out
    assert "Breakdown" in out
    assert main(["status", str(home.transcript), "--color", "always"]) == 0
    assert "\x1b[" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["status", "no-such-session"], "no session 'no-such-session'"),
        (["status", "/nonexistent/x.jsonl"], "no transcript at"),
    ],
)
def test_unknown_session(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_bad_config_names_key(
    home: synth.ClaudeHome,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[thresholds]\nwarn = 'x'\n")
    monkeypatch.setenv("CTXDASH_CONFIG", str(cfg))
    assert main(["status", str(home.transcript)]) == 1
    assert "thresholds.warn" in capsys.readouterr().err


def test_malformed_lines_warn_but_succeed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = synth.build_claude_home(tmp_path / "claude", seed=1, name="malformed")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    data = _json(capsys, "status", "--json", str(h.transcript))
    assert data["malformed_lines"] == h.expected.malformed_lines  # type: ignore[index]
    assert main(["status", str(h.transcript)]) == 0
    assert "malformed" in capsys.readouterr().err


def test_no_claude_data_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "nothing"))
    assert main(["status"]) == 1
    assert str(tmp_path / "nothing" / "projects") in capsys.readouterr().err


def test_empty_and_directory_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["status", "--json", str(empty)]) == 1
    assert "not a Claude Code transcript" in capsys.readouterr().err
    folder = tmp_path / "dir.jsonl"
    folder.mkdir()
    assert main(["status", str(folder)]) == 1


def test_demo_works_without_claude_code(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ctxdash", "status", "--demo", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["used"] > 0


def test_errors_never_print_a_traceback(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ctxdash", "status", str(tmp_path / "gone.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("ctxdash: ")


def test_status_text_says_under_a_minute_as_the_dashboard_does(tmp_path: Path) -> None:
    import msgspec

    from ctxdash.cli.textout import render_status
    from ctxdash.core.config import Config
    from ctxdash.core.growth import Forecast
    from ctxdash.core.status import session_budget
    from ctxdash.core.transcript.tokens import HeuristicCounter

    home = synth.build_claude_home(tmp_path / "claude", seed=2, name="basic")
    b = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    soon = Forecast(target="warn", at=150_000, tokens_left=900, turns=1, minutes=0.4)
    later = Forecast(target="critical", at=180_000, tokens_left=30_900, turns=9, minutes=17.6)
    b = msgspec.structs.replace(b, growth=msgspec.structs.replace(b.growth, forecast=[soon, later]))
    text = render_status(b)
    assert "(<1 min)" in text
    assert "(~18 min)" in text
    assert "~0 min" not in text
