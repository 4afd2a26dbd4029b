"""Which session the dashboard follows: Claude Code's new sessions, never ctxdash's own
forks, never the old file after /clear; alerts once per crossing per session; waiting for a
project's first session."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ctxdash.core.checkpoints.fork import fork_session, seed_session
from ctxdash.core.claude.memory import project_key
from ctxdash.core.config import Config
from ctxdash.core.monitor import Monitor
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.ui.app import AppSettings, CtxDashApp, make_app
from tests import transcripts as tr

A = "aaaaaaaa-2222-4333-8444-555555555555"
B = "bbbbbbbb-2222-4333-8444-555555555555"


def _monitor(path: Path) -> Monitor:
    return Monitor(path, config=Config(), counter=HeuristicCounter())


def _housekeeping(sid: str) -> bytes:
    return b"".join(
        tr.line(type=kind, sessionId=sid, **extra)
        for kind, extra in (
            ("last-prompt", {"lastPrompt": "hi"}),
            ("mode", {"mode": "normal"}),
            ("atis-latch", {}),
            ("cost-state", {"costUSD": 0.1}),
        )
    )


def test_after_clear_housekeeping_on_the_old_file_is_not_followed(tmp_path: Path) -> None:
    old = tr.session(tmp_path, [20_000], sid=A)
    monitor = _monitor(old)
    new = tr.session(tmp_path, [15_000], sid=B)
    assert monitor.newer_session({new}) == new
    monitor.switch(new)
    with old.open("ab") as fh:
        fh.write(_housekeeping(A))  # what Claude Code appends to the old file after /clear
    assert monitor.newer_session({old}) is None
    with old.open("ab") as fh:  # the user resumed the old session: conversation again
        fh.write(tr.prompt("back again", sid=A, n=5))
    assert monitor.newer_session({old}) == old


def test_a_fork_made_by_ctxdash_is_not_followed_until_claude_code_writes_it(
    tmp_path: Path,
) -> None:
    original = tr.session(tmp_path, [20_000, 30_000], sid=A)
    monitor = _monitor(original)
    fork = Path(fork_session(original).path)
    assert monitor.newer_session({fork}) is None
    with original.open("ab") as fh:
        fh.write(tr.prompt("more", sid=A, n=7))
    assert monitor.newer_session({original, fork}) is None  # ours: a refresh, not a switch
    with fork.open("ab") as fh:  # `claude --resume <fork>`: Claude Code writes to it
        fh.write(tr.prompt("continue in the fork", sid=fork.stem, n=9))
    assert monitor.newer_session({fork}) == fork


def test_a_seeded_session_is_not_followed(tmp_path: Path) -> None:
    original = tr.session(tmp_path, [20_000], sid=A)
    monitor = _monitor(original)
    seeded = Path(seed_session(original.parent, cwd="/p", text="summary").path)
    assert monitor.newer_session({seeded}) is None


def test_a_half_written_line_waits_for_its_end(tmp_path: Path) -> None:
    old = tr.session(tmp_path, [20_000], sid=A)
    monitor = _monitor(old)
    new = old.with_name(f"{B}.jsonl")
    line = tr.prompt("hello", sid=B)
    new.write_bytes(line[:20])
    assert monitor.newer_session({new}) is None
    new.write_bytes(line)
    assert monitor.newer_session({new}) == new


def _events(app: CtxDashApp) -> list[str]:
    return list(app.get_screen_dashboard().events_log.lines)


async def _settle(app: CtxDashApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_alerts_once_per_crossing_per_session_across_switches(tmp_path: Path) -> None:
    big = tr.session(tmp_path, [100_000, 160_000], sid=A)
    small = tr.session(tmp_path, [10_000], sid=B)
    settings = AppSettings(config=Config(bell=False), transcript=big, watch=False)
    app = make_app(settings, counter=HeuristicCounter())
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        assert sum("crossed warn" in e for e in _events(app)) == 1
        for path in (small, big, small, big):
            app.open_session(path, follow=False)
            await _settle(app, pilot)
        assert app.budget is not None
        assert app.budget.session_id == A
        assert sum("crossed warn" in e for e in _events(app)) == 1


async def test_waits_for_this_projects_first_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    tr.session(root, [50_000], sid=A, project="-elsewhere")  # another project's session
    work = tmp_path / "work" / "fresh"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    folder = root / "projects" / project_key(str(work))
    settings = AppSettings(config=Config(bell=False), watch=True)
    app = make_app(settings, counter=HeuristicCounter())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause(0.3)
        assert app.budget is None  # not another project's session
        assert any("waiting" in e for e in _events(app))
        [note] = [n for n in app._notifications if n.title == "Waiting for Claude Code"]
        assert str(folder) in note.message
        folder.mkdir(parents=True)
        first = folder / f"{B}.jsonl"
        first.write_bytes(tr.prompt("first prompt", sid=B, cwd=str(work)))
        start = time.monotonic()
        while app.budget is None or app.budget.session_id != B:
            assert time.monotonic() - start < 1.5, _events(app)
            await asyncio.sleep(0.05)
        assert any("now following bbbbbbbb" in e for e in _events(app))


async def test_the_dashboard_says_when_the_estimate_was_wrong(tmp_path: Path) -> None:
    path = tr.session(tmp_path, [100_000, 164_660], sid=A, model="claude-sonnet-4-5-20250929")
    path.write_text(path.read_text().replace('"2.1.300"', '"2.1.6"'))
    settings = AppSettings(config=Config(bell=False), transcript=path, watch=False)
    app = make_app(settings, counter=HeuristicCounter())
    async with app.run_test(size=(50, 40)) as pilot:
        await _settle(app, pilot)
        text = " ".join(_events(app))
        assert "auto-compact estimate corrected" in text
        from ctxdash.ui.widgets.gauge import Gauge

        gauge = str(app.screen.query_one(Gauge).render())
        assert "compact≈167K (learned)" in gauge
        assert "to " in gauge
        assert "reached" not in gauge
