"""``python -m ctxdash.bench [--quick]``: the performance figures of the README.

Generates its inputs with :mod:`ctxdash.synth` in a temporary folder and prints a table of
medians (and ratios to the goals). Nothing is asserted: the machine is shared and noisy, so
the figures are read, not enforced by tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ctxdash.synth import LiveSession, build_claude_home, scenario

MB = 1024 * 1024


def _run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``ctxdash`` in a fresh process: (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxdash", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"ctxdash {' '.join(args)} failed: {err}")
    if proc.stderr:
        proc.stderr.close()
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / MB
    return wall, rss_mb


def _median(fn: Callable[[], tuple[float, float]], runs: int) -> tuple[float, float]:
    results = [fn() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def _row(name: str, value: float, unit: str, goal: float | None, note: str = "") -> str:
    ratio = f"{value / goal:.2f}" if goal else ""
    goal_s = f"{goal:g} {unit}" if goal else ""
    return f"| {name} | {value:.3g} {unit} | {goal_s} | {ratio} | {note} |"


def _compile_package() -> None:
    """Write the bytecode a regular install has (pip compiles at install time).

    An editable checkout run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every
    module on every start, which no installed user pays.
    """
    import compileall

    compileall.compile_dir(str(Path(__file__).parent), quiet=1)


def bench(quick: bool) -> list[str]:
    """Run every measurement; return the table rows."""
    _compile_package()
    runs = 3 if quick else 7
    size = 20 * MB if quick else 100 * MB
    rows: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="ctxdash-bench-"))
    try:
        root = tmp / "claude"
        t0 = time.perf_counter()
        home = build_claude_home(root, seed=1, name="big", target_bytes=size)
        gen = time.perf_counter() - t0
        transcript = home.transcript
        real = transcript.stat().st_size / MB
        env = dict(os.environ, CLAUDE_CONFIG_DIR=str(root), NO_COLOR="1")
        cache = tmp / "cache"
        env["CTXDASH_CACHE_DIR"] = str(cache)
        env["CTXDASH_CONFIG_DIR"] = str(tmp / "cfg")
        args = ["status", "--json", str(transcript)]
        _run_cli(args, env)  # builds the tokenizer cache once, like any first run

        def cold() -> tuple[float, float]:
            shutil.rmtree(cache / "sessions", ignore_errors=True)
            (cache / "counts.bin").unlink(missing_ok=True)
            return _run_cli(args, env)

        wall, rss = _median(cold, runs)
        rows.append(
            _row(
                f"status --json, {real:.0f} MB, cold",
                wall,
                "s",
                0.5,
                f"peak RSS {rss:.0f} MB (goal 150)",
            )
        )
        _run_cli(args, env)
        wall, rss = _median(lambda: _run_cli(args, env), runs)
        rows.append(
            _row(f"status --json, {real:.0f} MB, warm", wall, "s", 0.25, f"peak RSS {rss:.0f} MB")
        )

        live = LiveSession(seed=3, cwd=home.cwd, session_id=transcript.stem)

        def grown() -> tuple[float, float]:
            with open(transcript, "ab") as fh:
                for _ in range(3):
                    fh.write(b"".join(live.step()))
            return _run_cli(args, env)

        wall, rss = _median(grown, runs)
        rows.append(
            _row("status --json, warm, grown 3 turns", wall, "s", 0.25, f"peak RSS {rss:.0f} MB")
        )
        rows.append(
            _row(
                "append one turn → updated budget",
                _append_latency(tmp, runs * 5),
                "ms",
                5.0,
                "in process, median",
            )
        )
        rows += _dashboard_rows(transcript, env, 10 if quick else 30)
        rows += _integration_rows(transcript, env, runs)
        n_files = 200 if quick else 2000
        total = 100 * MB if quick else 1024 * MB
        sroot = tmp / "many"
        _many_sessions(sroot, n_files, total)
        senv = dict(env, CLAUDE_CONFIG_DIR=str(sroot))
        wall, rss = _median(lambda: _run_cli(["sessions", "--json"], senv), runs)
        rows.append(
            _row(
                f"sessions, {n_files} files, {total // MB} MB",
                wall,
                "s",
                1.5,
                f"peak RSS {rss:.0f} MB",
            )
        )
        rows.append(_row("generate the transcript", gen, "s", None, "synth, not a goal"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _dashboard_rows(transcript: Path, env: dict[str, str], seconds: int) -> list[str]:
    """The live dashboard on the big transcript, headless, in its own process."""
    out = subprocess.run(
        [sys.executable, "-m", "ctxdash.bench_dash", str(transcript), str(seconds)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        return [f"| dashboard | failed | | | {out.stderr.strip().splitlines()[-1:]} |"]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    lat = data["latency_ms"]
    size = transcript.stat().st_size / MB
    return [
        _row("dashboard: append → screen, p50", lat["p50"], "ms", None, "real watcher"),
        _row("dashboard: append → screen, p95", lat["p95"], "ms", 150.0, "incl. debounce"),
        _row(
            f"dashboard: CPU idle {seconds} s",
            100 * data["idle_cpu"],
            "% core",
            1.0,
            f"{size:.0f} MB transcript open",
        ),
        _row("dashboard: CPU, a turn every 2 s", 100 * data["append_cpu"], "% core", 5.0, ""),
        _row("dashboard: peak RSS", data["rss_mb"], "MB", 200.0, f"{size:.0f} MB transcript"),
    ]


def _integration_rows(transcript: Path, env: dict[str, str], runs: int) -> list[str]:
    """The status line (whole process, warm) and the pre-compact hook on the big transcript."""
    payload = json.dumps(
        {
            "session_id": transcript.stem,
            "transcript_path": str(transcript),
            "model": {"id": "claude-sonnet-4-20250514"},
            "context_window": {
                "context_window_size": 200_000,
                "current_usage": {"input_tokens": 5, "cache_read_input_tokens": 120_000},
            },
        }
    ).encode()
    script = shutil.which("ctxdash") or str(Path(sys.executable).with_name("ctxdash"))

    def timed(args: list[str], stdin: bytes) -> float:
        start = time.perf_counter()
        subprocess.run(args, input=stdin, env=env, capture_output=True, check=True, timeout=120)
        return time.perf_counter() - start

    timed([script, "statusline"], payload)
    line = statistics.median(timed([script, "statusline"], payload) for _ in range(runs * 7))
    hook_payload = json.dumps({"transcript_path": str(transcript), "trigger": "auto"}).encode()
    hook = statistics.median(
        timed([script, "hook", "pre-compact"], hook_payload) for _ in range(max(1, runs // 2))
    )
    size = transcript.stat().st_size / MB
    return [
        _row("statusline, whole process, warm", line * 1000, "ms", 50.0, "median"),
        _row(
            f"pre-compact hook, {size:.0f} MB transcript",
            hook,
            "s",
            60.0,
            "snapshot + copy; hook timeout 60 s",
        ),
    ]


def _append_latency(tmp: Path, samples: int) -> float:
    """Median ms from appending one turn to an updated budget (Tracker + build_budget)."""
    from ctxdash.core.budget import build_budget
    from ctxdash.core.config import Config
    from ctxdash.core.store import Tracker
    from ctxdash.core.tokens import default_counter

    root = tmp / "live"
    home = build_claude_home(root, seed=5, name="basic")
    counter = default_counter()
    tracker = Tracker(home.transcript, use_cache=False, counter=counter)
    tracker.poll()
    live = LiveSession(seed=9, cwd=home.cwd, session_id=home.transcript.stem)
    config = Config()
    build_budget(tracker.state, home.transcript, config=config, claude_root=root, counter=counter)
    times = []
    for _ in range(samples):
        data = b"".join(live.step())
        with open(home.transcript, "ab") as fh:
            fh.write(data)
        t0 = time.perf_counter()
        tracker.poll()
        build_budget(
            tracker.state,
            home.transcript,
            config=config,
            claude_root=root,
            counter=counter,
            memory=[],
        )
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _many_sessions(root: Path, n_files: int, total_bytes: int) -> None:
    """``n_files`` transcripts in 20 projects totalling about ``total_bytes``."""
    per = max(1, total_bytes // n_files)
    w = scenario("big", seed=11, target_bytes=per)
    body = w.content()
    for i in range(n_files):
        project = root / "projects" / f"-work-project-{i % 20}"
        project.mkdir(parents=True, exist_ok=True)
        (project / f"00000000-0000-4000-8000-{i:012d}.jsonl").write_bytes(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ctxdash.bench")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer runs")
    args = parser.parse_args(argv)
    print("Goals are for the full inputs (100 MB, 2,000 files); quick mode uses smaller ones.")
    print(
        f"ctxdash benchmark ({'quick' if args.quick else 'full'}) on {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print("| measurement | median | goal | ratio | note |\n|---|---|---|---|---|")
    for row in bench(args.quick):
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
