"""Pilot tests of the dashboard: rendering, alerts once per crossing, following, keys, themes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.synth import LiveSession
from ctxdash.ui.app import CtxDashApp
from ctxdash.ui.messages import BudgetChanged, SessionSwitched
from ctxdash.ui.screens.fork import ForkPicker
from ctxdash.ui.screens.help import HelpScreen
from ctxdash.ui.screens.sessions import SessionListScreen
from ctxdash.ui.screens.summary import SummaryPreview
from ctxdash.ui.widgets.gauge import Gauge
from tests.ui_support import fixed_app, fixed_demo, screen_lines, until


def _events(app: CtxDashApp) -> list[str]:
    return list(app.get_screen_dashboard().events_log.lines)


async def _settle(app: CtxDashApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_dashboard_shows_the_budget(tmp_path: Path) -> None:
    demo = fixed_demo(20, name="render")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(60, 40)) as pilot:
        await _settle(app, pilot)
        assert app.budget is not None
        assert app.budget.used == demo.live.writer.used
        gauge = app.screen.query_one(Gauge)
        assert gauge.budget is app.budget
        rendered = str(gauge.render())
        assert "/ 200K" in rendered
        assert "OK" in rendered


async def test_alerts_fire_once_per_upward_crossing(tmp_path: Path) -> None:
    """The demo climbs past 150K and 180K, compacts, and climbs again."""
    live = LiveSession(seed=7, compact_at=196_000)
    path = tmp_path / "claude" / "projects" / "-p" / f"{live.writer.session_id}.jsonl"
    path.parent.mkdir(parents=True)
    budgets = []
    while not live.done:
        live.append_to(path)
        budgets.append(session_budget(path, config=Config(), counter=HeuristicCounter()))
    app = fixed_app(path)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    app.settings.config.bell = True
    async with app.run_test(size=(80, 40)) as pilot:
        await _settle(app, pilot)
        app._forget_session()
        start = len(_events(app))
        for budget in budgets:
            app.post_message(BudgetChanged(budget))
            await pilot.pause()
        crossings = [e for e in _events(app)[start:] if "crossed" in e]
        # Up to warn, up to critical, then a compaction resets, and the climb repeats.
        warn = [e for e in crossings if "crossed warn" in e]
        critical = [e for e in crossings if "crossed critical" in e]
        assert len(critical) == 1
        assert 1 <= len(warn) <= 2
        assert len(bells) == len(crossings)
        assert any("compacted" in e for e in _events(app))


async def test_hovering_around_a_level_does_not_flap(tmp_path: Path) -> None:
    demo = fixed_demo(41, name="flap")
    base = session_budget(demo.transcript, config=Config(), counter=HeuristicCounter())
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 40)) as pilot:
        await _settle(app, pilot)
        app._forget_session()
        app.announcer.primed = True
        before = len([e for e in _events(app) if "crossed warn" in e])
        for used in (149_000, 151_000, 149_500, 150_500, 148_000, 151_000, 140_000, 152_000):
            app.post_message(BudgetChanged(_with_used(base, used)))
            await pilot.pause()
        warn = [e for e in _events(app) if "crossed warn" in e][before:]
        assert [w.rsplit(" ", 1)[-1] for w in warn] == ["151K", "152K"]  # re-armed below 145K


def _with_used(budget, used: int):  # type: ignore[no-untyped-def]
    import msgspec

    return msgspec.structs.replace(
        budget, used=used, growth=msgspec.structs.replace(budget.growth, series=[])
    )


async def _wait_screen(pilot, kind) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, kind):
            return
    raise AssertionError(f"{kind.__name__} did not open")


async def test_keys_actions_help_and_theme(tmp_path: Path) -> None:
    demo = fixed_demo(12, name="keys")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("snapshot at" in e for e in _events(app))
        await pilot.press("f")
        await _wait_screen(pilot, ForkPicker)
        await pilot.press("escape")
        await pilot.press("c")
        await _wait_screen(pilot, SummaryPreview)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("summary (" in e and "OSC 52" in e for e in _events(app))
        before = app.theme
        await pilot.press("t")
        assert app.theme != before
        await pilot.press("question_mark")
        await _wait_screen(pilot, HelpScreen)
        await pilot.press("escape")
        await pilot.press("l")
        await _wait_screen(pilot, SessionListScreen)
        # The session on screen is listed, although it is under no Claude folder of the user.
        listed = {Path(r.transcript) for r in app.screen.rows}  # type: ignore[attr-defined]
        assert demo.transcript in listed
        await pilot.press("escape")


async def test_fork_from_the_dashboard_copies_the_resume_command(tmp_path: Path) -> None:
    demo = fixed_demo(8, name="fork")
    original = demo.transcript.read_bytes()
    app = fixed_app(demo.transcript)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("f")
        await _wait_screen(pilot, ForkPicker)
        await pilot.press("enter")  # "at the end"
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert demo.transcript.read_bytes() == original
    assert copied
    assert copied[0].startswith("claude --resume ")
    new_id = copied[0].split()[-1]
    assert (demo.transcript.parent / f"{new_id}.jsonl").exists()


async def test_broken_theme_file_gives_one_message(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    themes = tmp_path / "cfg" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text('name = "x"\nprimary = "not-a-colour"\n')
    (themes / "typo.toml").write_text('name = "y"\nprimary = "#112233"\ncolour = 1\n')
    demo = fixed_demo(3, name="themes")
    app = fixed_app(demo.transcript, theme="y")
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        notes = [n for n in app._notifications if n.title == "Theme files"]
        assert len(notes) == 1
        assert "broken.toml" in notes[0].message
        assert "typo.toml" in notes[0].message
        assert app.theme == "ctxdash-dark"


async def test_real_watcher_updates_and_follows_clear(tmp_path: Path) -> None:
    live = LiveSession(seed=3)
    project = tmp_path / "claude" / "projects" / "-work"
    project.mkdir(parents=True)
    path = project / f"{live.writer.session_id}.jsonl"
    live.append_to(path)
    seen: list[object] = []
    app = fixed_app(path, watch=True)
    app.settings.session = None  # auto mode: follows new sessions of the project

    async def wait_for(cond, limit: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        end = loop.time() + limit
        while not cond():
            assert loop.time() < end, "timed out"
            await asyncio.sleep(0.05)

    async with app.run_test(size=(80, 30), message_hook=seen.append) as pilot:
        await wait_for(lambda: app.budget is not None)
        first = app.budget.used  # type: ignore[union-attr]
        live.append_to(path)  # append: the screen updates through the watcher
        try:
            await wait_for(lambda: app.budget is not None and app.budget.used != first)
        except AssertionError:
            raise AssertionError(
                f"{_events(app)} {[(w.name, w.state) for w in app.workers]}"
            ) from None
        assert app.budget.used == live.writer.used  # type: ignore[union-attr]
        # /clear: Claude Code starts a new session file in the same project.
        other = LiveSession(seed=4)
        new = project / f"{other.writer.session_id}.jsonl"
        other.append_to(new)
        await wait_for(lambda: any(isinstance(m, SessionSwitched) for m in seen))
        await wait_for(lambda: app.budget is not None and app.budget.session_id == new.stem)
        assert any("now following" in e for e in _events(app))
        await pilot.pause()


async def test_memory_file_edit_updates_the_dashboard(tmp_path: Path) -> None:
    """Memory folders are watched from the first open, before any parse cache exists."""
    from ctxdash import synth

    home = synth.build_claude_home(tmp_path / "claude", seed=5, name="basic")
    claude_md = Path(home.cwd) / "CLAUDE.md"
    app = fixed_app(home.transcript, watch=True)

    def tokens() -> int:
        assert app.budget is not None
        return next(m.tokens for m in app.budget.memory_files if Path(m.path) == claude_md)

    async with app.run_test(size=(80, 30)):
        await until(lambda: app.budget is not None)
        before = tokens()
        claude_md.write_text(claude_md.read_text() + "\nAlways run the linter first.\n" * 40)
        await until(lambda: tokens() > before)


async def test_help_palette_and_footer_show_the_users_keymap(tmp_path: Path) -> None:
    demo = fixed_demo(6, name="keymap")
    app = fixed_app(demo.transcript)
    app.settings.config = Config(bell=False, keymap={"snapshot": "ctrl+s", "help": "f1,h"})
    async with app.run_test(size=(70, 30)) as pilot:
        await _settle(app, pilot)
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Snapshot"] == "Freeze the session state (^s)"
        assert palette["Help"] == "Keys, panels and symbols (f1/h)"
        assert palette["Fork"] == "Fork into a new resumable session (f)"  # not remapped
        assert "f1/h help · q quit · ^p commands" in screen_lines(app)[-1]  # the narrow footer
        await pilot.press("question_mark")  # no longer the help key
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await _wait_screen(pilot, HelpScreen)
        text = app.screen.text  # type: ignore[attr-defined]
        assert "- `^s` Freeze the session state" in text
        assert "- `f1/h` Help" in text
        assert "`s` Freeze" not in text
        assert "- `?` Help" not in text
        assert "- `f` Fork into a resumable session" in text
        assert "- `^p` commands" in text
        assert "- `esc`, `?` or `q` closes a pop-up" in text
