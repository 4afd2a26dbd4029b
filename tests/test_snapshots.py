"""SVG snapshots of the dashboard at side-pane, medium and wide sizes, in every built-in theme.

``HOME`` is the fixture folder, so paths read ``~/...`` as they would for a user.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.ui_support import fixed_app, fixed_demo

SIZES = [(40, 30), (80, 40), (160, 50)]
THEMES = ["ctxdash-dark", "ctxdash-light", "ctxdash-cb"]


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare, monkeypatch, theme: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    demo = fixed_demo(41)  # a warning-level session with a subagent
    monkeypatch.setenv("HOME", str(demo.base))
    app = fixed_app(demo.transcript, theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_after_compaction(snap_compare, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    demo = fixed_demo(60, name="compacted")
    monkeypatch.setenv("HOME", str(demo.base))
    app = fixed_app(demo.transcript)
    assert snap_compare(app, terminal_size=(80, 40), run_before=_settle)


@pytest.mark.parametrize("size", [(24, 6), (60, 8)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_tiny_pane(snap_compare, monkeypatch, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    demo = fixed_demo(41)
    monkeypatch.setenv("HOME", str(demo.base))
    app = fixed_app(demo.transcript)
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_help_in_a_side_pane(snap_compare, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    demo = fixed_demo(41)
    monkeypatch.setenv("HOME", str(demo.base))
    app = fixed_app(demo.transcript)

    async def run_before(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(50, 40), run_before=run_before)
