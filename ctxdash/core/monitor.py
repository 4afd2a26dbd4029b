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
import os
import time
from pathlib import Path

from ctxdash.core import paths
from ctxdash.core.budget import Budget, Subagent, build_budget
from ctxdash.core.claude.discover import cwd_of, is_sidechain_file, main_transcripts, subagent_files
from ctxdash.core.claude.memory import memory_paths_to_watch
from ctxdash.core.claude.settings import managed_dir
from ctxdash.core.config import Config
from ctxdash.core.exchange import events_file, recent_events
from ctxdash.core.gather import Inputs, gather
from ctxdash.core.safepath import component, open_regular
from ctxdash.core.status import (
    claude_root_of,
    file_subagent,
    inline_subagents,
    mark_sampled,
    save_summary,
)
from ctxdash.core.transcript.coldstart import live_window
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
        #: What the last budget read around the transcript (kept until a file of it changes).
        self.inputs: Inputs | None = None
        self.memory_dirs: set[Path] = set()
        #: The folders :meth:`watch_paths` last returned.
        self.watched: set[Path] = set()
        self._aim_filter()
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
        """The folder holding the transcript."""
        return self.transcript.parent

    @property
    def session_dir(self) -> Path:
        """The session's own folder in the project folder (its subagents' transcripts)."""
        return self.project_dir / component(self.tracker.state.session_id or self.transcript.stem)

    def watch_paths(self) -> list[Path]:
        """Existing folders to watch, each one level (not recursively): the project folder,
        the session's folder and every folder under it (subagents), the memory folders, and
        ctxdash's state folder, where Claude Code hooks leave session events.

        One watcher over one level of each costs a fraction of a recursive watch of the
        project folder (every session's folders). A folder created under the session's
        folder later is noticed by :meth:`needs_rewatch`. Blocking I/O.
        """
        out = [self.project_dir]
        with contextlib.suppress(OSError):
            for folder, _dirs, _files in os.walk(self.session_dir):
                out.append(Path(folder))
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
        self.watched = {p for p in out if p.is_dir()}
        self._aim_filter()  # the session's id may be known only now
        return list(dict.fromkeys(p for p in out if p in self.watched))

    def _aim_filter(self) -> None:
        """What :meth:`may_matter` compares with: the session's folder, and the folders where
        a changed ``.jsonl`` file matters (transcripts, hook events)."""
        self._session_prefix = str(self.session_dir)
        self._jsonl_dirs = {str(self.project_dir), os.path.dirname(events_file())}

    def may_matter(self, path: str) -> bool:
        """Whether a change to ``path`` in a watched folder can change the budget or the
        session followed: a transcript of the project, the hook events, anything under the
        session's folder (subagents), a memory file or a settings file. Called for every
        change the watcher sees (the parent folders of a memory file, up to ``/``, see every
        other program's files too): no I/O."""
        name = os.path.basename(path)
        if name.endswith(".md") or name in SETTINGS_NAMES:
            return True
        if name.endswith(".jsonl") and os.path.dirname(path) in self._jsonl_dirs:
            return True
        session = self._session_prefix
        return path == session or path.startswith(session + os.sep)

    def needs_rewatch(self, changed: set[Path]) -> bool:
        """Whether a folder appeared where subagent transcripts go (the session's folder or
        one under it) that is not watched yet: the watcher then starts again with it."""
        session = self.session_dir
        return any(
            p not in self.watched and (p == session or session in p.parents) and p.is_dir()
            for p in changed
        )

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
        rescan = self.inputs is None or everything or self._config_changed(changed or set())
        subagents = [] if state.sidechain else self._subagents(changed)
        sampled_before = sampled_texts(self.counter)
        kept = None if rescan else self.inputs
        self.inputs = gather(
            state,
            self.transcript,
            claude_root=self.root,
            counter=self.counter,
            memory=kept.memory if kept else None,
            listings=kept.listings if kept else None,
            env=kept.env if kept else None,
        )
        budget = build_budget(
            state,
            self.transcript,
            self.inputs,
            config=self.config,
            counter=self.counter,
            window_override=self.window_override,
            subagents=subagents,
        )
        budget = mark_sampled(
            budget, self.tracker.sampled + sampled_texts(self.counter) - sampled_before
        )
        save_summary(budget)
        return budget

    def preview(self, counter: TokenCounter | None = None) -> Budget | None:
        """A first budget from the live window alone (the history is not read yet).

        For the dashboard to show the request size and what fills it within a moment of
        opening a long session whose parse is not saved; the full :meth:`refresh` follows.
        ``None`` when a full refresh is about as quick (a saved state, a small file, a long
        live window). Nothing is saved: the preview is never the session's state.

        Args:
            counter: Counts the window's texts (default: the monitor's); the dashboard
                passes the byte heuristic, so that the preview never waits for the
                tokenizer to load.
        """
        if self.tracker.loaded_from_cache or not self.tracker.cold:
            return None
        try:
            state = live_window(self.transcript, sidechain=self.tracker.sidechain)
        except OSError:
            return None
        if state is None:
            return None
        counter = counter or self.counter
        state.flush(counter)
        inputs = gather(state, self.transcript, claude_root=self.root, counter=counter)
        return build_budget(
            state,
            self.transcript,
            inputs,
            config=self.config,
            counter=counter,
            window_override=self.window_override,
            subagents=[] if state.sidechain else inline_subagents(state),
        )

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
