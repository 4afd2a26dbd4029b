"""The built-in demo: a synthetic session written into a temporary Claude folder.

The dashboard reads it through the real path (files on disk, the watcher, the incremental
parser); :meth:`Demo.step` appends one more turn. Deterministic for a given seed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from ctxdash.synth import LiveSession, encode_project_dir, memory_texts

#: Turns written before the dashboard opens, so there is something to see at once.
PRELUDE = 3
#: The demo compacts late (Claude Code would at ~167K) so it lingers in the critical band.
COMPACT_AT = 196_000


class Demo:
    """A growing demo session.

    Args:
        seed: Makes the session reproducible.
        turns: Turns in the whole demo (it crosses 150K, 180K and compacts once).
        base: Folder to write into (default: a new temporary folder).
    """

    def __init__(self, *, seed: int = 7, turns: int = 70, base: Path | None = None) -> None:
        #: A temporary folder made here is removed by :meth:`close`; a given one is kept.
        self.owns_base = base is None
        self.base = base or Path(tempfile.mkdtemp(prefix="ctxdash-demo-"))
        self.root = self.base / ".claude"
        self.cwd = self.base / "work" / "demo_app"
        startup, nested = memory_texts(str(self.cwd), self.root)
        for path, text in {**startup, **nested}.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        self.live = LiveSession(
            seed=seed,
            turns=turns,
            cwd=str(self.cwd),
            memory=startup,
            nested_memory=nested,
            compact_at=COMPACT_AT,
        )
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
