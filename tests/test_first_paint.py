"""The dashboard shows something at once: a reading state, then a long session's live window,
then the whole history; its one watcher notices folders created for subagents later."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.core import paths
from ctxdash.core.config import Config
from ctxdash.core.monitor import Monitor
from ctxdash.core.transcript import coldstart
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.ui.format import compact
from tests.ui_support import fixed_app, screen_lines, until

COUNTER = HeuristicCounter()


@pytest.fixture
def long_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> synth.ClaudeHome:
    """A session with several compactions, previewed although it is small."""
    monkeypatch.setattr(coldstart, "MIN_FILE_BYTES", 0)
    home = synth.build_claude_home(tmp_path / "claude", seed=3, name="big", target_bytes=4_000_000)
    assert len(home.expected.compactions) >= 2
    return home


def _monitor(path: Path) -> Monitor:
    return Monitor(path, config=Config(bell=False), counter=COUNTER)


def test_preview_reads_the_live_window_only(long_session: synth.ClaudeHome) -> None:
    monitor = _monitor(long_session.transcript)
    preview = monitor.preview()
    assert preview is not None
    assert not monitor.tracker.state.compactions  # the preview left the state alone
    assert monitor.tracker.state.used is None
    full = monitor.refresh()
    assert preview.used == full.used == long_session.expected.used
    assert preview.session_id == full.session_id
    assert len(full.compactions) >= 2
    # The window opens with the last compaction; the history before it is not read.
    assert len(preview.compactions) == 1 < len(full.compactions)
    assert preview.compactions[-1].timestamp == full.compactions[-1].timestamp


def test_no_preview_when_the_parse_is_saved_or_the_file_small(
    long_session: synth.ClaudeHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    _monitor(long_session.transcript).refresh()  # saves the parse state
    assert _monitor(long_session.transcript).preview() is None
    monkeypatch.setattr(coldstart, "MIN_FILE_BYTES", 10**9)
    (Path(long_session.transcript).parent / "x").mkdir()
    fresh = synth.build_claude_home(
        Path(long_session.transcript).parent / "x" / "claude", seed=4, name="basic"
    )
    assert _monitor(fresh.transcript).preview() is None


async def test_reading_then_preview_then_history(
    long_session: synth.ClaudeHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing blocks the first frames: each step is held until the test lets it go."""
    gates = {"preview": threading.Event(), "refresh": threading.Event()}
    for name, gate in gates.items():
        original = getattr(Monitor, name)

        def held(self, *args, _original=original, _gate=gate):  # type: ignore[no-untyped-def]
            assert _gate.wait(20), "never released"
            return _original(self, *args)

        monkeypatch.setattr(Monitor, name, held)
    app = fixed_app(long_session.transcript, watch=True)

    def title() -> str:
        return screen_lines(app)[0]

    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.budget is None
            assert "reading" in title()
            gates["preview"].set()
            await until(lambda: app.budget is not None)
            await pilot.pause()
            assert app.previewing
            assert "reading the history" in title()
            assert f" {compact(long_session.expected.used)}/" in title()
            events = list(app.get_screen_dashboard().events_log.lines)
            assert not any("watching" in e for e in events)  # said once the history is read
            preview = app.budget
            gates["refresh"].set()
            await until(lambda: not app.previewing)
            await pilot.pause()
            assert app.budget is not None
            assert app.budget is not preview
            assert app.budget.used == preview.used
            assert app.budget.compactions
            assert "reading the history" not in title()
            assert any("watching" in e for e in app.get_screen_dashboard().events_log.lines)
    finally:
        for gate in gates.values():
            gate.set()


async def test_a_subagent_folder_created_later_is_watched(tmp_path: Path) -> None:
    home = synth.build_claude_home(tmp_path / "claude", seed=5, name="subagents_nested")
    folder = home.project_dir / home.transcript.stem
    assert folder.is_dir()
    aside = tmp_path / "aside"
    shutil.move(folder, aside)  # the session's folder does not exist when the app opens
    app = fixed_app(home.transcript, watch=True)

    async with app.run_test(size=(80, 30)):
        await until(lambda: app.budget is not None)
        assert not app.budget.subagents  # type: ignore[union-attr]
        shutil.move(aside, folder)  # Claude Code starts the first subagent
        await until(lambda: app.budget is not None and bool(app.budget.subagents))


def test_only_changes_that_may_matter_reach_the_loop(long_session: synth.ClaudeHome) -> None:
    monitor = _monitor(long_session.transcript)
    monitor.watch_paths()
    session = monitor.session_dir
    assert monitor.may_matter(str(long_session.transcript))
    assert monitor.may_matter(str(long_session.transcript.with_name("another-session.jsonl")))
    assert monitor.may_matter("/anywhere/CLAUDE.md")
    assert monitor.may_matter("/anywhere/.claude/settings.json")
    assert monitor.may_matter(str(paths.state_dir() / "events.jsonl"))
    assert monitor.may_matter(str(session / "subagents"))
    assert monitor.may_matter(str(session / "subagents" / "agent-1.jsonl"))
    assert not monitor.may_matter("/tmp/build/output.o")
    assert not monitor.may_matter("/tmp/other-tool/cache.json")
    assert not monitor.may_matter("/tmp/other-tool/log.jsonl")
    assert not monitor.may_matter(str(session) + "-other")
    (session / "subagents").mkdir(parents=True)
    assert monitor.needs_rewatch({session / "subagents"})
    monitor.watch_paths()
    assert not monitor.needs_rewatch({session / "subagents"})
    assert not monitor.needs_rewatch({long_session.transcript})


async def test_the_preview_does_not_wait_for_the_tokenizer(
    long_session: synth.ClaudeHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tokenizer takes a while to load: the first budget on screen does not wait."""
    from ctxdash.core.transcript import tokens
    from ctxdash.ui.app import AppSettings, make_app

    loaded = threading.Event()

    def slow_counter() -> HeuristicCounter:
        assert loaded.wait(20), "never released"
        return COUNTER

    monkeypatch.setattr(tokens, "default_counter", slow_counter)
    app = make_app(
        AppSettings(config=Config(bell=False), transcript=long_session.transcript, watch=True)
    )
    try:
        async with app.run_test(size=(100, 30)):
            for _ in range(400):
                if app.budget is not None:
                    break
                await asyncio.sleep(0.025)
            assert app.budget is not None
            assert app.previewing
            assert app.budget.used == long_session.expected.used
            loaded.set()
            for _ in range(400):
                if not app.previewing:
                    break
                await asyncio.sleep(0.025)
            assert not app.previewing
    finally:
        loaded.set()
