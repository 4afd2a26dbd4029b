"""``python -m ctxdash.bench [--quick] [--install-peers]``: the performance figures of the README.

Generates its inputs with :mod:`ctxdash.synth` in a temporary folder (the 1 GB transcript
too: it is never stored) and prints a table of medians, each with its goal and the ratio to
it. Peers installed by ``--install-peers`` (see :mod:`ctxdash.bench.peers`) run on the same
files, pair by pair with ctxdash (interleaved, so a busy moment of the machine hits both), and
their rows give the ratio ctxdash / peer. ``--quick`` (run by CI) uses small inputs and skips
the peers and the big files. Nothing is asserted: the machine is shared and noisy, so the
figures are read, not enforced by tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ctxdash.bench import peers as bench_peers
from ctxdash.bench.measure import MB, compile_package, median_of, row, run_cli, run_process
from ctxdash.bench.peers import Peer
from ctxdash.synth import LiveSession, build_claude_home, scenario


def bench(quick: bool, peers: list[Peer]) -> list[str]:
    """Run every measurement; return the table rows."""
    compile_package()
    runs = 3 if quick else 7
    size = 20 * MB if quick else 100 * MB
    rows: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="ctxdash-bench-"))
    saved = {name: os.environ.get(name) for name in _own_dirs(tmp)}
    # In this process too (the in-process rows): nothing lands in the user's folders.
    os.environ.update(_own_dirs(tmp))
    try:
        root = tmp / "claude"
        t0 = time.perf_counter()
        home = build_claude_home(root, seed=1, name="big", target_bytes=size)
        gen = time.perf_counter() - t0
        transcript = home.transcript
        real = transcript.stat().st_size / MB
        cache = tmp / "cache"
        env = dict(os.environ, CLAUDE_CONFIG_DIR=str(root), NO_COLOR="1", **_own_dirs(tmp))
        args = ["status", "--json", str(transcript)]
        run_cli(args, env)  # builds the tokenizer cache once, like any first run
        rows += _cold_rows(transcript, root, env, cache, runs, peers, 0.5 if quick else 0.7)
        run_cli(args, env)
        wall, rss = median_of(lambda: run_cli(args, env), runs)
        rows.append(
            row(f"status --json, {real:.0f} MB, warm", wall, "s", 0.1, f"peak RSS {rss:.0f} MB")
        )

        live = LiveSession(seed=3, cwd=home.cwd, session_id=transcript.stem)

        def grown() -> tuple[float, float]:
            with open(transcript, "ab") as fh:
                for _ in range(3):
                    fh.write(b"".join(live.step()))
            return run_cli(args, env)

        wall, rss = median_of(grown, runs)
        rows.append(
            row("status --json, warm, grown 3 turns", wall, "s", 0.25, f"peak RSS {rss:.0f} MB")
        )
        rows.append(
            row(
                "append one turn → updated budget",
                _append_latency_child(tmp, runs * 5, env),
                "ms",
                5.0,
                "in process, median",
            )
        )
        rows.append(_huge_line_row(tmp, env, runs))
        rows += _dashboard_rows(transcript, env, 5 if quick else 30)
        rows += _integration_rows(transcript, env, runs)
        if not quick:
            rows += _gigabyte_rows(tmp, env, peers)
        n_files = 200 if quick else 2000
        total = 100 * MB if quick else 1024 * MB
        sroot = tmp / "many"
        _many_sessions(sroot, n_files, total)
        senv = dict(env, CLAUDE_CONFIG_DIR=str(sroot))
        wall, rss = median_of(lambda: run_cli(["sessions", "--json"], senv), runs)
        rows.append(
            row(
                f"sessions, {n_files} files, {total // MB} MB",
                wall,
                "s",
                1.5,
                f"peak RSS {rss:.0f} MB",
            )
        )
        rows.append(row("generate the transcript", gen, "s", None, "synth, not a goal"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _own_dirs(tmp: Path) -> dict[str, str]:
    """ctxdash's cache, config and state folders inside the benchmark's temporary folder."""
    return {
        "CTXDASH_CACHE_DIR": str(tmp / "cache"),
        "CTXDASH_CONFIG_DIR": str(tmp / "cfg"),
        "CTXDASH_STATE_DIR": str(tmp / "state"),
    }


def _huge_line_row(tmp: Path, env: dict[str, str], runs: int) -> str:
    """``status`` (cold) on a session holding one 20 MB line of a single character.

    BPE on such a run is slow and memory-hungry; texts that long are counted from samples.
    """
    root = tmp / "huge"
    home = build_claude_home(root, seed=2, name="basic")
    sid = home.transcript.stem
    prompt: dict[str, object] = {"type": "user", "sessionId": sid, "uuid": "huge-prompt"}
    prompt["message"] = {"role": "user", "content": "@@HUGE@@"}
    head, tail = json.dumps(prompt).encode().split(b"@@HUGE@@")
    reply: dict[str, object] = {"type": "assistant", "sessionId": sid, "uuid": "huge-reply"}
    reply["message"] = {
        "id": "msg_huge",
        "model": "claude-sonnet-4-5-20250929",
        "role": "assistant",
        "usage": {"input_tokens": 150_000, "output_tokens": 10},
        "content": [{"type": "text", "text": "ok"}],
    }
    with open(home.transcript, "ab") as fh:  # written in pieces: this process stays small
        fh.write(head)
        for _ in range(20):
            fh.write(b"A" * MB)
        fh.write(tail + b"\n" + json.dumps(reply).encode() + b"\n")
    cache = Path(env["CTXDASH_CACHE_DIR"])
    henv = dict(env, CLAUDE_CONFIG_DIR=str(root))
    args = ["status", "--json", str(home.transcript)]

    def cold() -> tuple[float, float]:
        _forget_parses(cache)
        return run_cli(args, henv)

    wall, rss = median_of(cold, runs)
    return row("status, one 20 MB line, cold", wall, "s", None, f"peak RSS {rss:.0f} MB")


def _forget_parses(cache: Path) -> None:
    """Remove ctxdash's saved parses and token counts: the next run starts cold."""
    shutil.rmtree(cache / "sessions", ignore_errors=True)
    (cache / "counts.bin").unlink(missing_ok=True)


