"""The status line as installed: its own entry point, and a figure right after ``/compact``."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.cli import claude as cli_claude
from ctxdash.core.claude.settings_edit import is_ctxdash_command
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.integration import statusline

ROOT = Path(__file__).resolve().parents[1]


def payload_2_1_332(sid: str, transcript: Path, *, zeros: bool = False) -> dict:  # type: ignore[type-arg]
    """A 2.1.332 status-line payload; ``zeros``: as right after ``/compact``."""
    usage = {
        "input_tokens": 0 if zeros else 6,
        "output_tokens": 0 if zeros else 310,
        "cache_creation_input_tokens": 0 if zeros else 1_204,
        "cache_read_input_tokens": 0 if zeros else 41_977,
    }
    return {
        "session_id": sid,
        "transcript_path": str(transcript),
        "cwd": "/p",
        "model": {"id": "claude-opus-5-5", "display_name": "Opus 5.5"},
        "version": "2.1.332",
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 0.1, "total_duration_ms": 1000},
        "context_window": {
            "total_input_tokens": 0 if zeros else 43_187,
            "total_output_tokens": 0 if zeros else 310,
            "context_window_size": 1_000_000,
            "current_usage": usage,
            "used_percentage": 0 if zeros else 4,
            "remaining_percentage": 100 if zeros else 96,
        },
        "exceeds_200k_tokens": False,
        "prompt_cache": {},
        "effort": {"level": "high"},
        "thinking": {"enabled": True},
        "fast_mode": False,
        "prompt_id": "p1",
    }


def _line(payload: dict) -> str:  # type: ignore[type-arg]
    return statusline.run(None, json.dumps(payload).encode())


def test_zeros_take_the_last_reply_from_the_transcript(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    home = synth.build_claude_home(tmp_path / "claude", seed=2, name="basic")
    used = home.expected.used
    assert used
    line = _line(payload_2_1_332(home.transcript.stem, home.transcript, zeros=True))
    assert line.startswith(f"ctx {statusline._compact(used)}/200K")
    assert not line.startswith("ctx 0/")
    normal = _line(payload_2_1_332(home.transcript.stem, home.transcript))
    assert normal.startswith("ctx 43.2K/200K")


def test_zeros_right_after_compact_estimate_from_the_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    home = synth.build_claude_home(
        tmp_path / "claude", seed=2, name="compaction_no_reply_post_tokens"
    )
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    post = home.expected.post_tokens
    assert post
    sid = home.transcript.stem
    payload = payload_2_1_332(sid, home.transcript, zeros=True)
    assert _line(payload).startswith(f"ctx ≈{statusline._compact(post)}/200K ")
    # Once ctxdash has measured the session, what a compaction keeps is added (and while its
    # figures are newer than the transcript, they are used as they are).
    b = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    line = _line(payload)
    assert line.startswith(f"ctx ≈{statusline._compact(b.used)}/200K")
    # The transcript changed since (a later time: file times share the kernel's clock tick).
    later = time.time() + 5
    os.utime(home.transcript, (later, later))
    kept = sum(c.tokens for c in b.categories if c.group in ("system", "memory"))
    assert _line(payload).startswith(f"ctx ≈{statusline._compact(post + kept)}/200K")


def test_a_line_being_written_and_unreadable_transcripts(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    reply = {
        "type": "assistant",
        "message": {"model": "m", "usage": {"input_tokens": 5, "cache_read_input_tokens": 9}},
    }
    path.write_bytes(json.dumps(reply).encode() + b'\n{"type":"assistant","message":{"usa')
    assert statusline.transcript_figure(str(path)) == ("used", 14, "m")
    assert statusline.transcript_figure(str(tmp_path / "missing.jsonl")) is None
    assert statusline.transcript_figure(None) is None


def _imports_cli(args: list[str], stdin: bytes) -> tuple[bool, str]:
    code = (
        "import sys\n"
        f"sys.argv = ['ctxdash', *{args!r}]\n"
        "from ctxdash.cli.entry import main\n"
        "main()\n"
        "print('ctxdash.cli.main' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        timeout=30,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1"),
        check=True,
    )
    return out.stderr.decode().strip().endswith("True"), out.stdout.decode()


@pytest.mark.parametrize(
    "args",
    [["statusline"], ["statusline", "--wrap", "printf git"], ["statusline", "--wrap=printf git"]],
)
def test_console_script_never_imports_the_command_line(args: list[str], tmp_path: Path) -> None:
    stdin = json.dumps(payload_2_1_332("s1", tmp_path / "t.jsonl")).encode()
    imported, out = _imports_cli(args, stdin)
    assert not imported
    assert "ctx 43.2K/200K" in out
    if len(args) > 1:
        assert out.startswith("git │ ")


def test_module_entry_point(tmp_path: Path) -> None:
    stdin = json.dumps(payload_2_1_332("s1", tmp_path / "t.jsonl")).encode()
    out = subprocess.run(
        [sys.executable, "-m", "ctxdash.integration.statusline", "--wrap", "printf git"],
        input=stdin,
        capture_output=True,
        timeout=30,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1"),
        check=True,
    )
    assert out.stdout.decode().startswith("git │ ctx 43.2K/200K")


def test_install_writes_the_fast_entry_point(tmp_path: Path) -> None:
    command = cli_claude.statusline_command()
    words = shlex.split(command)
    assert words[:2] == [sys.executable, "-c"]
    assert words[3:] == ["statusline"]
    assert "ctxdash.cli.main" not in command
    assert is_ctxdash_command(command)
    stdin = json.dumps(payload_2_1_332("s1", tmp_path / "t.jsonl")).encode()
    code = f"import sys; sys.argv[1:] = {words[3:] + ['--wrap', 'printf git']!r}; " + words[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        timeout=30,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1"),
        check=False,
    )
    assert out.stdout.decode().startswith("git │ ctx 43.2K/200K")


#: What the status line must never import: each costs milliseconds on every reply.
HEAVY = ("json", "re", "pathlib", "typing", "tempfile", "shutil", "platformdirs", "msgspec")


def test_the_status_line_imports_nothing_costly(tmp_path: Path) -> None:
    budgets = tmp_path / "state" / "budgets"
    budgets.mkdir(parents=True)
    (budgets / "s1.json").write_text('{"used": 5, "biggest": ["Read x", 900], "window": 200000}')
    code = (
        "import sys; before = set(sys.modules)\n"
        "sys.argv[1:] = ['statusline']\n"
        "from ctxdash.integration.statusline import cli\n"
        "cli()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules and m not in before))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(payload_2_1_332("s1", tmp_path / "t.jsonl")).encode(),
        capture_output=True,
        timeout=30,
        cwd=ROOT,
        env=dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            NO_COLOR="1",
            CTXDASH_STATE_DIR=str(tmp_path / "state"),
        ),
        check=True,
    )
    line, imported = out.stdout.decode().splitlines()
    assert line.startswith("ctx 43.2K/200K")
    assert "Read x 900" in line
    assert imported == "[]"
    assert (tmp_path / "state" / "statusline" / "s1.json").is_file()  # the record was written
