"""A side pane kept open all day: every size, keys in pop-ups, narrow footer and toasts."""

from __future__ import annotations

import pytest
from textual.app import App

from ctxdash.cli import main as cli
from ctxdash.ui.app import CtxDashApp
from ctxdash.ui.screens.dashboard import SHORT, TINY, DashboardScreen
from ctxdash.ui.screens.fork import ForkPicker
from ctxdash.ui.screens.help import HelpScreen
from ctxdash.ui.screens.sessions import SessionListScreen
from ctxdash.ui.screens.summary import SummaryPreview
from tests.ui_support import fixed_app, fixed_demo, screen_lines, until

SIZES = [
    (8, 4), (10, 5), (16, 6), (25, 9), (26, 16), (30, 12), (40, 30), (50, 20),
    (60, 40), (79, 24), (80, 24), (100, 30), (159, 50), (160, 50), (300, 100), (8, 4),
]  # fmt: skip


async def _settle(app: CtxDashApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _wait_screen(pilot, kind) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, kind):
            return
    raise AssertionError(f"{kind.__name__} did not open")


async def test_every_size_and_every_resize_renders() -> None:
    """From 8x4 to 300x100 and back: no crash; tiny panes show the one-line gauge."""
    demo = fixed_demo(41, name="sizes")
    used = demo.live.expected().used
    assert used is not None
    shown = f"{used / 1000:.1f}K"
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            lines = screen_lines(app)
            assert len(lines) == height
            assert all(len(line) == width for line in lines)
            text = "\n".join(lines)
            if width < TINY or height < SHORT:
                assert "%" in lines[0], lines  # the gauge line: level, size, share
                assert "Breakdown" not in text
            else:
                assert "Breakdown" in text
                assert shown in text
    assert app.return_code in (None, 0)


@pytest.mark.parametrize("key", ["question_mark", "l", "c", "f"])
async def test_resizing_a_pop_up_down_to_8_columns(key: str) -> None:
    demo = fixed_demo(12, name=f"popsize-{key}")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press(key)
        await pilot.pause(0.3)
        assert not isinstance(app.screen, DashboardScreen)
        for width, height in [(40, 20), (20, 8), (8, 4), (300, 100), (50, 30)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert len(screen_lines(app)) == height


def test_a_crash_of_the_app_exits_1(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    class Crashes(App[None]):
        def on_mount(self) -> None:
            raise ValueError("Sign not allowed in string format specifier")

        def run(self, **kwargs: object) -> None:  # type: ignore[override]
            super().run(headless=True)

    import ctxdash.ui.app

    monkeypatch.setattr(ctxdash.ui.app, "make_app", lambda settings: Crashes())
    assert cli.main([]) == 1
    out = capsys.readouterr()
    assert "Sign not allowed" in out.out + out.err


# ---------------------------------------------------------------------------- point 2


@pytest.mark.parametrize(
    ("key", "kind"),
    [("question_mark", HelpScreen), ("l", SessionListScreen), ("c", SummaryPreview),
     ("f", ForkPicker)],
)  # fmt: skip
@pytest.mark.parametrize("close", ["q", "escape"])
async def test_q_and_escape_close_a_pop_up_and_q_quits_only_the_dashboard(
    key: str, kind: type, close: str
) -> None:
    demo = fixed_demo(12, name=f"keys-{key}")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press(key)
        await _wait_screen(pilot, kind)
        await pilot.press(close)
        await pilot.pause(0.2)
        assert isinstance(app.screen, DashboardScreen)
        assert app.return_code is None  # still running
        await pilot.press("q")
        await pilot.pause(0.2)
        assert app.return_code == 0


# ---------------------------------------------------------------------------- point 8


@pytest.mark.parametrize("width", [40, 50, 60])
async def test_a_narrow_pane_has_one_line_of_keys_not_a_cut_footer(width: int) -> None:
    demo = fixed_demo(12, name=f"footer-{width}")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(width, 30)) as pilot:
        await _settle(app, pilot)
        bottom = screen_lines(app)[-1]
        assert bottom.strip().startswith("? help")
        assert "▏" not in bottom
        assert "Summar" not in bottom


async def test_a_wide_pane_shows_every_key_and_q_for_quit() -> None:
    demo = fixed_demo(12, name="footer-wide")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        bottom = screen_lines(app)[-1]
        for part in ("q Quit", "s Snapshot", "f Fork", "c Summary", "l Sessions", "t Theme",
                     "? Help"):  # fmt: skip
            assert part in bottom, bottom
        assert "^c" not in bottom


CRITICAL = (
    "126.9K of the 150K budget: critical. Snapshot (s), summary (c), fork (f), or /clear now."
)


@pytest.mark.parametrize("width", [40, 44, 50, 60, 79])
async def test_narrow_toasts_wrap_to_the_pane_and_do_not_stack(width: int) -> None:
    demo = fixed_demo(12, name="toasts")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(width, 30), notifications=True) as pilot:
        await _settle(app, pilot)
        app.clear_notifications()
        app.notify(CRITICAL, title="Context critical", severity="error")
        await pilot.pause()
        text = " ".join(line.strip(" ▌▎▐") for line in screen_lines(app))
        assert "Context critical" in text
        # the advice is on screen in full, wrapped at word boundaries
        assert "Snapshot (s), summary (c), fork (f), or /clear now." in " ".join(text.split())
        app.notify("[bold]not markup[/]")
        await pilot.pause()
        toast_rows = [line for line in screen_lines(app) if "not markup" in line]
        assert toast_rows
        assert "[bold]" in toast_rows[0]  # shown as text, not as markup
        long = "a very long message that would wrap into many lines " * 8
        app.notify(long, title="Compaction")
        app.notify(long)
        await pilot.pause()
        notes = list(app._notifications)
        assert len(notes) == 1  # the newest only
        lines = notes[0].message.splitlines()
        assert 2 <= len(lines) <= 4
        assert all(len(line) <= width - 3 for line in lines)
        assert lines[-1].endswith("…")
        rows = [line for line in screen_lines(app) if "a very long" in line]
        assert 1 <= len(rows) <= 4


