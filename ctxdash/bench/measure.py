"""Measuring whole processes: runs, medians, table rows, and bytecode compiled first."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

MB = 1024 * 1024


def run_process(
    argv: list[str], env: dict[str, str], *, check: bool = True, stdin: bytes | None = None
) -> tuple[float, float]:
    """Run a command in a fresh process: (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if stdin is not None and proc.stdin:
        proc.stdin.write(stdin)
        proc.stdin.close()
    err = proc.stderr.read() if proc.stderr else b""  # never let a full pipe block it
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed: {err.decode('utf-8', 'replace')}")
    if proc.stderr:
        proc.stderr.close()
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / MB
    return wall, rss_mb


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``ctxdash`` in a fresh process: (wall seconds, peak RSS in MB)."""
    return run_process([sys.executable, "-m", "ctxdash", *args], env)


def median_of(fn: Callable[[], tuple[float, float]], runs: int) -> tuple[float, float]:
    results = [fn() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def row(name: str, value: float, unit: str, goal: float | None, note: str = "") -> str:
    ratio = f"{value / goal:.2f}" if goal else ""
    goal_s = f"{goal:g} {unit}" if goal else ""
    return f"| {name} | {value:.3g} {unit} | {goal_s} | {ratio} | {note} |"


def compile_package() -> None:
    """Write the bytecode a regular install has (pip compiles at install time).

    An editable checkout run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every
    module on every start, which no installed user pays.
    """
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1]), quiet=1)  # ctxdash/