def _dash(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a dashboard measurement (:mod:`ctxdash.bench.dash`) in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "ctxdash.bench.dash", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _cold_rows(
    transcript: Path,
    root: Path,
    env: dict[str, str],
    cache: Path,
    runs: int,
    peers: list[Peer],
    goal_ratio: float,
    goal_s: float | None = None,
) -> list[str]:
    """``status --json`` with no parse cache, interleaved run by run with each peer."""
    args = ["status", "--json", str(transcript)]
    size = transcript.stat().st_size / MB

    def cold() -> tuple[float, float]:
        _forget_parses(cache)
        return run_cli(args, env)

    ours: list[tuple[float, float]] = []
    theirs: dict[str, list[tuple[float, float]]] = {p.name: [] for p in peers}
    home = root.parent / "peer-home"
    home.mkdir(exist_ok=True)
    for _ in range(runs):
        ours.append(cold())
        for peer in peers:
            argv, penv = peer.summarise(root, home)
            theirs[peer.name].append(run_process(argv, penv, check=False))
    wall = statistics.median(w for w, _ in ours)
    rss = max(r for _, r in ours)
    rows = [
        row(
            f"status --json, {size:.0f} MB, cold",
            wall,
            "s",
            goal_s,
            f"peak RSS {rss:.0f} MB" + (" (goal 200)" if goal_s else ""),
        )
    ]
    for name, results in theirs.items():
        ratio = statistics.median(o[0] / t[0] for o, t in zip(ours, results, strict=True))
        peer_wall = statistics.median(w for w, _ in results)
        peer_rss = max(r for _, r in results)
        rows.append(
            f"| … vs {name}, same file | {ratio:.2f}× | ≤ {goal_ratio:g}× "
            f"| {ratio / goal_ratio:.2f} | {name} {peer_wall:.3g} s, peak RSS {peer_rss:.0f} MB; "
            f"median of {len(results)} per-pair ratios (ratio of medians {wall / peer_wall:.2f}) |"
        )
    return rows


def _gigabyte_rows(tmp: Path, env: dict[str, str], peers: list[Peer]) -> list[str]:
    """A 1 GB transcript (many compactions), generated here: cold status, first paint."""
    root = tmp / "claude-1g"
    t0 = time.perf_counter()
    home = build_claude_home(root, seed=2, name="big", target_bytes=1024 * MB)
    gen = time.perf_counter() - t0
    genv = dict(env, CLAUDE_CONFIG_DIR=str(root))
    cache = Path(env["CTXDASH_CACHE_DIR"])
    rows = _cold_rows(home.transcript, root, genv, cache, 3, peers, 1.0, 1.5)
    paints = []
    for _ in range(3):
        _forget_parses(cache)
        penv = dict(genv, CTXDASH_BENCH_T0=repr(time.time()))
        out = _dash(["--first-paint", str(home.transcript)], penv)
        if out.returncode != 0:
            return [*rows, f"| dashboard first paint | failed | | | {out.stderr[-200:]!r} |"]
        paints.append(json.loads(out.stdout.strip().splitlines()[-1]))
    previews = sum(1 for p in paints if p["preview"])
    rows += [
        row(
            "dashboard first paint, 1 GB, cold",
            statistics.median(p["first_paint_s"] for p in paints),
            "s",
            1.0,
            f"process start → a budget on screen (live window: {previews} of {len(paints)} runs)",
        ),
        row(
            "dashboard, 1 GB, whole history on screen",
            statistics.median(p["complete_s"] for p in paints),
            "s",
            None,
            "read in a thread after the first paint",
        ),
    ]
    rows.append(row("generate the 1 GB transcript", gen, "s", None, "synth, not a goal"))
    return rows


def _dashboard_rows(transcript: Path, env: dict[str, str], seconds: int) -> list[str]:
    """The live dashboard on the big transcript, headless, in its own process."""
    out = _dash([str(transcript), str(seconds)], env)
    if out.returncode != 0:
        return [f"| dashboard | failed | | | {out.stderr.strip().splitlines()[-1:]} |"]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    lat = data["latency_ms"]
    size = transcript.stat().st_size / MB
    return [
        row("dashboard: append → screen, p50", lat["p50"], "ms", None, "real watcher"),
        row("dashboard: append → screen, p95", lat["p95"], "ms", 150.0, "incl. debounce"),
        row(
            f"dashboard: CPU idle {seconds} s",
            100 * data["idle_cpu"],
            "% core",
            0.5,
            f"{size:.0f} MB transcript open",
        ),
        row("dashboard: CPU, a turn every 2 s", 100 * data["append_cpu"], "% core", 5.0, ""),
        row("dashboard: peak RSS", data["rss_mb"], "MB", 200.0, f"{size:.0f} MB transcript"),
    ]


def statusline_payload(transcript: Path, *, zeros: bool = False) -> bytes:
    """What Claude Code 2.1.332 sends the status line; ``zeros``: right after ``/compact``."""
    n = 0 if zeros else 1
    usage = {
        "input_tokens": 6 * n,
        "output_tokens": 310 * n,
        "cache_creation_input_tokens": 1_204 * n,
        "cache_read_input_tokens": 120_977 * n,
    }
    payload = {
        "session_id": transcript.stem,
        "transcript_path": str(transcript),
        "cwd": "/work",
        "model": {"id": "claude-opus-5-5", "display_name": "Opus 5.5"},
        "version": "2.1.332",
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 1.25, "total_duration_ms": 600_000},
        "context_window": {
            "total_input_tokens": 122_187 * n,
            "total_output_tokens": 310 * n,
            "context_window_size": 1_000_000,
            "current_usage": usage,
            "used_percentage": 12 * n,
            "remaining_percentage": 100 - 12 * n,
        },
        "exceeds_200k_tokens": False,
        "prompt_cache": {},
        "effort": {"level": "high"},
        "thinking": {"enabled": True},
        "fast_mode": False,
        "prompt_id": "bench",
    }
    return json.dumps(payload).encode()


