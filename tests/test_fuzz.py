"""A type-level fuzzer: hostile values in random fields, through every read and write command.

Each case takes a generated transcript (and, when ../shared/corpus is present, some real ones,
copied to a temporary folder), replaces random fields with None, huge or negative integers,
floats, NaN, lists, dicts, NUL, markup, escape sequences or ``../``, and runs status, sessions,
snapshot, fork, summary, handoff, the three hooks and the status line on it. Every case must
give zero tracebacks, finish in time, write nothing outside ctxdash's folders (and a fork's new
file beside the original), leave the originals byte for byte as they were, and print no control
character but ctxdash's own colour codes.

Bounded for CI: a fixed seed and a few cases. ``CTXDASH_FUZZ_CASES=200`` runs more,
``CTXDASH_FUZZ_SEED`` picks another sequence.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ctxdash import synth
from ctxdash.cli.main import main
from ctxdash.integration import hooks, statusline
from tests.conftest import CORPUS
from tests.hostile_support import lines_of, mutate, write_mutated

CASES = int(os.environ.get("CTXDASH_FUZZ_CASES", "6"))
SEED = int(os.environ.get("CTXDASH_FUZZ_SEED", "20261202"))
#: Seconds one command may take before it counts as a hang.
HANG = 30
SCENARIOS = ("basic", "subagents_nested", "subagents_flat", "malformed")
#: Our own colour codes: the only escape sequences allowed in text output.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Failures a hook may log: clean refusals, never a bug.
_HOOK_OK = re.compile(
    r"failed: (ActionError|ForkError|JSONDecodeError|SessionNotFound|"
    r"ValueError: the payload is not a JSON object)"
)


@contextlib.contextmanager
def _deadline(what: str) -> Iterator[None]:
    """Fail (instead of hanging the suite) when ``what`` runs longer than :data:`HANG`."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what}: still running after {HANG} s (a hang)")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(HANG)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _hashes(folder: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()}


def _check_text(what: str, text: str) -> None:
    bad = _CONTROL.search(_SGR.sub("", text))
    assert bad is None, f"{what}: control character {bad.group()!r} in the output"


def _cli(capsys: pytest.CaptureFixture[str], what: str, argv: list[str]) -> None:
    with _deadline(what):
        code = main(argv)  # any exception here is a traceback a user would have seen
    out, err = capsys.readouterr()
    assert code in (0, 1), f"{what}: exit code {code}"
    _check_text(f"{what} (stderr)", err)
    if "--json" in argv and code == 0:
        json.loads(out)
    else:
        _check_text(what, out)


def _payload(transcript: Path, r: random.Random, **extra: Any) -> bytes:
    payload = {"session_id": transcript.stem, "transcript_path": str(transcript), **extra}
    if r.random() < 0.5:
        payload = mutate([payload], r, r.randint(1, 3))[0]
    return json.dumps(payload, allow_nan=True).encode("utf-8", "surrogatepass")


def _case_files(tmp: Path, case: int, r: random.Random) -> tuple[Path, Path]:
    """A Claude root with one session to torture: generated, or a copy of a corpus file."""
    root = tmp / f"case{case}" / "claude"
    corpus = sorted(CORPUS.rglob("*.jsonl")) if CORPUS.is_dir() else []
    corpus = [p for p in corpus if p.stat().st_size < 400_000 and "subagents" not in p.parts]
    if corpus and case % 3 == 2:
        src = r.choice(corpus)
        project = root / "projects" / "-corpus-project"
        project.mkdir(parents=True)
        transcript = project / src.name
        shutil.copyfile(src, transcript)
    else:
        home = synth.build_claude_home(root, seed=r.randrange(1000), name=r.choice(SCENARIOS))
        transcript = home.transcript
    objs = lines_of_any(transcript)
    write_mutated(transcript, mutate(objs, r, r.randint(1, 12)))
    for sub in transcript.parent.rglob("agent-*.jsonl"):
        if r.random() < 0.5:
            write_mutated(sub, mutate(lines_of_any(sub), r, r.randint(1, 4)))
    return root, transcript


def lines_of_any(path: Path) -> list[dict[str, Any]]:
    """The JSON-object lines of a file (real files may hold anything)."""
    out = []
    for raw in path.read_bytes().splitlines():
        with contextlib.suppress(ValueError, RecursionError):
            obj = json.loads(raw)
            if isinstance(obj, dict):
                out.append(obj)
    return out or lines_of(path)


def test_fuzz_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    monkeypatch.setenv("NO_COLOR", "")
    r = random.Random(SEED)
    outside = [p / "escape" for p in [tmp_path, *tmp_path.parents]]
    for case in range(CASES):
        root, transcript = _case_files(tmp_path, case, r)
        ours = root.parent / "ctxdash"
        for kind in ("CONFIG", "CACHE", "DATA", "STATE"):
            monkeypatch.setenv(f"CTXDASH_{kind}_DIR", str(ours / kind.lower()))
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
        before = _hashes(root)
        existing = _files(tmp_path)
        t = str(transcript)
        for argv in (
            ["status", t, "--color", "never"],
            ["status", t, "--color", "always"],
            ["status", t, "--json", "--no-cache"],
            ["sessions", "--color", "never"],
            ["sessions", "--json"],
            ["snapshot", t],
            ["snapshots"],
            ["fork", t],
            ["fork", t, "--last", "1", "--json"],
            ["summary", t],
            ["handoff", t],
        ):
            _cli(capsys, f"case {case}: ctxdash {' '.join(argv)}", argv)
        for event, extra in (
            ("pre-compact", {"trigger": "auto"}),
            ("session-start", {"source": "clear"}),
            ("session-end", {"reason": "clear"}),
        ):
            with _deadline(f"case {case}: hook {event}"):
                out = hooks.run(event, _payload(transcript, r, **extra))
            _check_text(f"case {case}: hook {event}", out)
        log = ours / "state" / "hooks.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            if " failed: " in line:
                assert _HOOK_OK.search(line), f"case {case}: a hook hit a bug: {line}"
        status_payload = {
            "session_id": transcript.stem,
            "transcript_path": t,
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet"},
            "context_window": {
                "context_window_size": 200_000,
                "current_usage": {"input_tokens": 10, "cache_read_input_tokens": 5},
            },
        }
        for _ in range(3):
            raw = _payload(transcript, r)
            with _deadline(f"case {case}: statusline"):
                line = statusline.run(None, json.dumps(mutate([status_payload], r, 3)[0]).encode())
                line += statusline.run(None, raw)
            _check_text(f"case {case}: statusline", line)
        # The originals are untouched, byte for byte.
        after = _hashes(root)
        for path, digest in before.items():
            assert after.get(path) == digest, f"case {case}: {path} was changed"
        # Nothing was written outside ctxdash's folders, except new forks beside the original.
        for path in _files(tmp_path) - existing:
            allowed = path.is_relative_to(ours) or path.is_relative_to(transcript.parent)
            assert allowed, f"case {case}: {path} was written outside ctxdash's folders"
        for path in outside:
            assert not path.exists(), f"case {case}: {path} was created"