@pytest.mark.parametrize("width", [40, 44, 60])
async def test_action_results_are_readable_in_a_narrow_pane(width: int) -> None:
    demo = fixed_demo(12, name="results")
    app = fixed_app(demo.transcript)
    command = "claude --resume 2f1c6b8a-1111-4222-8333-444455556666"
    path = "/tmp/ctxdash-data/snapshots/demo_app/2026-12-08T00-15-29-6513270e"
    async with app.run_test(size=(width, 30), notifications=True) as pilot:
        await _settle(app, pilot)
        app.notify(f"{command}\nCopied with tmux.", title="Forked")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "claude --resume" in text
        assert "2f1c6b8a-1111-4222-8333-444455556666" in text  # the id whole, on its own line
        app.notify(path, title="Snapshot saved (21.5K)")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Snapshot saved (21.5K)" in text
        assert "6513270e" in text  # a long path keeps its end
        assert "…" in list(app._notifications)[-1].message  # cut at the start


async def test_a_wide_toast_is_made_again_when_the_pane_becomes_narrow() -> None:
    demo = fixed_demo(12, name="shrink")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await _settle(app, pilot)
        app.clear_notifications()
        app.notify(CRITICAL, title="Context critical", severity="error", timeout=30)
        await pilot.pause()
        await pilot.resize_terminal(44, 30)
        await pilot.pause()
        await pilot.pause()
        lines = screen_lines(app)
        gauge = lines[1:9]  # under the title bar: the gauge, whole, no toast over it
        assert "Context" in gauge[0]
        assert all(line[0] in "╭│┃╰┏┗" and line.rstrip()[-1] in "╮│┃╯┓┛" for line in gauge)
        notes = list(app._notifications)
        assert len(notes) == 1
        assert all(len(line) <= 44 - 3 for line in notes[0].message.splitlines())
        assert "/clear now." in " ".join(" ".join(lines).split())


async def test_events_use_home_and_project_names_and_wrap_instead_of_cutting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo = fixed_demo(12, name="events")
    monkeypatch.setenv("HOME", str(demo.base))
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(40, 80)) as pilot:
        await _settle(app, pilot)
        app.event(f"snapshot saved in {demo.base}/a/very/long/folder/name/for/the/snapshot")
        await pilot.pause()
        events = app.get_screen_dashboard().events_log.lines
        assert any("watching" in e and "demo_app" in e for e in events)
        assert not any("-tmp-ctxdash" in e for e in events)
        assert any("~/work/demo_app" in e for e in events)  # the watched folder, from ~
        lines = screen_lines(app)
        text = "\n".join(lines)
        at = next(i for i, line in enumerate(lines) if "snapshot saved" in line)
        # the rest of the path on the next lines, under the text (the time keeps its column)
        shown = "".join(line.strip("│ ") for line in lines[at : at + 3])
        assert "~/a/very/long/folder/name/for/the/snapshot" in shown.replace(" ", ""), text
        assert lines[at + 1].index("/") > lines[at].index("snapshot") - 1


