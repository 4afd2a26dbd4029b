"""Around the dashboard: the demo, themes, help, the `d` key, the palette, the session list."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Markdown

from ctxdash.core.claude.session_list import SessionRow
from ctxdash.core.config import Config
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.synth.demo import Demo
from ctxdash.ui.app import AppSettings, CtxDashApp, make_app
from ctxdash.ui.screens.dashboard import DashboardScreen
from ctxdash.ui.screens.help import HelpScreen
from ctxdash.ui.screens.sessions import SessionListScreen
from tests.ui_support import fixed_app, fixed_demo


async def _settle(app: CtxDashApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _until(cond, limit: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------------------- point 10


def test_each_demo_phase_stays_on_screen_long_enough(tmp_path: Path) -> None:
    from ctxdash.synth.demo import MIN_PHASE

    demo = Demo(base=tmp_path / "a" / "demo")
    delays = demo.delays(0.8)
    assert len(delays) == demo.turns
    # Replay the same session and add up the time spent in each phase. (Paths appear in the
    # session's text: the replay's folder is as long, so its sizes are the same.)
    replay = Demo(base=tmp_path / "b" / "demo")
    seen: dict[tuple[str, int], float] = {}
    epoch, previous = 0, 0
    replay.live = replay._session(None)
    for wait in delays:
        replay.live.step()
        used = replay.live.writer.used
        if used < previous // 2:
            epoch += 1
            phase = ("compacted", epoch)
        else:
            phase = ("critical" if used >= 180_000 else "warn" if used >= 150_000 else "ok", epoch)
        seen[phase] = seen.get(phase, 0.0) + wait
        previous = used
    assert {level for level, _ in seen} == {"ok", "warn", "critical", "compacted"}
    assert all(total >= MIN_PHASE - 1e-9 for total in seen.values()), seen


async def test_the_demo_loops_writes_real_times_and_deletes_its_folders() -> None:
    settings = AppSettings(
        config=Config(bell=False), demo=True, watch=False, demo_interval=0.01, demo_phase=0.05
    )
    app = make_app(settings, counter=HeuristicCounter())
    async with app.run_test(size=(80, 30)) as pilot:
        await _until(lambda: app._demo is not None)
        first = app._demo
        assert first is not None
        lines = [json.loads(x) for x in first.transcript.read_text().splitlines()]
        stamp = [x["timestamp"] for x in lines if "timestamp" in x][-1].replace("Z", "+00:00")
        from datetime import UTC, datetime

        assert abs((datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()) < 120
        await _until(lambda: app._demo is not first, limit=30)  # it started again
        await _until(lambda: not first.base.exists())
        second = app._demo
        assert second is not None
        assert second.base.exists()
        await pilot.pause()
    assert not second.base.exists()  # deleted on exit


# ---------------------------------------------------------------------------- point 11


async def test_t_cycles_our_themes_and_the_users_and_remembers() -> None:
    from ctxdash.core import paths

    themes = paths.user_themes_dir()
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#336699"\n')
    demo = fixed_demo(5, name="cycle")
    app = fixed_app(demo.transcript)
    seen = []
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        assert app.theme == "ctxdash-dark"
        for _ in range(4):
            await pilot.press("t")
            seen.append(app.theme)
        await pilot.press("t")
    assert seen == ["ctxdash-light", "ctxdash-cb", "mine", "ctxdash-dark"]
    again = fixed_app(demo.transcript)
    async with again.run_test(size=(80, 30)) as pilot:
        await _settle(again, pilot)
        assert again.theme == "ctxdash-light"  # the last choice, remembered


async def test_help_explains_each_panel_and_symbol_on_its_own_line() -> None:
    demo = fixed_demo(5, name="help")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one(Markdown).source
        lines = source.splitlines()
        for panel in ("Context", "Breakdown", "Events", "Growth", "Biggest items",
                      "Plan vs actual", "Memory files", "Subagents"):  # fmt: skip
            assert sum(f"**{panel}**" in line for line in lines) == 1, panel
        for symbol in ("│", "┃", "╎", "≈", "T1", "T2", "T3", "T4", "▶"):
            assert any(line.startswith(f"- `{symbol}`") for line in lines), symbol
        assert any(line.startswith("- `d`") and "asks" in line for line in lines)


async def test_d_asks_before_replacing_the_live_session() -> None:
    from ctxdash.ui.screens.confirm import Confirm

    demo = fixed_demo(5, name="ask")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("d")
        await pilot.pause(0.2)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert isinstance(app.screen, DashboardScreen)
        assert app.monitor is not None
        assert app.monitor.transcript == demo.transcript
        assert app._demo is None


async def test_the_palette_has_a_help_entry() -> None:
    demo = fixed_demo(5, name="palette")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Help" in titles
        help_cmd = next(c for c in app.get_system_commands(app.screen) if c.title == "Help")
        help_cmd.callback()
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)


# ---------------------------------------------------------------------------- point 12


def _row(n: int, modified: str, title: str, cwd: str, used: int | None) -> SessionRow:
    return SessionRow(
        session_id=f"{n:08d}-aaaa-bbbb-cccc-dddddddddddd",
        transcript=f"/x/{n}.jsonl",
        cwd=cwd,
        title=title,
        model=None,
        used=used,
        used_source="usage",
        window=200_000,
        budget=200_000,
        level="ok",
        modified=modified,
        bytes=1,
    )


ROWS = [
    _row(1, "2025-12-30T10:00:00+00:00", "Old work from last year", "/w/oldproj", 1_234),
    _row(2, "2026-03-01T09:00:00+00:00", "[bold]Fix the parser[/] and more", "/w/parser", 98_765),
    _row(3, "2026-02-11T08:00:00+00:00", "Write the README", "/w/docs", None),
]


def _cells(table: DataTable) -> list[list[Text]]:  # type: ignore[type-arg]
    return [table.get_row_at(i) for i in range(table.row_count)]


async def test_session_list_years_order_alignment_columns_and_filter() -> None:
    demo = fixed_demo(5, name="list")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        app.push_screen(SessionListScreen(list(ROWS), None))
        await pilot.pause(0.2)
        table = app.screen.query_one(DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["used", "level", "modified", "title", "project"]
        rows = _cells(table)
        dates = [str(r[2]) for r in rows]
        assert dates == ["2026-03-01 09:00", "2026-02-11 08:00", "2025-12-30 10:00"]
        assert all(r[0].justify == "right" for r in rows)
        assert str(rows[0][3]).startswith("[bold]Fix")  # a title is text, not markup
        assert str(rows[0][4]) == "parser"
        # Every column fits in the pane: nothing scrolls sideways at 80 columns.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.press("r", "e", "a", "d")
        await pilot.pause(0.2)
        assert [str(r[3]) for r in _cells(table)] == ["Write the README"]
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, SessionListScreen)


async def test_session_list_says_when_nothing_matches() -> None:
    demo = fixed_demo(5, name="empty")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        app.push_screen(SessionListScreen([], None))
        await pilot.pause(0.2)
        assert "no sessions" in "\n".join(_lines(app))
        app.pop_screen()
        app.push_screen(SessionListScreen(list(ROWS), None))
        await pilot.pause(0.2)
        await pilot.press("z", "z", "z")
        await pilot.pause(0.2)
        assert "nothing matches" in "\n".join(_lines(app))


def _lines(app: CtxDashApp) -> list[str]:
    from tests.ui_support import screen_lines

    return screen_lines(app)


async def test_fork_prompts_are_shown_as_text() -> None:
    from ctxdash.ui.screens.fork import ForkPicker

    demo = fixed_demo(5, name="forktext")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        app.push_screen(ForkPicker([("u1", "see [bold]this[/] and [link=x]that[/link]")]))
        await pilot.pause(0.2)
        assert "see [bold]this[/] and [link=x]that[/link]" in "\n".join(_lines(app))
