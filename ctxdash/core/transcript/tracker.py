"""Keep a transcript's parse state current, and persist it between runs.

:class:`Tracker` pairs a :class:`~ctxdash.core.transcript.tail.FileTail` with a
:class:`~ctxdash.core.transcript.fold.SessionState`. ``poll()`` parses only the bytes appended
since the last call (a first call starts at the last compaction, see
:mod:`ctxdash.core.transcript.coldstart`);
a truncated, rewritten or replaced file is parsed again from the start. The
state is saved under the cache dir (msgpack, written atomically) keyed by the file's path; the
tail's inode, offset and fingerprint decide whether a saved state still applies, so a restart
parses only what was appended meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import msgspec

from ctxdash import __version__
from ctxdash.core import paths
from ctxdash.core.atomic import replace_bytes
from ctxdash.core.transcript.coldstart import cold_start
from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.tail import FileTail, TailState
from ctxdash.core.transcript.tokens import TokenCounter, sampled_texts

#: Bump when SessionState changes shape: old caches are then ignored.
CACHE_FORMAT = 16  # bump on any change to what the parser keeps


class _Saved(msgspec.Struct, kw_only=True):
    format: int
    version: str
    #: Counts from another tokenizer would split the tokens differently.
    counter: str = ""
    tail: TailState
    state: SessionState
    #: Texts of this transcript counted from samples (too long to count whole).
    sampled: int = 0


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(_Saved)


def cache_path(transcript: Path) -> Path:
    """Where a transcript's parse state is saved."""
    key = hashlib.blake2b(os.fsencode(transcript.resolve()), digest_size=10).hexdigest()
    return paths.cache_dir() / "sessions" / f"{transcript.stem[:40]}-{key}.msgpack"


def is_subagent_file(path: Path) -> bool:
    """``agent-*.jsonl`` files hold a subagent's own window."""
    return path.name.startswith("agent-")


class Tracker:
    """The live parse state of one transcript.

    Args:
        path: The transcript.
        sidechain: Parse as a subagent transcript; by default decided from the file name.
        use_cache: Load and save the persisted state.
        counter: Token counter (tests inject a fake one); default: the offline tokenizer.
        cold: Start a parse from nothing at the last compaction
            (:mod:`ctxdash.core.transcript.coldstart`);
            ``False`` reads every line from the first byte (same result, slower).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        sidechain: bool | None = None,
        use_cache: bool = True,
        counter: TokenCounter | None = None,
        cold: bool = True,
    ) -> None:
        self.path = Path(path)
        self.cold = cold
        self.sidechain = is_subagent_file(self.path) if sidechain is None else sidechain
        self.use_cache = use_cache
        self.counter = counter
        self.state = SessionState(sidechain=self.sidechain)
        self.tail = FileTail(self.path)
        self.loaded_from_cache = False
        #: Where a cold start skipped to (the last clean compaction), 0 when it did not.
        self.started_at = 0
        #: Texts of this transcript counted from samples: its split is partly an estimate.
        self.sampled = 0
        self._dirty = False
        if use_cache:
            self._load()

    def _load(self) -> None:
        try:
            saved = _DECODER.decode(cache_path(self.path).read_bytes())
        except (OSError, msgspec.DecodeError):
            return
        if saved.format != CACHE_FORMAT or saved.version != __version__:
            return
        if saved.counter != self._counter_name():
            return
        if saved.state.sidechain != self.sidechain:
            return
        self.tail = FileTail(self.path, saved.tail)
        self.state = saved.state
        self.sampled = saved.sampled
        self.loaded_from_cache = True

    def _counter_name(self) -> str:
        return self.counter.name if self.counter is not None else "default"

    def poll(self) -> bool:
        """Parse what was appended. Returns ``True`` if anything changed.

        Raises:
            OSError: the file cannot be read (vanished, no permission).
        """
        changed = False
        before = sampled_texts(self.counter)
        if self.cold and self.tail.state.offset == 0 and not self.tail.state.remainder:
            start = cold_start(self.path, sidechain=self.sidechain)
            if start is not None:
                self.state, self.tail = start.state, FileTail(self.path, start.tail)
                self.started_at = start.tail.offset
                changed = True
        for chunk in self.tail.read():
            if chunk.reset:
                resets = self.state.counters.resets + 1
                self.sampled = 0
                self.state = SessionState(sidechain=self.sidechain)
                self.state.counters.resets = resets
                changed = True
            if chunk.lines:
                self.state.feed_bytes(chunk.lines)
                changed = True
        if changed:
            self.state.flush(self.counter)
            self.sampled += sampled_texts(self.counter) - before
            self._dirty = True
        return changed

    def save(self) -> None:
        """Persist the state (atomically); errors only cost speed next time."""
        if not (self.use_cache and self._dirty):
            return
        target = cache_path(self.path)
        saved = _Saved(
            format=CACHE_FORMAT,
            version=__version__,
            counter=self._counter_name(),
            tail=self.tail.state,
            state=self.state,
            sampled=self.sampled,
        )
        try:
            blob = _ENCODER.encode(saved)
        except UnicodeEncodeError:  # a file name that is not UTF-8: parsed again next time
            return
        # Private (0600): the state holds titles and paths from the transcript.
        with contextlib.suppress(OSError):
            replace_bytes(target, blob)
            self._dirty = False


def load_state(
    path: Path | str,
    *,
    sidechain: bool | None = None,
    use_cache: bool = True,
    counter: TokenCounter | None = None,
) -> SessionState:
    """Parse a transcript (incrementally from the cache) and return its state."""
    tracker = Tracker(path, sidechain=sidechain, use_cache=use_cache, counter=counter)
    tracker.poll()
    tracker.save()
    return tracker.state
