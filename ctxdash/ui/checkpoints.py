"""The checkpoint keys of the dashboard: snapshot, fork, summary (the core does the work).

:class:`CheckpointActions` holds the app as a :class:`Host`, the few things it needs of it
(the session on screen, the config, the counter, the event log, toasts, pop-ups, the
clipboard), so it never imports the app. Each action is a coroutine the app runs as a worker
(pop-ups wait inside workers): it runs the core action in a thread, then announces the result
in the event log and a toast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from textual.notifications import SeverityLevel
from textual.screen import Screen

from ctxdash.core.atomic import ActionError
from ctxdash.core.checkpoints import actions
from ctxdash.core.checkpoints.workstate import extract_work_state
from ctxdash.core.clipboard import CopyResult, copy_text
from ctxdash.core.config import Config
from ctxdash.core.transcript.tokens import TokenCounter
from ctxdash.ui.format import compact

T = TypeVar("T")


class _Session(Protocol):
    @property
    def transcript(self) -> Path: ...


class _Settings(Protocol):
    @property
    def config(self) -> Config: ...


class Host(Protocol):
    """What the checkpoint actions need of the app."""

    @property
    def monitor(self) -> _Session | None: ...

    @property
    def settings(self) -> _Settings: ...

    @property
    def counter(self) -> TokenCounter: ...

    def event(self, text: str, style: str = "") -> None: ...

    def notify(
        self, message: str, *, title: str = ..., severity: SeverityLevel = ..., timeout: float = ...
    ) -> None: ...

    async def push_screen_wait(self, screen: Screen[T]) -> T: ...

    def copy_to_clipboard(self, text: str) -> None: ...

    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...


class CheckpointActions:
    """``s`` snapshot, ``f`` fork, ``c`` summary, for the session on the host's screen."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def _current(self) -> Path | None:
        monitor = self.host.monitor
        if monitor is None:
            self.host.notify("No session yet: nothing to act on.", severity="warning")
            return None
        return monitor.transcript

    def _failed(self, what: str, err: Exception) -> None:
        self.host.event(f"{what} failed: {err}", "italic")
        self.host.notify(str(err), title=f"{what} failed", severity="error", timeout=10)

    async def snapshot(self) -> None:
        """Freeze the session state (with copies of its files)."""
        transcript = self._current()
        if transcript is None:
            return
        try:
            path, snap = await asyncio.to_thread(
                actions.snapshot,
                transcript,
                config=self.host.settings.config,
                counter=self.host.counter,
            )
        except ActionError as err:
            self._failed("Snapshot", err)
            return
        used = compact(snap.context_window.used)
        self.host.event(f"snapshot at {used}: {path.parent}", "bold")
        self.host.notify(str(path.parent), title=f"Snapshot saved ({used})")

    async def fork(self) -> None:
        """Fork into a new resumable session, at the end or at a recent prompt."""
        transcript = self._current()
        if transcript is None:
            return
        try:
            state = await asyncio.to_thread(extract_work_state, transcript)
        except OSError as err:
            self._failed("Fork", ActionError(str(err)))
            return
        prompts = [(p.uuid, p.text) for p in state.latest_asks if p.uuid]
        from ctxdash.ui.screens.fork import ForkPicker  # on first use: startup stays quick

        choice = await self.host.push_screen_wait(ForkPicker(prompts))
        if choice is None:
            return
        try:
            result = await asyncio.to_thread(
                actions.fork, transcript, at=None if choice == "end" else choice
            )
        except ActionError as err:
            self._failed("Fork", err)
            return
        await self._announce_new_session("Forked", result.session_id, result.resume_command)
        for warning in result.warnings:
            self.host.event(f"fork: {warning}", "italic")
            self.host.notify(warning, title="Fork: something was left out", severity="warning")

    async def _copy(self, text: str) -> CopyResult:
        """Copy every way that can work here (clipboard tools, tmux, OSC 52), off the loop."""

        def osc52(value: str) -> None:
            self.host.call_from_thread(self.host.copy_to_clipboard, value)

        return await asyncio.to_thread(copy_text, text, osc52=osc52)

    async def _announce_new_session(self, what: str, session_id: str, command: str) -> None:
        copied = await self._copy(command)
        self.host.event(f"{what.lower()} {session_id[:8]}: {command}", "bold")
        self.host.event(copied.message, "" if copied.copied else "italic")
        self.host.notify(
            f"{command}\n{copied.message}",
            title=what,
            timeout=15,
            severity="information" if copied.copied else "warning",
        )

    async def summary(self) -> None:
        """Preview the compressed summary, then copy, save or seed a fresh session."""
        transcript = self._current()
        if transcript is None:
            return
        config = self.host.settings.config
        try:
            preview = await asyncio.to_thread(
                actions.summary, transcript, config=config, save=False, counter=self.host.counter
            )
        except ActionError as err:
            self._failed("Summary", err)
            return
        # Imported on first use: it brings a Markdown renderer, which startup does not need.
        from ctxdash.ui.screens.summary import SummaryPreview

        choice = await self.host.push_screen_wait(
            SummaryPreview(preview.markdown, preview.tokens, preview.source_tokens, preview.budget)
        )
        if choice == "copy":
            copied = await self._copy(preview.markdown)
            self.host.event(f"summary ({compact(preview.tokens)} tokens): {copied.message}")
            self.host.notify(
                copied.message,
                title="Summary",
                severity="information" if copied.copied else "warning",
            )
            return
        if choice not in ("save", "seed"):
            return
        try:
            saved = await asyncio.to_thread(
                actions.summary, transcript, config=config, counter=self.host.counter
            )
            self.host.event(f"summary saved: {saved.path} (archive {saved.archive})", "bold")
            if choice == "seed":
                seeded = await asyncio.to_thread(
                    actions.seed, transcript, saved.markdown, config=config
                )
                await self._announce_new_session(
                    "Fresh session", seeded.session_id, seeded.resume_command
                )
            else:
                self.host.notify(str(saved.path), title="Summary saved")
        except ActionError as err:
            self._failed("Summary", err)
