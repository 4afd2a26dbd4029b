"""Sent but never written: Claude Code before 2.1.3xx sends reminders (the todo-list nudge, the
files it re-attaches after ``/compact``) that are not in the transcript. ctxdash shows them as
their own estimated row, and never where nothing is missing.

The synthetic writer adds such text to its usage without writing it and says how much the
last request carried.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.core.claude.reattach import reattached_tokens
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.tokens import HeuristicCounter

COUNTER = HeuristicCounter()
NUDGE = (
    "<system-reminder>\nThe TodoWrite tool hasn't been used recently. If you're working on "
    "tasks that would benefit from tracking progress, consider using the TodoWrite tool to "
    "track progress. Also consider cleaning up the todo list if has become stale and no longer "
    "matches what you are working on. Only use it if it's relevant to the current work. This "
    "is just a gentle reminder - ignore if not applicable. Make sure that you NEVER mention "
    "this reminder to the user\n\nHere are the existing contents of your todo list:\n\n"
    + "".join(
        f"{i}. [pending] Check the {w} handling of the export path\n"
        for i, w in enumerate(("parser", "cache", "window", "budget", "tailer", "monitor"), 1)
    )
    + "</system-reminder>"
)


def _rows(w: synth.SessionWriter) -> dict[str, int]:
    assert isinstance(w._out, io.BytesIO)
    state = SessionState()
    state.feed_bytes(w._out.getvalue().splitlines())
    state.flush(COUNTER)
    assert state.used == w.expected().used
    rows: dict[str, int] = {}
    for item in state.items:
        rows[item.cat] = rows.get(item.cat, 0) + item.tokens
    return rows


def _writer(seed: int, version: str = "2.0.76") -> synth.SessionWriter:
    return synth.SessionWriter(seed=seed, version=version, out=io.BytesIO())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_nudge_mid_session_is_its_own_row(seed: int) -> None:
    w = _writer(seed)
    w.start("Please look at the parser.")
    w.use_tools([w.tool_read(4_000)], thinking=True, text="Reading first.")
    w.use_tools([w.tool_grep()], thinking=True)
    w.unrecorded(NUDGE)  # goes with the grep result
    w.use_tools([w.tool_bash(600)])
    w.respond(text="Here is what I found.")
    exp = w.expected().unrecorded_tokens
    mine = _rows(w).get("unrecorded", 0)
    assert exp > 150
    assert abs(mine - exp) <= 0.25 * exp, (mine, exp)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_files_re_attached_after_compaction(seed: int) -> None:
    w = _writer(seed)
    w.start("Please look at the parser.")
    read = w.tool_read(9_000)
    w.use_tools([read], thinking=True)
    w.respond(text="Read it.")
    w.compact("manual")
    text = read.result if isinstance(read.result, str) else str(read.result)
    w.unrecorded(f"<system-reminder>\nResult of calling the Read tool: {text}\n</system-reminder>")
    w.prompt("Go on.")
    w.respond(text="Going on.")
    exp = w.expected().unrecorded_tokens
    rows = _rows(w)
    assert exp > 1_000
    assert abs(rows.get("unrecorded", 0) - exp) <= 0.15 * exp, (rows, exp)
    # The summary keeps its own size instead of taking the files' tokens.
    assert isinstance(w._out, io.BytesIO)
    summary = next(
        json.loads(line)["message"]["content"]
        for line in w._out.getvalue().splitlines()
        if b'"isCompactSummary":true' in line
    )
    size = synth.estimate_tokens(summary)
    assert abs(rows["compact_summary"] - size) <= 0.15 * size, (rows, size)


@pytest.mark.parametrize("name", [s for s in synth.SCENARIOS if s != "big"])
def test_no_row_where_nothing_is_missing(tmp_path: Path, name: str) -> None:
    home = synth.build_claude_home(tmp_path / "claude", seed=3, name=name)
    budget = session_budget(home.transcript, config=Config(), counter=COUNTER)
    assert "unrecorded" not in {c.name for c in budget.categories}
    assert all(item.kind != "unrecorded" for item in budget.top_items)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("version", ["1.0.128", "2.0.76", "2.1.39"])
def test_thinking_is_not_mistaken_for_a_reminder(seed: int, version: str) -> None:
    # The thinking of a tool loop is in the deltas although its text is not in the file.
    w = _writer(seed, version)
    w.start("Please look at the parser.")
    for turn in range(3):
        w.use_tools([w.tool_read(2_000)], thinking=True, text="Reading first.")
        w.use_tools([w.tool_grep()], thinking=True)
        w.respond(text="Here is what I found.", thinking=True)
        w.prompt(f"Next, part {turn}.")
    w.respond(text="Done.", thinking=True)
    assert "unrecorded" not in _rows(w)


def _compacted(tmp_path: Path, version: str, *, print_mode: bool = False) -> tuple[Path, int]:
    """A session that read a file on disk and was compacted; the file's Read result size."""
    w = synth.SessionWriter(seed=7, version=version, cwd=str(tmp_path / "proj"), out=io.BytesIO())
    w.start("Please look at the parser.")
    read = w.tool_read(6_000)
    w.use_tools([read], thinking=True)
    w.respond(text="Read it.")
    path = Path(read.input["file_path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(read.structured["file"]["content"])
    if print_mode:  # `claude -p --resume ID /compact`: a new process, which read nothing
        w.meta("queue-operation", operation="dequeue", timestamp=w.ctx.stamp())
    w.compact("manual")
    assert isinstance(w._out, io.BytesIO)
    transcript = tmp_path / "session.jsonl"
    transcript.write_bytes(w._out.getvalue())
    return transcript, COUNTER.count(str(read.result))


def _after(transcript: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(transcript.parent / "claude"))
    budget = session_budget(transcript, config=Config(), counter=COUNTER, use_cache=False)
    assert budget.used_source == "estimate"
    return {c.name: c.tokens for c in budget.categories}


@pytest.mark.parametrize("version", ["2.0.76", "2.1.39"])
def test_re_attached_files_are_estimated_before_the_next_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    transcript, result = _compacted(tmp_path, version)
    rows = _after(transcript, monkeypatch)
    # Claude Code re-sends the file as a numbered Read result (JSON-quoted, wrapped).
    assert 1.0 * result <= rows.get("unrecorded", 0) <= 1.6 * result, (rows, result)


def test_nothing_re_attached_by_a_print_mode_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transcript, _ = _compacted(tmp_path, "2.0.76", print_mode=True)
    assert "unrecorded" not in _after(transcript, monkeypatch)


def test_no_estimate_where_it_cannot_be_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1.0.x leaves no sign of whether the compaction ran in the process that read the file.
    transcript, _ = _compacted(tmp_path, "1.0.128")
    assert "unrecorded" not in _after(transcript, monkeypatch)


def test_reattached_files_are_read_only_when_regular_and_absolute(tmp_path: Path) -> None:
    """The paths come from the transcript: a FIFO never blocks, a relative path is not read
    against ctxdash's own folder, a device is skipped; a regular file is counted."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    real = tmp_path / "notes.txt"
    real.write_text("a line of notes\n" * 20)
    counter = HeuristicCounter()
    assert reattached_tokens([str(fifo), "notes.txt", "/dev/zero"], counter, 1.0) == 0
    assert reattached_tokens([str(real)], counter, 1.0) > 0
