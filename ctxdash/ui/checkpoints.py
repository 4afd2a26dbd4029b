"""The checkpoint keys of the dashboard: snapshot, fork, summary (the core does the work).

A mixin of :class:`~ctxdash.ui.app.CtxDashApp`; each action runs the core action in a thread
worker, then announces the result in the event log and a toast.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from ctxdash.core.atomic import ActionError
from ctxdash.core.checkpoints import actions
from ctxdash.core.checkpoints.workstate import extract_work_state
from ctxdash.core.clipboard import CopyResult, copy_text
from ctxdash.ui.format import compact

if TYPE_CHECKING:
    from ctxdash.ui.app import CtxDashApp

    _Base = CtxDashApp
else:
    _Base = object


class CheckpointActions(_Base):
    """``s`` snapshot, ``f`` fork, ``c`` summary."""

    def _current(self) -> Path | None:
        if self.monitor is None:
            self.notify("No session yet: nothing to act on.", severity="warning")
            return None
        return self.monitor.transcript

    def _failed(self, what: str, err: Exception) -> None:
        self.event(f"{what} failed: {err}", "italic")
        self.notify(str(err), title=f"{what} failed", severity="error", timeout=10)

    @work(exclusive=True, group="action", name="snapshot", exit_on_error=False)
    async def action_snapshot(self) -> None:
        """Freeze the session state (with copies of its files)."""
        transcript = self._current()
        if transcript is None:
            return
        try:
            path, snap = await asyncio.to_thread(
                actions.snapshot, transcript, config=self.settings.config, counter=self.counter
            )
        except ActionError as err:
            self._failed("Snapshot", err)
            return
        used = compact(snap.context_window.used)
        self.event(f"snapshot at {used}: {path.parent}", "bold")
        self.notify(str(path.parent), title=f"Snapshot saved ({used})")

    @work(exclusive=True, group="action", name="fork", exit_on_error=False)
    async def action_fork(self) -> None:
        """Fork into a new resumable session, at the end or at a recent prompt."""
        transcript = self._current()
        if transcript is None:
            return
        try:
            work = await asyncio.to_thread(extract_work_state, transcript)
        except OSError as err:
            self._failed("Fork", ActionError(str(err)))
            return
        prompts = [(p.uuid, p.text) for p in work.latest_asks if p.uuid]
        from ctxdash.ui.screens.fork import ForkPicker  # on first use: startup stays quick

        choice = await self.push_screen_wait(ForkPicker(prompts))
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

    async def _copy(self, text: str) -> CopyResult:
        """Copy every way that can work here (clipboard tools, tmux, OSC 52), off the loop."""

        def osc52(value: str) -> None:
            self.call_from_thread(self.copy_to_clipboard, value)

        return await asyncio.to_thread(copy_text, text, osc52=osc52)

    async def _announce_new_session(self, what: str, session_id: str, command: str) -> None:
        copied = await self._copy(command)
        self.event(f"{what.lower()} {session_id[:8]}: {command}", "bold")
        self.event(copied.message, "" if copied.copied else "italic")
        self.notify(
            f"{command}\n{copied.message}",
            title=what,
            timeout=15,
            severity="information" if copied.copied else "warning",
        )

    @work(exclusive=True, group="action", name="summary", exit_on_error=False)
    async def action_summary(self) -> None:
        """Preview the compressed summary, then copy, save or seed a fresh session."""
        transcript = self._current()
        if transcript is None:
            return
        config = self.settings.config
        try:
            preview = await asyncio.to_thread(
                actions.summary, transcript, config=config, save=False, counter=self.counter
            )
        except ActionError as err:
            self._failed("Summary", err)
            return
        # Imported on first use: it brings a Markdown renderer, which startup does not need.
        from ctxdash.ui.screens.summary import SummaryPreview

        choice = await self.push_screen_wait(
            SummaryPreview(preview.markdown, preview.tokens, preview.source_tokens, preview.budget)
        )
        if choice == "copy":
            copied = await self._copy(preview.markdown)
            self.event(f"summary ({compact(preview.tokens)} tokens): {copied.message}")
            self.notify(
                copied.message,
                title="Summary",
                severity="information" if copied.copied else "warning",
            )
            return
        if choice not in ("save", "seed"):
            return
        try:
            saved = await asyncio.to_thread(
                actions.summary, transcript, config=config, counter=self.counter
            )
            self.event(f"summary saved: {saved.path} (archive {saved.archive})", "bold")
            if choice == "seed":
                seeded = await asyncio.to_thread(
                    actions.seed, transcript, saved.markdown, config=config
                )
                await self._announce_new_session(
                    "Fresh session", seeded.session_id, seeded.resume_command
                )
            else:
                self.notify(str(saved.path), title="Summary saved")
        except ActionError as err:
            self._failed("Summary", err)