def _integration_rows(transcript: Path, env: dict[str, str], runs: int) -> list[str]:
    """The status line as installed (whole process) and the pre-compact hook."""
    from ctxdash.cli.claude import statusline_command

    installed = shlex.split(statusline_command())
    script = shutil.which("ctxdash") or str(Path(sys.executable).with_name("ctxdash"))

    def timed(args: list[str], stdin: bytes) -> float:
        start = time.perf_counter()
        subprocess.run(args, input=stdin, env=env, capture_output=True, check=True, timeout=120)
        return time.perf_counter() - start

    normal = statusline_payload(transcript)
    zeros = statusline_payload(transcript, zeros=True)
    timed(installed, normal)
    lines: dict[str, list[float]] = {"normal": [], "zeros": [], "bare": []}
    for _ in range(runs * 7):  # interleaved with a bare interpreter: the floor
        lines["normal"].append(timed(installed, normal))
        lines["zeros"].append(timed(installed, zeros))
        lines["bare"].append(timed([sys.executable, "-c", "pass"], b""))
    line = {k: statistics.median(v) * 1000 for k, v in lines.items()}
    hook_payload = json.dumps({"transcript_path": str(transcript), "trigger": "auto"}).encode()
    hook = statistics.median(
        timed([script, "hook", "pre-compact"], hook_payload) for _ in range(max(1, runs // 2))
    )
    size = transcript.stat().st_size / MB
    floor = f"bare Python {line['bare']:.0f} ms"
    return [
        row("statusline as installed, 2.1.332 payload", line["normal"], "ms", 40.0, floor),
        row("statusline as installed, zeros (after /compact)", line["zeros"], "ms", 40.0,
             f"reads the transcript's end; {floor}"),
        row(
            f"pre-compact hook, {size:.0f} MB transcript",
            hook,
            "s",
            60.0,
            "snapshot + copy; hook timeout 60 s",
        ),
    ]  # fmt: skip


def _append_latency_child(tmp: Path, samples: int, env: dict[str, str]) -> float:
    """:func:`_append_latency` in a process of its own.

    A child process starts with its parent's resident memory in its peak (Linux counts the
    pages it was forked with): the parent stays small, so the other rows' peaks are theirs.
    """
    code = (
        "import sys; from pathlib import Path; from ctxdash.bench.run import _append_latency;"
        "print(_append_latency(Path(sys.argv[1]), int(sys.argv[2])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp), str(samples)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _append_latency(tmp: Path, samples: int) -> float:
    """Median ms from appending one turn to an updated budget (Tracker + build_budget)."""
    from ctxdash.core.budget import build_budget
    from ctxdash.core.config import Config
    from ctxdash.core.gather import gather
    from ctxdash.core.transcript.tokens import default_counter
    from ctxdash.core.transcript.tracker import Tracker

    root = tmp / "live"
    home = build_claude_home(root, seed=5, name="basic")
    counter = default_counter()
    tracker = Tracker(home.transcript, use_cache=False, counter=counter)
    tracker.poll()
    live = LiveSession(seed=9, cwd=home.cwd, session_id=home.transcript.stem)
    config = Config()
    inputs = gather(tracker.state, home.transcript, claude_root=root, counter=counter)
    build_budget(tracker.state, home.transcript, inputs, config=config, counter=counter)
    times = []
    for _ in range(samples):
        data = b"".join(live.step())
        with open(home.transcript, "ab") as fh:
            fh.write(data)
        t0 = time.perf_counter()
        tracker.poll()
        # As the dashboard does: what was read around the transcript is kept.
        inputs = gather(
            tracker.state,
            home.transcript,
            claude_root=root,
            counter=counter,
            memory=inputs.memory,
            listings=inputs.listings,
            env=inputs.env,
        )
        build_budget(tracker.state, home.transcript, inputs, config=config, counter=counter)
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
    parser.add_argument("--quick", action="store_true", help="smaller inputs, no peers")
    parser.add_argument(
        "--install-peers", action="store_true", help="install the pinned peers first (network)"
    )
    parser.add_argument("--peers", type=Path, help="where the peers are installed")
    args = parser.parse_args(argv)
    folder = args.peers or bench_peers.default_dir()
    if args.install_peers:
        for problem in bench_peers.install(folder):
            print(f"could not install a peer: {problem}", file=sys.stderr)
    peers = [] if args.quick else bench_peers.find(folder)
    print(
        "Goals are for the full inputs (100 MB, 1 GB, 2,000 files); quick mode uses smaller ones."
    )
    print(
        f"ctxdash benchmark ({'quick' if args.quick else 'full'}) on {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; peers: "
        + (", ".join(p.name for p in peers) or "none (python -m ctxdash.bench --install-peers)")
    )
    print("| measurement | median | goal | ratio | note |\n|---|---|---|---|---|")
    for line in bench(args.quick, peers):
        print(line, flush=True)
    return 0
