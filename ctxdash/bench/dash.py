"""Dashboard measurements, run in a process of their own by :mod:`ctxdash.bench.run`.

``python -m ctxdash.bench.dash --first-paint TRANSCRIPT`` opens the app headless and prints
``{"reading_s": …, "first_paint_s": …, "complete_s": …}``: from ``$CTXDASH_BENCH_T0`` (when
the parent started this process) to the dashboard saying it reads the session, to the first
screen that shows a budget (a long session's preview), and to the budget of the whole history.

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
from ctxdash.ui.app import make_app
from ctxdash.ui.screens.dashboard import DashboardScreen
from ctxdash.ui.settings import AppSettings


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
    """Seconds from the process start to the first frames (a cold parse).

    ``reading_s``: the dashboard is on screen saying it reads the session; ``first_paint_s``:
    a budget is on screen (a long session's preview from its live window, else the full
    one); ``complete_s``: the budget of the whole history is on screen. A frame counts once
    the screen was refreshed after it (Textual's ``call_after_refresh``).
    """
    t0 = float(os.environ.get("CTXDASH_BENCH_T0") or time.time())
    app = make_app(AppSettings(config=Config(bell=False), transcript=transcript))
    out: dict[str, object] = {}

    async def until(cond) -> None:  # type: ignore[no-untyped-def]
        while not cond():
            if time.time() - t0 > 120:
                raise TimeoutError("the dashboard did not get there in 120 s")
            await asyncio.sleep(0.002)

    async def painted() -> float:
        done = asyncio.Event()
        app.call_after_refresh(done.set)
        await done.wait()
        return time.time() - t0

    async with app.run_test(size=(100, 40)):
        await until(lambda: isinstance(app.screen, DashboardScreen))
        out["reading_s"] = await painted()
        await until(lambda: app.budget is not None)
        out["preview"] = app.previewing
        out["first_paint_s"] = await painted()
        await until(lambda: not app.previewing)
        out["complete_s"] = await painted()
    return out


def main() -> None:
    if sys.argv[1] == "--first-paint":
        print(json.dumps(asyncio.run(first_paint(Path(sys.argv[2])))))
        return
    transcript, seconds = Path(sys.argv[1]), float(sys.argv[2])
    print(json.dumps(asyncio.run(measure(transcript, seconds))))


if __name__ == "__main__":
    main()
