"""The built-in demo: a synthetic session written into a temporary Claude folder.

The dashboard reads it through the real path (files on disk, the watcher, the incremental
parser); :meth:`Demo.step` appends one more turn. Deterministic for a given seed, except for
the timestamps when a ``clock`` is given (the live demo writes real times).

:meth:`Demo.delays` paces the live demo so that each phase (OK, warning, critical, after the
compaction) stays on screen long enough to read. :meth:`Demo.close` deletes the folder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ctxdash.core import levels as lv
from ctxdash.synth import LiveSession, encode_project_dir, memory_texts

#: Turns written before the dashboard opens, so there is something to see at once.
PRELUDE = 3
#: The demo's session runs on a 1M window, as Claude Code's default model does, with the
#: 200K budget: it lingers in the critical band, then the user compacts (``/compact``) here.
COMPACT_AT = 196_000
#: What the demo's Claude Code settings choose: a 1M window for the session's model.
DEMO_MODEL = "sonnet[1m]"
#: Seconds each phase of the live demo stays on screen at least.
MIN_PHASE = 8.5
#: The levels the phases are cut at (the default budget's warning and critical levels).
WARN, CRITICAL = lv.levels(lv.DEFAULT_BUDGET)


class Demo:
    """A growing demo session.

    Args:
        seed: Makes the session reproducible.
        turns: Turns in the whole demo (it crosses both levels and compacts once).
        base: Folder to write into (default: a new temporary folder, deleted by :meth:`close`).
        clock: Seconds since the epoch for the timestamps (default: fixed, made-up times).
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        turns: int = 70,
        base: Path | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        #: A temporary folder made here is removed by :meth:`close`; a given one is kept.
        self.owns_base = base is None
        self.base = base or Path(tempfile.mkdtemp(prefix="ctxdash-demo-"))
        self.seed, self.turns = seed, turns
        self.root = self.base / ".claude"
        self.cwd = self.base / "work" / "demo_app"
        startup, nested = memory_texts(str(self.cwd), self.root)
        for path, text in {**startup, **nested}.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        self._memory = startup, nested
        settings = {"model": DEMO_MODEL}
        (self.root / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        self.live = self._session(clock)
        project = self.root / "projects" / encode_project_dir(str(self.cwd))
        project.mkdir(parents=True, exist_ok=True)
        self.transcript = project / f"{self.live.writer.session_id}.jsonl"
        self.transcript.write_bytes(b"")
        for _ in range(PRELUDE):
            self.step()

    def close(self) -> None:
        """Remove the temporary folder (if this demo made it). Safe to call twice."""
        if self.owns_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Demo:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _session(self, clock: Callable[[], float] | None) -> LiveSession:
        startup, nested = self._memory
        return LiveSession(
            seed=self.seed,
            turns=self.turns,
            compact_at=COMPACT_AT,
            compact_trigger="manual",
            clock=clock,
            cwd=str(self.cwd),
            memory=startup,
            nested_memory=nested,
        )

    @property
    def done(self) -> bool:
        """True when every turn has been written."""
        return self.live.done

    def step(self) -> bool:
        """Append one turn; ``False`` once the demo is over."""
        if self.live.done:
            return False
        self.live.append_to(self.transcript)
        return True

    def run_to(self, turns: int) -> None:
        """Write turns until ``turns`` have been written (or the demo ends)."""
        while self.live.turn < turns and self.step():
            pass

    def delays(self, interval: float, min_phase: float = MIN_PHASE) -> list[float]:
        """Seconds to wait after each turn so every phase lasts at least ``min_phase``.

        A phase is a level (OK, warning, critical) between two compactions; the state right
        after a compaction is a phase of its own. Index ``i`` is the wait after turn ``i + 1``.
        """
        dry = self._session(None)  # the same turns, computed without writing anything
        phases: list[tuple[str, int]] = []
        epoch, previous = 0, 0
        while not dry.done:
            dry.step()
            used = dry.writer.used or 0
            if used < previous // 2:  # the size fell: a compaction
                epoch += 1
                phases.append(("compacted", epoch))
            else:
                phases.append((lv.level_name(used, WARN, CRITICAL), epoch))
            previous = used
        counts: dict[tuple[str, int], int] = {}
        for phase in phases:
            counts[phase] = counts.get(phase, 0) + 1
        return [max(interval, min_phase / counts[phase]) for phase in phases]
