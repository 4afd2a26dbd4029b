"""Options before a subcommand, errors for unknown sessions, stdout output, hooks status."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ctxdash.cli.main import main
from tests import transcripts as tr


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "claude"
    root.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    return root


def test_session_before_the_subcommand_is_honoured(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tr.session(claude, [10_000], sid="aaaaaaaa-2222-4333-8444-555555555555")
    tr.session(claude, [20_000], sid="bbbbbbbb-2222-4333-8444-555555555555")
    old = time.time() - 100
    os.utime(first, (old, old))  # not the newest: only --session picks it
    assert main(["--session", "aaaaaaaa", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["used"] == 10_000
    assert main(["--session", "aaaaaaaa", "--window", "1m", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["window_source"] == "flag"
    assert main(["--session", "aaaaaaaa", "snapshot", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["session_id"].startswith("aaaaaaaa")


def test_an_option_the_subcommand_does_not_take_is_an_error(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--session", "x", "sessions"])
    assert exit_.value.code == 2
    assert "--session does not apply to 'sessions'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--session", "a", "status", "b"])
    assert "given twice" in capsys.readouterr().err


def test_snapshots_of_an_unknown_session_is_an_error(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tr.session(claude, [10_000])
    assert main(["snapshots", "nosuch"]) == 1
    assert "no session 'nosuch'" in capsys.readouterr().err
    assert main(["snapshots", tr.SID[:8]]) == 0
    assert "(no snapshots of" in capsys.readouterr().out
    assert main(["snapshot", tr.SID]) == 0
    capsys.readouterr()
    assert main(["snapshots", tr.SID[:8]]) == 0
    assert tr.SID[:8] in capsys.readouterr().out


def test_summary_to_stdout(
    claude: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tr.session(claude, [10_000, 20_000])
    monkeypatch.chdir(tmp_path)
    assert main(["summary", "-o", "-", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("#")
    assert "archive " in captured.err
    assert not (tmp_path / "-").exists()
    assert not (Path(str(tmp_path / "data")) / "summaries").exists()


def test_hooks_status_is_words(
    claude: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["hooks", "status"]) == 0
    out = capsys.readouterr().out
    assert "ctxdash is not installed" in out
    assert "{" not in out
    assert main(["hooks", "install"]) == 0
    capsys.readouterr()
    assert main(["hooks", "status"]) == 0
    out = capsys.readouterr().out
    assert "ctxdash is installed" in out
    assert "hook PreCompact:" in out
    assert "uninstall restores the file exactly" in out
    for repr_bit in ("{'", "None", "True", "False", "[]"):
        assert repr_bit not in out
    assert main(["hooks", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["installed"] is True


def test_demos_leave_no_temporary_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    tmp = tmp_path / "demo-tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    out = subprocess.run(
        [sys.executable, "-m", "ctxdash", "status", "--demo", "--json"],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert list(tmp.iterdir()) == []


async def test_the_dashboard_demo_removes_its_folder(tmp_path: Path) -> None:
    from ctxdash.core.config import Config
    from ctxdash.core.transcript.tokens import HeuristicCounter
    from ctxdash.ui.app import AppSettings, make_app

    settings = AppSettings(config=Config(bell=False), demo=True, watch=False, demo_interval=5)
    app = make_app(settings, counter=HeuristicCounter())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause(0.3)
        base = app._demo.base  # type: ignore[union-attr]
        assert base.exists()
    assert not base.exists()
