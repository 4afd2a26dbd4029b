"""Run the real Claude Code through the same scenarios and compare ctxdash with the wire.

:func:`run_version` drives one Claude Code version in print mode against the stand-in: tool use
with thinking (Read, Bash, Write), a subagent, and a session compacted with ``/compact`` and
resumed. For every transcript it writes, ctxdash's ``status --json`` is compared with the
request Claude Code really sent (:mod:`tests.realclient.wire`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.realclient import client, wire
from tests.realclient.standin import Counter, Exchange, StandIn

#: Memory file of the scenario project: varied prose, like a real one.
CLAUDE_MD = """# Project conventions

This repository holds a small inventory service written in Python 3.11.

## Code
- Keep functions short; a function that needs a comment to explain its steps is two functions.
- Type every public function; run mypy in strict mode before pushing.
- Prefer dataclasses for plain records and msgspec Structs for anything decoded from JSON.
- Never catch a bare Exception outside the command-line entry point.
- Log with the module logger, never print, except in scripts under tools/.

## Tests
- Write the failing test first, then the fix, in the same commit.
- Unit tests live beside the module under tests/unit, integration tests under tests/it.
- A test must not touch the network; use the fixtures in tests/conftest.py for HTTP.
- Snapshot files are regenerated only on purpose, with --snapshot-update, and reviewed.

## Workflow
1. Branch from main with a short kebab-case name.
2. Run `make check` (ruff, mypy, pytest) before asking for review.
3. Squash fix-ups before merging; the summary line says what changed, not how.

