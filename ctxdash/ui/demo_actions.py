"""The built-in demo inside the dashboard: open it (asking first), pace it, loop it, clean up.

A part of the app: :class:`DemoActions` is an :class:`~textual.app.App` that declares what it
needs of the rest (the session on screen, opening a session, the event log) and never imports
it. The demo writes a synthetic session into a temporary folder through the real files; the
folder is deleted when the demo starts again and when the app ends (also on SIGHUP or SIGTERM,
e.g. a closed tmux pane).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual import work
from textual.app import App

from ctxdash.core.monitor import Monitor
from ctxdash.ui.format import home_short
from ctxdash.ui.screens.confirm import Confirm

if TYPE_CHECKING:
    from ctxdash.synth.demo import Demo


class DemoSettings(Protocol):
    """The settings the demo reads."""

    @property
    def seed(self) -> int: ...
    @property
    def demo_interval(self) -> float: ...
    @property
    def demo_phase(self) -> float | None: ...
    @property
    def watch(self) -> bool: ...


class DemoActions(App[None]):
    """``d``: the built-in live demo."""

    monitor: Monitor | None
    settings: DemoSettings
    _demo: Demo | None

    def event(self, text: str, style: str = "") -> None:
        """Add a line to the event log."""
        raise NotImplementedError

    def open_session(self, transcript: Path, *, follow: bool) -> None:
        """Follow ``transcript`` from now on."""
        raise NotImplementedError

    def refresh_now(self) -> Any:
        """Rebuild the budget once (without watching)."""
        raise NotImplementedError

    def exit_on_hangup(self) -> None:
        """End the app normally (clean-up included) when its terminal goes away."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit)

    @work(exclusive=True, group="demo-ask", name="demo-ask", exit_on_error=False)
    async def action_demo(self) -> None:
        """Open the built-in demo (asks first when it would replace a real session)."""
        if self.monitor is not None and self._demo is None:
            question = (
                f"Replace the session on screen ({self.monitor.transcript.stem[:8]}) "
                "with the built-in demo?"
            )
            if not await self.push_screen_wait(Confirm(question)):
                return
        old, demo = self._demo, await asyncio.to_thread(self._new_demo)
        self._demo = demo
        self.event(f"demo session in {home_short(demo.base)} (deleted on exit)")
        self.open_session(demo.transcript, follow=True)
        self.run_demo(demo)
        if old is not None:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(old.close)

    @work(exclusive=True, group="demo", name="demo-writer", exit_on_error=False)
    async def run_demo(self, demo: Demo) -> None:
        """Grow the demo session one turn at a time, through the real files, for ever.

        Each phase stays on screen for ``demo_phase`` seconds at least; at the end the demo
        starts again in a new folder (the old one is deleted).
        """
        while True:
            phase = self.settings.demo_phase
            delays = await asyncio.to_thread(
                demo.delays, self.settings.demo_interval, *([] if phase is None else [phase])
            )
            await asyncio.sleep(delays[demo.live.turn - 1])
            while await asyncio.to_thread(demo.step):
                if not self.settings.watch:
                    self.refresh_now()
                await asyncio.sleep(delays[demo.live.turn - 1])
            self.event("demo finished: it starts again")
            await asyncio.sleep(delays[-1])
            old, demo = demo, await asyncio.to_thread(self._new_demo)
            self._demo = demo
            self.open_session(demo.transcript, follow=True)
            await asyncio.sleep(1.0)  # the old watcher lets go of its folder first
            await asyncio.to_thread(old.close)

    def _new_demo(self) -> Demo:
        from ctxdash.synth.demo import Demo  # the session generator: only when asked for

        return Demo(seed=self.settings.seed, clock=time.time)

    def on_unmount(self) -> None:
        """Leave nothing behind: the demo's temporary folder goes with the app."""
        if self._demo is not None:
            self._demo.close()  # the demo's temporary folder goes with the app