async def test_estimate_corrections_are_one_line_updated_in_place() -> None:
    from datetime import UTC, datetime

    demo = fixed_demo(12, name="estimates")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(44, 60)) as pilot:
        await _settle(app, pilot)
        log = app.get_screen_dashboard().events_log
        when = datetime(2026, 1, 1, tzinfo=UTC)
        app.event("crossed warn (150K): 151.2K")
        for peak in ("170K", "172.5K", "176.1K"):
            text = f"auto-compact estimate corrected to ≈{peak}: reached {peak} without compacting"
            log.add(when, text, key="estimate")
        await pilot.pause()
        corrected = [e for e in log.lines if "estimate corrected" in e]
        assert len(corrected) == 1
        assert "176.1K" in corrected[0]
        assert any("crossed warn" in e for e in log.lines)  # still there, not pushed out


async def test_the_event_log_has_no_scrollbar_beside_the_page_scrollbar() -> None:
    from ctxdash.ui.widgets.events import EventLog

    demo = fixed_demo(41, name="scrollbars")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(44, 30)) as pilot:
        await _settle(app, pilot)
        for n in range(30):
            app.event(f"event number {n}")
        await pilot.pause()
        log = app.get_screen_dashboard().query_one(EventLog)
        assert log.scrollbar_size_vertical == 0
        assert log.max_scroll_y > 0  # it still scrolls (the newest last)
        await until(lambda: log.scroll_y == log.max_scroll_y)


async def test_a_budget_arriving_while_the_panels_go_is_ignored() -> None:
    """The app can get a last budget while it closes: no crash on the way out."""
    from ctxdash.ui.widgets.panel import Panel

    demo = fixed_demo(12, name="closing")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 30)) as pilot:
        await _settle(app, pilot)
        budget = app.budget
        assert budget is not None
        screen = app.get_screen_dashboard()
        await screen.query(Panel).remove()
        screen.show(budget)
        await pilot.pause()


@pytest.mark.parametrize("width", [40, 44, 60])
async def test_the_gauge_ends_where_the_scrolling_panels_end(width: int) -> None:
    demo = fixed_demo(41, name=f"align-{width}")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(width, 30)) as pilot:
        await _settle(app, pilot)
        screen = app.get_screen_dashboard()
        assert screen.query_one("#panels").show_vertical_scrollbar
        gauge = screen.query_one("#gauge").region
        breakdown = screen.query_one("#breakdown").region
        assert gauge.right == breakdown.right
        head = screen.query_one("#gauge").render().plain.splitlines()[0]  # type: ignore[union-attr]
        assert "%" in head  # the size, the share and the level on one line
        assert head.rstrip().endswith(("OK", "WARNING", "WARN", "CRITICAL", "CRIT")), head
        await pilot.resize_terminal(width, 80)  # everything fits: no scrollbar, full width
        await pilot.pause()
        await pilot.pause()
        if not screen.query_one("#panels").show_vertical_scrollbar:
            assert screen.query_one("#gauge").region.right == width


def test_help_says_what_the_screen_shows() -> None:
    from ctxdash.ui.screens.help import HELP

    assert "size / budget" in HELP
    assert "share of the budget" in HELP
    assert "share of the window" not in HELP
    assert "- `▸`" in HELP  # the gauge's "▸ window 1M" line and the end of its bar


def test_the_session_list_keeps_the_time_of_day_in_a_side_pane() -> None:
    from ctxdash.core.claude.session_list import SessionRow
    from ctxdash.ui.screens.sessions import layout, when

    row = SessionRow(
        session_id="s", transcript="/t.jsonl", cwd="/p", title="t", model=None, used=1,
        used_source="usage", window=200_000, budget=200_000, level="ok",
        modified="2026-03-02T14:03:00+00:00", bytes=1,
    )  # fmt: skip
    narrow = layout(40)
    assert narrow["title"] >= 8
    shown = when(row, narrow["modified"])
    assert len(shown) <= narrow["modified"]
    assert shown.endswith(when(row)[-5:])  # the time of day: sessions of one day differ
    assert when(row) == when(row, layout(160)["modified"])  # wide: with the year
