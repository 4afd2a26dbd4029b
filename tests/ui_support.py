"""Fixed data for the UI tests and the screenshots: the same bytes, paths and clock every run."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ctxdash.core.config import Config
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.synth.demo import Demo
from ctxdash.ui.app import AppSettings, CtxDashApp, make_app

#: The fixture folder: one per test process (several checkouts may run their suites at once
#: on one machine), deleted at exit. Nothing on screen shows it: tests set HOME to it.
#: Its path has the length of the original ``/tmp/ctxdash-ui-fixture``: the transcript
#: records it, and its length counts in the token figures the snapshots show.
FIXTURE_DIR = Path(f"/tmp/ctxdash-ui-{os.getpid() % 10_000_000:07d}")
atexit.register(shutil.rmtree, FIXTURE_DIR, ignore_errors=True)
FIXED_NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


def fixed_demo(turns: int, name: str = "main") -> Demo:
    """The demo session written up to ``turns`` turns, in a fixed folder."""
    base = FIXTURE_DIR / name
    shutil.rmtree(base, ignore_errors=True)
    demo = Demo(seed=7, base=base)
    demo.run_to(turns)
    return demo


def fixed_app(transcript: Path, *, theme: str | None = None, watch: bool = False) -> CtxDashApp:
    """The app on a transcript, with a fake counter and a fixed clock."""
    settings = AppSettings(
        config=Config(bell=False),
        transcript=transcript,
        watch=watch,
        force_polling=False,
        theme=theme,
    )
    return make_app(settings, counter=HeuristicCounter(), clock=lambda: FIXED_NOW)


def screen_lines(app: CtxDashApp) -> list[str]:
    """The text on screen, one string per row (what a person would read)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


async def until(cond: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait until ``cond()`` is true (polled every 25 ms); fail after ``seconds``."""
    for _ in range(int(seconds / 0.025)):
        if cond():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("timed out")
