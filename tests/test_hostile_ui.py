"""The dashboard on a hostile transcript: markup and escapes in every text it shows.

Title, prompts, tool names and paths carry ``[link=https://x]y``, ``[/]``,
``[@click=app.quit]``, ``list[int]``, ``[WIP]`` and terminal escape sequences. The dashboard
must not crash, must show the brackets literally, must not turn them into actions, and no
escape or control character may reach what it renders (main screen, fork picker, session
list, toasts).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ctxdash.ui.app import CtxDashApp
from ctxdash.ui.screens.fork import ForkPicker
from ctxdash.ui.screens.sessions import SessionListScreen
from tests.hostile_support import hostile_session
from tests.ui_support import fixed_app

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _rendered(app: CtxDashApp) -> str:
    """Every character the current screen renders, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def _assert_clean(text: str, where: str) -> None:
    bad = _CONTROL.search(text.replace("\n", ""))
    assert bad is None, f"{where}: {bad.group()!r} reached the rendered output"


async def _until(pilot: Pilot[None], cond, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        await pilot.pause(0.05)
        if cond():
            return
    raise AssertionError(f"{what} did not happen")


@pytest.mark.parametrize("size", [(160, 50), (50, 40)])
async def test_dashboard_shows_hostile_text_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    home = hostile_session(tmp_path / "claude")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    app = fixed_app(home.transcript)
    toasts: list[str] = []
    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: app.budget is not None, "the first budget")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.budget is not None
        assert "[link=https://x]y" in str(app.budget.title)
        main = _rendered(app)
        _assert_clean(main, "dashboard")
        # The title bar shows the title with its brackets, as typed.
        assert "Fix [link=https://x]y [/]" in main
        if size[0] >= 100:
            assert "[@click=app.quit]quit" in main
            assert "list[int]" in main
        # A toast quoting the title: plain text too.
        app.notify(str(app.budget.title), title=str(app.budget.title))
        await pilot.pause()
        toasts.append(_rendered(app))
        _assert_clean(toasts[-1], "toast")
        # Clicking where the title shows "[@click=app.quit]" is not an action.
        await pilot.click("#title", offset=(30, 0))
        await pilot.pause()
        assert app.is_running
        await pilot.press("f")
        await _until(pilot, lambda: isinstance(app.screen, ForkPicker), "the fork picker")
        picker = _rendered(app)
        _assert_clean(picker, "fork picker")
        assert "[WIP]" in picker
        assert "[b]bold" in picker
        await pilot.press("escape")
        await pilot.press("l")
        await _until(pilot, lambda: isinstance(app.screen, SessionListScreen), "the list")
        await pilot.pause()
        listing = _rendered(app)
        _assert_clean(listing, "session list")
        assert "[link=https://x]y" in listing
        await pilot.press("escape")
        # The title bar's waiting text quotes a project folder: text as well.
        app.get_screen_dashboard().waiting("waiting in [/] [link=https://x]y \x1b]2;t\x07")
        await pilot.pause()
        waiting = _rendered(app)
        _assert_clean(waiting, "waiting title")
        assert "waiting in [/] [link=https://x]y" in waiting
        assert app.is_running
    assert app.return_code in (None, 0)
