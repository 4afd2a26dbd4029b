"""Keep one session's budget current as its files change (used by the live dashboard).

:class:`Monitor` owns the incremental trackers of a main transcript and its subagent files,
caches the memory-file scan, and rebuilds the :class:`~ctxdash.core.budget.Budget` from the
paths that changed. It also notices a new session in the same project (``/clear`` starts one)
so the dashboard can follow it: another transcript of the project is followed only when
Claude Code appends conversation lines to it (user, assistant, system, attachment). Lines
Claude Code keeps appending to the old file after ``/clear`` (last prompt, mode, cost) do
not count, and neither do the forks and seeded sessions ctxdash writes itself (they end
with ctxdash's provenance line) until Claude Code writes to them. Blocking I/O: call it
from a worker thread.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from ctxdash.core import paths
from ctxdash.core.budget import Budget, Subagent, build_budget
from ctxdash.core.claude.discover import cwd_of, is_sidechain_file, main_transcripts, subagent_files
from ctxdash.core.claude.listings import Listing, discover_listings
from ctxdash.core.claude.memory import MemoryFile, memory_paths_to_watch
from ctxdash.core.claude.settings import ClaudeEnv, load_claude_env, managed_dir
from ctxdash.core.config import Config
from ctxdash.core.exchange import events_file, recent_events, reported_window
from ctxdash.core.safepath import open_regular
from ctxdash.core.status import (
    claude_root_of,
    file_subagent,
    inline_subagents,
    mark_sampled,
    save_summary,
)
from ctxdash.core.transcript.records import CONVERSATION_TYPES, Line, decode_line
from ctxdash.core.transcript.tokens import TokenCounter, sampled_texts
from ctxdash.core.transcript.tracker import Tracker

#: How much of another transcript's new bytes is read to see what was appended.
APPENDED_LIMIT = 1024 * 1024

#: Files whose change can move the window or the auto-compact point.
SETTINGS_NAMES = frozenset(
    {"settings.json", "settings.local.json", "managed-settings.json", ".claude.json", ".mcp.json"}
)


class Monitor:
    """The live state of one session.

    Args:
        transcript: The session's transcript.
        config: ctxdash configuration.
        counter: Token counter.
        window_override: ``--window`` from the command line.
        follow: Switch to a newer session of the same project when one appears.
    """

    def __init__(
        self,
        transcript: Path,
        *,
        config: Config,
        counter: TokenCounter,
        window_override: int | None = None,
        follow: bool = True,
    ) -> None:
        self.config = config
        self.counter = counter
        self.window_override = window_override
        self.follow = follow
        self._open(transcript)

    def _open(self, transcript: Path) -> None:
        self.started = time.time()
        self.transcript = transcript
        self.root = claude_root_of(transcript)
        self.tracker = Tracker(transcript, counter=self.counter)
        self.subs: dict[str, Tracker] = {}
        self.memory: list[MemoryFile] | None = None
        self.listings: list[Listing] = []
        self.env = ClaudeEnv()
        self.memory_dirs: set[Path] = set()
        #: Where each other transcript of the project ended when last looked at (the end of
        #: its last complete line): only what is appended after that can make us follow it.
        self.others: dict[Path, int] = {}
        for entry in main_transcripts(self.project_dir):
            path = Path(entry.path)
            if path != transcript:
                with contextlib.suppress(OSError):
                    self.others[path] = entry.stat().st_size

    @property
    def project_dir(self) -> Path:
        """The folder holding the transcript (watched recursively for subagents)."""
        return self.transcript.parent

    def watch_paths(self) -> list[Path]:
        """Folders to watch: the project folder (recursively), then the memory folders and
        ctxdash's state folder, where Claude Code hooks leave session events (one level)."""
        out = [self.project_dir]
        state = paths.state_dir()
        with contextlib.suppress(OSError):
            state.mkdir(parents=True, exist_ok=True)
            out.append(state)
        # Asked before the first parse of a new session: the transcript's head names the cwd.
        cwd = self.tracker.state.cwd or cwd_of(self.transcript)
        if cwd and not self.tracker.state.sidechain:
            dirs = memory_paths_to_watch(cwd, self.root, managed_dir=managed_dir())
            self.memory_dirs = {Path(d) for d in dirs}
            out += [d for d in self.memory_dirs if d.exists()]
        return out

    def newer_session(self, changed: set[Path]) -> Path | None:
        """A main transcript of this project, other than ours, that Claude Code just wrote
        conversation lines to."""
        if not self.follow:
            return None
        found = None
        for path in sorted(changed):
            if (
                path.parent == self.project_dir
                and path.suffix == ".jsonl"
                and not path.name.startswith("agent-")
                and path != self.transcript
                and path.is_file()
                and self._conversation_appended(path)
                and not is_sidechain_file(path)
            ):
                found = path
        return found

    def _conversation_appended(self, path: Path) -> bool:
        """Whether the lines appended to ``path`` since last time hold a conversation line
        of Claude Code's (not ctxdash's own fork or seed)."""
        start = self.others.get(path, 0)
        try:
            with open_regular(path) as fh:
                fh.seek(0, 2)
                size = fh.tell()
                if size < start:
                    start = 0  # rewritten or truncated: look at all of it
                begin = max(start, size - APPENDED_LIMIT)
                fh.seek(begin)
                data = fh.read(size - begin)
        except OSError:
            return False
        end = data.rfind(b"\n")
        if end < 0:
            return False  # no complete line yet
        self.others[path] = begin + end + 1
        lines = data[: end + 1].split(b"\n")
        if begin > start:
            lines = lines[1:]  # the first piece may be the end of a line
        conversation = False
        for raw in lines:
            if b'"type"' not in raw:
                continue
            rec = decode_line(raw)
            if not isinstance(rec, Line):
                continue
            if rec.type == "ctxdash-origin":
                return False  # ctxdash wrote these lines (a fork or a seeded session)
            if rec.type in CONVERSATION_TYPES and not rec.isSidechain:
                conversation = True
        return conversation

    def hooked_session(self, changed: set[Path]) -> Path | None:
        """A session a ``SessionStart`` hook announced in this project since we started."""
        if not self.follow or Path(events_file()) not in changed:
            return None
        for event in reversed(recent_events()):
            if event.kind != "session-start":
                continue
            if event.time < self.started:
                return None
            target = Path(event.transcript_path or "")
            if target.parent == self.project_dir and target != self.transcript:
                return target
            return None
        return None

    def switch(self, transcript: Path) -> None:
        """Follow another session from now on."""
        self._open(transcript)

    def refresh(self, changed: set[Path] | None = None) -> Budget:
        """Parse what changed and rebuild the budget. ``None`` means: everything.

        Raises:
            OSError: the main transcript cannot be read.
        """
        everything = changed is None
        if everything or self.transcript in (changed or ()):
            self.tracker.poll()
            self.tracker.save()
        state = self.tracker.state
        rescan = self.memory is None or everything or self._config_changed(changed or set())
        if rescan:  # memory files are scanned by build_budget (one rule), then kept
            self.listings = discover_listings(state.cwd, self.root) if not state.sidechain else []
            self.env = load_claude_env(self.root, state.cwd)
        subagents = [] if state.sidechain else self._subagents(changed)
        sampled_before = sampled_texts(self.counter)
        budget = build_budget(
            state,
            self.transcript,
            config=self.config,
            claude_root=self.root,
            counter=self.counter,
            window_override=self.window_override,
            subagents=subagents,
            env=self.env,
            memory=None if rescan else self.memory,
            listings=self.listings,
            reported_window=reported_window(state.session_id),
        )
        budget = mark_sampled(
            budget, self.tracker.sampled + sampled_texts(self.counter) - sampled_before
        )
        self.memory = list(budget.memory_files)
        save_summary(budget)
        return budget

    def _config_changed(self, changed: set[Path]) -> bool:
        """Memory files, skills, agents or Claude Code settings may have changed."""
        return any(
            p.suffix == ".md" or p.parent in self.memory_dirs or p.name in SETTINGS_NAMES
            for p in changed
        )

    def _subagents(self, changed: set[Path] | None) -> list[Subagent]:
        state = self.tracker.state
        out = inline_subagents(state)
        for found in subagent_files(self.transcript, state.session_id):
            tracker = self.subs.get(found.path)
            new = tracker is None
            if tracker is None:
                tracker = self.subs[found.path] = Tracker(
                    found.path, sidechain=True, counter=self.counter
                )
            if new or changed is None or Path(found.path) in changed:
                try:
                    tracker.poll()
                    tracker.save()
                except OSError:
                    continue
            out.append(file_subagent(found, tracker.state))
        return out