## Domain notes
Stock levels are integers per warehouse; negative stock is a bug, not a backorder.
Prices are Decimal with two places, always in the warehouse's currency.
The nightly reconciliation job compares our counts with the supplier's CSV export and
opens a ticket for every difference above five units.
"""

NOTES = "\n".join(
    f"{i:03d} Meeting note: {topic} — owner {owner}, due in {days} days."
    for i, (topic, owner, days) in enumerate(
        [
            ("migrate the stock table to integer ids", "Ana", 3),
            ("add a currency column to invoices", "Bo", 5),
            ("retire the legacy CSV importer", "Chen", 12),
            ("document the reconciliation thresholds", "Dee", 2),
            ("profile the nightly job on the big warehouse", "Eli", 7),
            ("write an integration test for partial refunds", "Fay", 4),
        ]
        * 12
    )
)


@dataclass
class Case:
    """One transcript compared with the request it ends on."""

    name: str
    transcript: Path
    used: int
    sent_total: int | None
    rows: dict[str, int]
    sent: dict[str, int]
    status: dict[str, Any]

    @property
    def misattributed(self) -> float:
        """Half the sum of row differences, as a share of ``used``."""
        keys = set(self.rows) | set(self.sent)
        diff = sum(abs(self.rows.get(k, 0) - self.sent.get(k, 0)) for k in keys)
        return diff / 2 / max(1, self.used)

    def off_rows(self, floor: int = 1000, tolerance: float = 0.05) -> dict[str, tuple[int, int]]:
        """Rows of at least ``floor`` tokens further than ``tolerance`` from what was sent."""
        out = {}
        for key, sent in self.sent.items():
            mine = self.rows.get(key, 0)
            if max(sent, mine) >= floor and abs(mine - sent) > tolerance * max(sent, 1):
                out[key] = (mine, sent)
        return out


@dataclass
class Run:
    """Everything one version produced."""

    version: str
    rule: str
    cases: list[Case] = field(default_factory=list)
    #: A fork made by ``ctxdash fork``, resumed by ``claude --resume``: did the next request
    #: carry the forked conversation? (``None``: not tried.)
    fork_resumed: bool | None = None
    fork_error: str = ""
    #: ctxdash's ``used`` right after ``/compact`` and the size of the next request.
    after_compaction: tuple[int, int] | None = None
    post_tokens: int | None = None
    home: Path | None = None
    log: list[Exchange] = field(default_factory=list)


def project(root: Path) -> Path:
    """The scenario project folder, with a memory file and notes to read."""
    proj = root / "proj"
    proj.mkdir(parents=True, exist_ok=True)
    (proj / "CLAUDE.md").write_text(CLAUDE_MD)
    (proj / "notes.txt").write_text(NOTES + "\n")
    return proj


def ctxdash(home: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ctxdash ARGS`` as a user runs it, in Claude Code's home, with ctxdash's folders in
    ``state``."""
    env = {
        **os.environ,
        "HOME": str(home),
        "CTXDASH_CACHE_DIR": str(state / "cache"),
        "CTXDASH_STATE_DIR": str(state / "state"),
        "CTXDASH_DATA_DIR": str(state / "data"),
        "CTXDASH_CONFIG_DIR": str(state / "config"),
    }
    env.pop("CLAUDE_CONFIG_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "ctxdash", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def status(home: Path, transcript: Path, state: Path) -> dict[str, Any]:
    """``ctxdash status --json`` on one transcript."""
    proc = ctxdash(home, state, "status", "--json", str(transcript))
    if proc.returncode != 0:
        raise AssertionError(f"ctxdash status failed: {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _rows(budget: dict[str, Any]) -> dict[str, int]:
    rows: dict[str, int] = {}
    for cat in budget["categories"]:
        rows[cat["name"]] = rows.get(cat["name"], 0) + cat["tokens"]
    return rows


def _input_total(usage: dict[str, int] | None) -> int | None:
    if not usage:
        return None
    return sum(v for k, v in usage.items() if k != "output_tokens")


def compare(name: str, transcript: Path, run: Run, counter: Counter, state: Path) -> Case:
    """ctxdash on ``transcript`` against the main-loop request whose size it reports."""
    assert run.home is not None
    budget = status(run.home, transcript, state)
    session = transcript.stem
    matches = [
        ex
        for ex in run.log
        if ex.kind == "main"
        and session in json.dumps(ex.body.get("metadata"))
        and _input_total(ex.usage) == budget["used"]
    ]
    sent = wire.rows(matches[-1].body, counter, transcript.read_bytes()) if matches else {}
    rows = _rows(budget)
    if "tools" not in rows and "tools" in sent:
        # Versions that do not record their tool definitions: ctxdash shows one row for both.
        sent["system"] = sent.get("system", 0) + sent.pop("tools")
    return Case(
        name=name,
        transcript=transcript,
        used=budget["used"],
        sent_total=sum(sent.values()) if matches else None,
        rows=rows,
        sent=sent,
        status=budget,
    )


def run_version(version: str, root: Path, rule: str = "cl100k") -> Run:
    """All scenarios on one version (raises :class:`client.Unavailable` when it cannot run)."""
    exe = client.binary(version)
    run = Run(version=version, rule=rule, home=root / "home")
    run.home.mkdir(parents=True, exist_ok=True)
    proj = project(root)
    state = root / "ctxdash"
    counter = Counter(rule)
    with StandIn(rule=rule, log_path=root / "requests.jsonl") as srv:
        claude = client.Claude(exe, run.home, srv.url)
        run.log = srv.log
        for scenario in ("tools", "agent"):
            before = set(claude.transcripts())
            proc = claude.run(proj, "-p", f"[[scenario:{scenario}]] Please do the {scenario} task.")
            if proc.returncode != 0:
                raise AssertionError(f"claude -p failed: {proc.stderr[-2000:]}")
            new = [p for p in claude.transcripts() if p not in before]
            for path in new:
                run.cases.append(compare(scenario, path, run, counter, state))
        tools = next((c.transcript for c in run.cases if c.name == "tools"), None)
        if tools is not None:
            _fork_and_resume(claude, proj, tools, run, state)
        # Compaction: compact the tools session, read it, then resume it once more.
        if tools is not None:
            proc = claude.run(proj, "-p", "--resume", tools.stem, "/compact")
            if proc.returncode == 0 and b"compact_boundary" in tools.read_bytes():
                after = status(run.home, tools, state)
                run.post_tokens = _last_post_tokens(tools)
                count = len(srv.log)
                proc = claude.run(proj, "-p", "--resume", tools.stem, "[[scenario:chat]] Next?")
                nxt = [ex for ex in srv.log[count:] if ex.kind == "main"]
                if nxt and nxt[0].usage:
                    run.after_compaction = (after["used"], _input_total(nxt[0].usage) or 0)
                run.cases.append(compare("compacted", tools, run, counter, state))
    return run


def _fork_and_resume(
    claude: client.Claude, proj: Path, transcript: Path, run: Run, state: Path
) -> None:
    """``ctxdash fork`` the session, then let the real client resume the fork."""
    assert run.home is not None
    proc = ctxdash(run.home, state, "fork", "--json", str(transcript))
    if proc.returncode != 0:
        run.fork_resumed, run.fork_error = False, proc.stderr[-500:]
        return
    fork = json.loads(proc.stdout)
    count = len(run.log)
    before = set(claude.transcripts())
    res = claude.run(proj, "-p", "--resume", fork["session_id"], "[[scenario:chat]] Go on.")
    sent = [ex for ex in run.log[count:] if ex.kind == "main"]
    carried = bool(sent) and "Please do the tools task." in json.dumps(sent[0].body["messages"])
    run.fork_resumed = res.returncode == 0 and carried
    run.fork_error = "" if run.fork_resumed else (res.stderr or res.stdout)[-500:]
    # The resumed fork is a session of its own now: compare it too. Where the conversation
    # went depends on the version (the fork itself, or a new file for 1.0.x).
    candidates = [Path(fork["path"]), *(p for p in claude.transcripts() if p not in before)]
    holding = [p for p in candidates if p.exists() and b"Go on." in p.read_bytes()]
    if res.returncode == 0 and holding:
        run.cases.append(compare("fork", holding[-1], run, Counter(run.rule), state))


def _last_post_tokens(transcript: Path) -> int | None:
    found = None
    for raw in transcript.read_bytes().splitlines():
        if b"compact_boundary" in raw:
            meta = json.loads(raw).get("compactMetadata") or {}
            found = meta.get("postTokens")
    return found


_CONTEXT_ROW = re.compile(r"[⛀⛁⛶⛝]\s+([A-Za-z][A-Za-z ]+?):\s+([\d.]+)(k|m)?\s+\(")


def context_rows(transcript: Path) -> dict[str, int]:
    """The rows of the last ``/context`` output recorded in a transcript."""
    found: dict[str, int] = {}
    for raw in transcript.read_bytes().splitlines():
        if b"local-command-stdout" not in raw or b"Context usage" not in raw:
            continue
        text = re.sub(r"\x1b\[[0-9;]*m", "", json.loads(raw).get("content") or "")
        found = {}
        for name, number, unit in _CONTEXT_ROW.findall(text):
            scale = {"k": 1_000, "m": 1_000_000}.get(unit, 1)
            found[name.strip()] = round(float(number) * scale)
    return found


@dataclass
class Interactive:
    """What an interactive session showed and what ctxdash said of it."""

    context: dict[str, int]
    groups: dict[str, int]
    after_compaction: tuple[int, int] | None
    transcripts: list[Path]
    sessions: list[dict[str, Any]]
    #: The compacted session against its first request after ``/compact``.
    compacted: Case | None = None


def run_interactive(version: str, root: Path, rule: str = "cl100k") -> Interactive:
    """A session in tmux: a task, ``/context``, ``/compact``, another task, ``/clear``."""
    exe = client.binary(version)
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    proj = project(root)
    state = root / "ctxdash"
    with StandIn(rule=rule, log_path=root / "requests.jsonl") as srv:
        claude = client.Claude(exe, home, srv.url)
        with client.Tmux(claude, proj, f"ctxdash-rc-{os.getpid()}-{rule}") as tty:
            tty.type("[[scenario:tools]] Please do the tools task.")
            tty.wait_for("Done: I read notes.txt")
            tty.type("/context")
            tty.wait_for("Autocompact buffer")
            transcript = claude.transcripts()[-1]
            # Versions before 2.1.3xx do not record /context's output: no rows to compare.
            recorded = _wait_file(transcript, b"Context usage", fail=False)
            budget = status(home, transcript, state)
            groups = {g["name"]: g["tokens"] for g in budget["context_groups"]}
            context = context_rows(transcript) if recorded else {}
            tty.type("/compact")
            tty.wait_for("Compacted")
            _wait_file(transcript, b"compact_boundary")
            estimate = status(home, transcript, state)["used"]
            count = len(srv.log)
            tty.type("[[scenario:chat]] What next?")
            tty.wait_for("short answer with no tools")
            nxt = [ex for ex in srv.log[count:] if ex.kind == "main"]
            after = (estimate, _input_total(nxt[0].usage) or 0) if nxt else None
            run = Run(version=version, rule=rule, home=home, log=srv.log)
            compacted = compare("compacted", transcript, run, Counter(rule), state)
            tty.type("/clear")
            time.sleep(1.5)
            tty.type("[[scenario:chat]] A fresh start.")
            _wait_count(claude, 2)
            tty.wait_for("short answer with no tools")
    sessions = _sessions(home, state)
    return Interactive(context, groups, after, claude.transcripts(), sessions, compacted)


def _wait_file(path: Path, needle: bytes, timeout: float = 20, *, fail: bool = True) -> bool:
    end = time.monotonic() + (timeout if fail else 5)
    while time.monotonic() < end:
        if needle in path.read_bytes():
            return True
        time.sleep(0.2)
    if fail:
        raise AssertionError(f"{needle!r} never reached {path}")
    return False


def _wait_count(claude: client.Claude, n: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and len(claude.transcripts()) < n:
        time.sleep(0.2)


def _sessions(home: Path, state: Path) -> list[dict[str, Any]]:
    proc = ctxdash(home, state, "sessions", "--json")
    result: list[dict[str, Any]] = json.loads(proc.stdout) if proc.returncode == 0 else []
    return result
