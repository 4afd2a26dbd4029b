"""Dashboard measurements, run in a process of their own by :mod:`ctxdash.bench.run`.

``python -m ctxdash.bench.dash --first-paint TRANSCRIPT`` opens the app headless and prints
``{"first_paint_s": …}``: from ``$CTXDASH_BENCH_T0`` (when the parent started this process)
to the first screen that shows the session's budget.

``python -m ctxdash.bench.dash TRANSCRIPT SECONDS`` opens the app headless on the transcript
with the real watcher, then prints one JSON object:

* ``latency_ms``: from appending one turn to the screen showing the new size (p50, p95);
* ``idle_cpu``: CPU seconds per second while nothing is written for ``SECONDS``;
* ``append_cpu``: CPU seconds per second while a turn is appended every 2 s for ``SECONDS``;
* ``rss_mb``: peak resident memory of the process.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from ctxdash.core.config import Config
from ctxdash.synth import LiveSession
from ctxdash.ui.app import AppSettings, make_app


def _append(transcript: Path, live: LiveSession) -> None:
    """What Claude Code does: append a turn (a quick write, fine on the event loop here)."""
    with open(transcript, "ab") as fh:
        fh.write(b"".join(live.step()))


async def measure(transcript: Path, seconds: float, samples: int = 40) -> dict[str, object]:
    """Run the app on ``transcript`` and measure it."""
    app = make_app(AppSettings(config=Config(bell=False), transcript=transcript))
    live = LiveSession(seed=21, session_id=transcript.stem, turns=10_000)

    async def until(cond, limit: float = 10.0) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        while not cond():
            if time.perf_counter() - start > limit:
                raise TimeoutError("the screen did not update")
            await asyncio.sleep(0.002)
        return time.perf_counter() - start

    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: app.budget is not None, 120)
        await pilot.pause(0.5)
        latencies = []
        for _ in range(samples):
            before = app.budget
            _append(transcript, live)
            latencies.append(await until(lambda b=before: app.budget is not b) * 1000)
            await pilot.pause(0.2)
        await pilot.pause(1.0)
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        idle = (time.process_time() - cpu0) / (time.perf_counter() - t0)
        cpu0, t0 = time.process_time(), time.perf_counter()
        end = t0 + seconds
        while time.perf_counter() < end:
            _append(transcript, live)
            await asyncio.sleep(2.0)
        appending = (time.process_time() - cpu0) / (time.perf_counter() - t0)
    q = statistics.quantiles(latencies, n=20)
    return {
        "latency_ms": {"p50": statistics.median(latencies), "p95": q[18]},
        "idle_cpu": idle,
        "append_cpu": appending,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def first_paint(transcript: Path) -> dict[str, object]:
    """Seconds from the process start to the first painted budget (a cold parse)."""
    t0 = float(os.environ.get("CTXDASH_BENCH_T0") or time.time())
    app = make_app(AppSettings(config=Config(bell=False), transcript=transcript))
    async with app.run_test(size=(100, 40)) as pilot:
        while app.budget is None:
            if time.time() - t0 > 120:
                raise TimeoutError("no budget on screen after 120 s")
            await asyncio.sleep(0.002)
        await pilot.pause()  # the frame that shows it
        painted = time.time() - t0
    return {"first_paint_s": painted}


def main() -> None:
    if sys.argv[1] == "--first-paint":
        print(json.dumps(asyncio.run(first_paint(Path(sys.argv[2])))))
        return
    transcript, seconds = Path(sys.argv[1]), float(sys.argv[2])
    print(json.dumps(asyncio.run(measure(transcript, seconds))))


if __name__ == "__main__":
    main()
