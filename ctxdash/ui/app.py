"""The ctxdash Textual app: routes messages, owns the watcher worker, raises alerts.

The core does the work (:class:`~ctxdash.core.monitor.Monitor` parses and budgets in a worker
thread); screens compose and widgets render. Exactly one worker watches files.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ctxdash.core.announce import Announcer
from ctxdash.core.budget import Budget
from ctxdash.core.claude.discover import (
    NoSessionYet,
    SessionNotFound,
    first_session,
    resolve_session,
)
from ctxdash.core.claude.session_list import list_sessions
from ctxdash.core.monitor import Monitor
from ctxdash.core.paths import claude_roots
from ctxdash.core.plain import clean as untrusted
from ctxdash.core.status import claude_root_of
from ctxdash.core.transcript.tokens import HeuristicCounter, TokenCounter
from ctxdash.core.uistate import UiState, load_ui_state, save_ui_state
from ctxdash.core.watcher import folder_changes, outcome_of
from ctxdash.ui import theming
from ctxdash.ui.checkpoints import CheckpointActions
from ctxdash.ui.demo_actions import DemoActions
from ctxdash.ui.format import compact, home_short, one_line, truncate, wrap_lines
from ctxdash.ui.keys import PALETTE, active_keys, key_help, with_key
from ctxdash.ui.messages import BudgetChanged, SessionSwitched, WatchProblem
from ctxdash.ui.screens.dashboard import DashboardScreen
from ctxdash.ui.settings import AppSettings

if TYPE_CHECKING:
    from ctxdash.synth.demo import Demo


#: Below this many columns a toast spans the pane, and only the newest one stays...
NARROW_TOASTS = 80
#: ... its text wrapped to at most this many lines under its title.
NARROW_TOAST_LINES = 4


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CtxDashApp(DemoActions):
    """A live, colour-coded view of one session's context window."""

    settings: AppSettings

    CSS_PATH = "ctxdash.tcss"
    TITLE = "ctxdash"
    BINDINGS = [
        Binding("s", "snapshot", "Snapshot", id="snapshot", tooltip="Freeze the session state"),
        Binding("f", "fork", "Fork", id="fork", tooltip="Fork into a resumable session"),
        Binding("c", "summary", "Summary", id="summary", tooltip="Summary before /clear"),
        Binding("l", "sessions", "Sessions", id="sessions", tooltip="All sessions"),
        Binding("t", "next_theme", "Theme", id="theme", tooltip="Next ctxdash theme"),
        Binding("question_mark", "help", "Help", id="help", key_display="?", tooltip="Help"),
        Binding("d", "demo", "Demo", id="demo", show=False, tooltip="Built-in demo (asks first)"),
        # q quits from the dashboard only (its own binding); in a pop-up q closes the pop-up.
        Binding("ctrl+c", "quit", "Quit", priority=True, show=False, id="quit-now"),
    ]

    def __init__(
        self,
        settings: AppSettings,
        *,
        counter: TokenCounter | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        #: Load the tokenizer in the background once the first budget is on screen (the
        #: first new turn should not wait for it; the first frame should not either).
        self._preload = counter is None
        if counter is None:
            from ctxdash.core.transcript.tokens import CachedCounter

            counter = CachedCounter()
        self.counter = counter
        self.checkpoints = CheckpointActions(self)
        self.monitor: Monitor | None = None
        self.budget: Budget | None = None
        #: The budget on screen is a preview (the history is still being read).
        self.previewing = False
        #: One alert tracker per session: a level alerts once per upward crossing of that
        #: session, not again when the dashboard switches back to it.
        self._announcers: dict[Path, Announcer] = {}
        self.announcer = Announcer()
        """What has been said of the session on screen (alerts once per crossing)."""
        self._forget_session()
        self._demo: Demo | None = None
        self._pane_width = 0
        """The terminal's width as the last resize said (0: none yet)."""
        self._last_toast: tuple[str, str, SeverityLevel, float | None, float] | None = None
        """The newest plain toast (text, title, severity, timeout, when): made again when
        the terminal becomes a narrow pane."""
        self.own_themes: list[str] = []
        """The themes ``t`` cycles: ctxdash's own, then the user's files."""

    # ------------------------------------------------------------------ set-up
    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Themes without ctx- variables (Textual's own) get ours, light or dark.
        return theming.default_variables(self.current_theme.dark)

    async def on_mount(self) -> None:
        for theme in theming.BUILTIN_THEMES.values():
            self.register_theme(theme)
        from ctxdash.core import paths

        themes, problems = theming.load_user_themes([paths.user_themes_dir()])
        for theme in themes:
            self.register_theme(theme)
        self.own_themes = [*theming.BUILTIN_THEMES, *(t.name for t in themes)]
        remembered = load_ui_state().theme
        if remembered not in self.available_themes:
            remembered = None
        wanted = (
            self.settings.theme or remembered or self.settings.config.theme or theming.DEFAULT_THEME
        )
        if wanted not in self.available_themes:
            problems.append(f"unknown theme {wanted!r}: using {theming.DEFAULT_THEME}")
            wanted = theming.DEFAULT_THEME
        self.theme = wanted
        if problems:
            self.notify("\n".join(problems), title="Theme files", severity="warning")
        if self.settings.config.keymap:
            self.set_keymap(self.settings.config.keymap)
        await self.push_screen(DashboardScreen())
        if not self.is_headless:
            self.exit_on_hangup()
        self.start()

    def start(self) -> None:
        """Find the session (or start the demo) and begin watching."""
        if self.settings.demo:
            self.action_demo()
            return
        with contextlib.suppress(LookupError):
            self.get_screen_dashboard().waiting("looking for the session…")
        self.find_session()

    @work(exclusive=True, group="watcher", name="session-finder", exit_on_error=False)
    async def find_session(self) -> None:
        """Resolve the session to show (a blocking look at the folders: off the event loop)."""
        transcript = self.settings.transcript
        try:
            if transcript is None:
                transcript = await asyncio.to_thread(
                    partial(resolve_session, anywhere=self.settings.session is not None),
                    self.settings.session,
                )
        except NoSessionYet as err:
            self.event(f"{err}", "bold")
            self.notify(str(err), title="Waiting for Claude Code", timeout=30)
            with contextlib.suppress(LookupError):
                project = Path.cwd().name or str(Path.cwd())
                self.get_screen_dashboard().waiting(f"waiting for Claude Code in {project}")
            self.wait_for_project(err.folders)
            return
        except SessionNotFound as err:
            self.event(f"{err}. Press d for the built-in demo.", "bold")
            self.notify(
                f"{err}\nPress d to open the built-in demo.", title="No session", timeout=30
            )
            with contextlib.suppress(LookupError):
                self.get_screen_dashboard().waiting("no session: press d for the demo")
            return
        self.open_session(transcript, follow=self.settings.session is None)

    def open_session(self, transcript: Path, *, follow: bool) -> None:
        """Follow ``transcript`` from now on (read in a worker; the screen says so first)."""
        self._forget_session(transcript)
        with contextlib.suppress(LookupError):
            self.get_screen_dashboard().waiting(f"reading {transcript.stem[:8]}…")
        self.watch_session(transcript, follow)

    def _new_monitor(self, transcript: Path, follow: bool) -> Monitor:
        return Monitor(
            transcript,
            config=self.settings.config,
            counter=self.counter,
            window_override=self.settings.window,
            follow=follow,
        )

    def _forget_session(self, transcript: Path | None = None) -> None:
        """Another session on screen: its own alert tracker, counters from zero.

        Without a transcript, the current session's alerts are re-armed.
        """
        if transcript is None:
            self.announcer.alerts.reset()
        else:
            self.announcer = self._announcers.setdefault(transcript, Announcer())
        self.announcer.restart()
        self._named = False

    @work(exclusive=True, group="watcher", name="project-waiter", exit_on_error=False)
    async def wait_for_project(self, folders: list[Path]) -> None:
        """No session in this project yet: open the first one within a second of its first
        line. Looks four times a second (the folder may not exist yet, so nothing to watch)."""
        while True:
            found = await asyncio.to_thread(first_session, folders)
            if found is not None:
                self.open_session(found, follow=True)
                self.event(f"now following {found.stem[:8]}: Claude Code started it", "bold")
                self.notify(f"Following {found.stem[:8]} (Claude Code started it)", title="Session")
                return
            await asyncio.sleep(0.25)

    # ------------------------------------------------------------------ workers
    @work(exclusive=True, group="watcher", name="session-watcher", exit_on_error=False)
    async def watch_session(self, transcript: Path | None = None, follow: bool = True) -> None:
        """The one file watcher: the project folder and the memory folders.

        Given a transcript, opens it first (in a thread) and shows a preview of a long
        session's live window while its history is read.
        """
        if transcript is not None:
            self.monitor = await asyncio.to_thread(self._new_monitor, transcript, follow)
        monitor = self.monitor
        if monitor is None:
            return
        if not self.settings.watch:
            await self._refresh(monitor, None)
            return
        if transcript is not None:
            estimate = HeuristicCounter() if self._preload else None  # no tokenizer wait
            preview = await asyncio.to_thread(monitor.preview, estimate)
            if preview is not None:
                # Painted before the whole parse starts: that thread would slow the frame.
                painted = asyncio.Event()
                self.post_message(BudgetChanged(preview, preview=True, painted=painted))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(painted.wait(), 1.0)
        if self._preload:
            self._preload = False
            from ctxdash.core.transcript.tokens import preload_in_background

            preload_in_background()
        # Closed on the way out (a switch, a cancelled worker): the watcher's thread stops.
        batches = folder_changes(
            monitor,
            debounce_ms=self.settings.debounce_ms,
            force_polling=self.settings.force_polling,
        )
        async with contextlib.aclosing(batches):
            async for changed in batches:
                if changed is None:  # the watcher is up: read everything once
                    await self._refresh(monitor, None)
                    continue
                old = monitor.transcript
                try:  # one trip to a thread per batch: it decides, then reads
                    outcome = await asyncio.to_thread(outcome_of, monitor, changed)
                except OSError as err:
                    self.post_message(WatchProblem(f"cannot read {old.name}: {err}"))
                    continue
                if isinstance(outcome, Budget):
                    self.post_message(BudgetChanged(outcome))
                elif outcome is not None:
                    path, hooked = outcome
                    why = "Claude Code started it (hook)" if hooked else "a new session started"
                    self.post_message(SessionSwitched(old, path, why))
                    self.call_later(self.watch_session)  # watch the new session's folders
                    return

    async def _refresh(self, monitor: Monitor, changed: set[Path] | None) -> None:
        try:
            budget = await asyncio.to_thread(monitor.refresh, changed)
        except OSError as err:
            self.post_message(WatchProblem(f"cannot read {monitor.transcript.name}: {err}"))
            return
        self.post_message(BudgetChanged(budget))

    @work(exclusive=True, group="refresh", name="refresh", exit_on_error=False)
    async def refresh_now(self) -> None:
        """Rebuild the budget once (no watching: tests and ``watch = false``)."""
        if self.monitor is not None:
            await self._refresh(self.monitor, None)

    # ------------------------------------------------------------------ messages
    @on(BudgetChanged)
    def on_budget(self, message: BudgetChanged) -> None:
        budget = message.budget
        self.budget = budget
        self.previewing = message.preview
        for screen in self.screen_stack:  # none while the app closes: nothing to show
            if isinstance(screen, DashboardScreen):
                screen.show(budget, note="reading the history…" if message.preview else "")
        if message.painted is not None:
            self.call_after_refresh(message.painted.set)
        if message.preview:
            return  # said of the session once its history is read
        if not self._named:  # the first budget of a session names it
            self._named = True
            where = " · ".join(
                x for x in (budget.project, home_short(budget.cwd) if budget.cwd else None) if x
            )
            self.event(f"watching {(budget.session_id or '?')[:8]} · {where or '?'}")
        self._announce(budget)

    def get_screen_dashboard(self) -> DashboardScreen:
        """The dashboard, even while a modal is on top."""
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                return screen
        raise LookupError("no dashboard")

    def _announce(self, b: Budget) -> None:
        """Show what the core's announcer says of a new budget."""
        for event in self.announcer.update(b):
            style = {"compaction": "bold", "estimate": "italic", "malformed": "italic"}
            if event.kind == "alert":
                critical = event.level == "critical"
                self.notify(
                    event.toast,
                    title=event.title,
                    severity="error" if critical else "warning",
                    timeout=15 if critical else 10,
                )
                self.event(event.log, theming.level_colour(event.level, self.theme_variables))
                if self.settings.config.bell:
                    self.bell()
                self._desktop_notify(f"ctxdash: {event.level}", event.toast)
                continue
            # a corrected estimate is one line, updated: it is corrected as the peak grows
            self.event(
                event.log,
                style.get(event.kind, ""),
                key="estimate" if event.kind == "estimate" else "",
            )
            if event.toast:
                self.notify(event.toast, title=event.title)

    def _desktop_notify(self, title: str, text: str) -> None:
        """Alerts outside the terminal: notify-send and tmux, when configured."""
        commands = []
        if self.settings.config.notify and shutil.which("notify-send"):
            commands.append(["notify-send", title, text])
        if self.settings.config.tmux and os.environ.get("TMUX") and shutil.which("tmux"):
            commands.append(["tmux", "display-message", f"{title}: {text}"])
        for command in commands:
            with contextlib.suppress(OSError):
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @on(SessionSwitched)
    def on_switched(self, message: SessionSwitched) -> None:
        self._forget_session(message.current)
        self.event(f"now following {message.current.stem[:8]}: {message.reason}", "bold")
        self.notify(f"Following {message.current.stem[:8]} ({message.reason})", title="Session")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers report their own failures here: shown, never fatal."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.event(f"{event.worker.name} stopped: {type(error).__name__}: {error}", "italic")

    @on(WatchProblem)
    def on_problem(self, message: WatchProblem) -> None:
        self.event(message.text, "italic")

    def event(self, text: str, style: str = "", *, key: str = "") -> None:
        """Add a line to the event log (if the dashboard is up); with ``key``, it replaces
        the earlier line with the same key (the new one comes last, with its time)."""
        # NoMatches is a LookupError too: the dashboard is not composed yet.
        with contextlib.suppress(LookupError):
            self.get_screen_dashboard().events_log.add(self.clock(), text, style, key=key)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast; plain text by default (messages quote paths and transcript text).

        In a narrow pane only the newest toast is shown, across the pane: its title, then
        its text wrapped to a few lines (long paths keep their end).
        """
        if not markup:  # without control characters too (escape sequences, bells)
            message, title = untrusted(message), one_line(title)
            self._last_toast = (message, title, severity, timeout, time.monotonic())
        width = self._pane_width or self.size.width
        narrow = 0 < width < NARROW_TOASTS
        self.set_class(narrow, "-narrow-toasts")
        if narrow and not markup:
            room = width - 3  # the toast's left border and its padding
            title = truncate(title, room)
            message = "\n".join(wrap_lines(message, room, NARROW_TOAST_LINES))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_notify(self, event: Notify) -> None:
        """In a narrow pane a new toast replaces the ones on screen (runs before it shows)."""
        if 0 < (self._pane_width or self.size.width) < NARROW_TOASTS:
            self.clear_notifications()

    def on_resize(self, event: events.Resize) -> None:
        """Toasts made for a wide terminal are made again for the narrow pane it became
        (the newest one, for the time it had left): a wide toast would cover the gauge."""
        self._pane_width = event.size.width  # self.size follows a moment later
        narrow = 0 < event.size.width < NARROW_TOASTS
        was_narrow = self.has_class("-narrow-toasts")
        self.set_class(narrow, "-narrow-toasts")
        if narrow == was_narrow or not self._notifications:
            return
        self.clear_notifications()
        if self._last_toast is None:
            return
        message, title, severity, timeout, when = self._last_toast
        left = (timeout or self.NOTIFICATION_TIMEOUT) - (time.monotonic() - when)
        if left > 0.5:
            self.notify(message, title=title, severity=severity, timeout=left)

    # ------------------------------------------------------------------ actions
    def _checkpoint(self, name: str, action: Callable[[], Coroutine[None, None, None]]) -> None:
        """Run a checkpoint action as a worker (one at a time; a failure is shown)."""
        self.run_worker(action(), name=name, group="action", exclusive=True, exit_on_error=False)

    def action_snapshot(self) -> None:
        """Freeze the session state (with copies of its files)."""
        self._checkpoint("snapshot", self.checkpoints.snapshot)

    def action_fork(self) -> None:
        """Fork into a new resumable session, at the end or at a recent prompt."""
        self._checkpoint("fork", self.checkpoints.fork)

    def action_summary(self) -> None:
        """Preview the compressed summary, then copy, save or seed a fresh session."""
        self._checkpoint("summary", self.checkpoints.summary)

    def active_keys(self) -> dict[str, str]:
        """The dashboard's keys as they work now (the keymap applied), by binding id."""
        try:
            return active_keys(self.get_screen_dashboard())
        except LookupError:
            return {}

    def action_help(self) -> None:
        active = self.active_keys()
        keys = key_help([*DashboardScreen.BINDINGS, *self.BINDINGS], active)
        levels = {}
        if self.budget is not None:
            levels = {
                "warn": compact(self.budget.thresholds.warn),
                "critical": compact(self.budget.thresholds.critical),
            }
        from ctxdash.ui.screens.help import HelpScreen  # on first use: startup stays quick

        self.push_screen(HelpScreen(keys, palette=active.get(PALETTE), **levels))

    def action_next_theme(self) -> None:
        """The next of ctxdash's own themes and the user's theme files, remembered."""
        ours = [n for n in self.own_themes if n in self.available_themes]
        if not ours:
            return
        current = ours.index(self.theme) if self.theme in ours else -1
        self.theme = ours[(current + 1) % len(ours)]
        problem = save_ui_state(UiState(theme=self.theme))
        self.event(f"theme {self.theme}" + (f" (not remembered: {problem})" if problem else ""))

    @work(exclusive=True, group="sessions", name="session-list", exit_on_error=False)
    async def action_sessions(self) -> None:
        current = self.monitor.transcript if self.monitor else None
        roots = claude_roots()
        if current is not None and (root := claude_root_of(current)) not in roots:
            roots.append(root)  # the session on screen is listed too (the demo's, say)
        rows = await asyncio.to_thread(list_sessions, self.settings.config, roots=roots, limit=500)
        from ctxdash.ui.screens.sessions import SessionListScreen  # on first use

        chosen = await self.push_screen_wait(SessionListScreen(rows, current))
        if chosen is not None and chosen != current:
            previous = current
            self.open_session(chosen, follow=False)
            self.post_message(SessionSwitched(previous, chosen, "chosen in the list"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        keys = self.active_keys()
        for title, text, name, action in (
            ("Snapshot", "Freeze the session state", "snapshot", self.action_snapshot),
            ("Fork", "Fork into a new resumable session", "fork", self.action_fork),
            ("Summary", "Compressed summary before /clear", "summary", self.action_summary),
            ("Sessions", "All sessions, newest first", "sessions", self.action_sessions),
            ("Next theme", "Cycle ctxdash's themes", "theme", self.action_next_theme),
            ("Help", "Keys, panels and symbols", "help", self.action_help),
            ("Demo", "Open the built-in live demo", "demo", self.action_demo),
        ):
            yield SystemCommand(title, with_key(text, keys, name), action)


def make_app(
    settings: AppSettings,
    *,
    counter: TokenCounter | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> CtxDashApp:
    """Build the app the same way for the CLI and the tests."""
    return CtxDashApp(settings, counter=counter, clock=clock)
