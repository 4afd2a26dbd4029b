"""Snapshots, diff, handoff and the action subcommands, end to end on generated sessions."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.cli.main import main
from ctxdash.core.atomic import ActionError, write_text
from ctxdash.core.checkpoints.actions import handoff, snapshot
from ctxdash.core.checkpoints.snapshot import diff_snapshots, list_snapshots, load_snapshot
from ctxdash.core.config import Config
from ctxdash.core.transcript.tokens import HeuristicCounter

COUNTER = HeuristicCounter()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> synth.ClaudeHome:
    h = synth.build_claude_home(tmp_path / "claude", seed=8, name="subagents_nested")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    return h


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_snapshot_round_trip(home: synth.ClaudeHome) -> None:
    before = _digest(home.transcript)
    path, snap = snapshot(home.transcript, config=Config(), counter=COUNTER)
    assert _digest(home.transcript) == before  # the user's transcript is never modified
    data = json.loads(path.read_text())
    for key in ("session_id", "model", "created_at", "context_window"):
        assert key in data
    assert set(data["context_window"]) == {
        "total",
        "used",
        "available",
        "position_percent",
        "window",
    }
    assert data["context_window"]["used"] == home.expected.used
    copy = Path(snap.transcript_copy or "")
    assert copy.read_bytes() == home.transcript.read_bytes()
    assert len(snap.subagent_copies) == len(home.subagent_files)
    started = time.perf_counter()
    again = load_snapshot(path.parent)
    assert time.perf_counter() - started < 1.0
    assert again == snap
    assert again.work_state.latest_asks


def test_snapshots_never_overwrite_and_list_newest_first(home: synth.ClaudeHome) -> None:
    a, _ = snapshot(home.transcript, config=Config(), counter=COUNTER)
    b, _ = snapshot(home.transcript, config=Config(), counter=COUNTER)
    assert a != b
    assert a.exists()
    listed = list_snapshots(home.transcript.stem)
    assert [Path(s.path) for s in listed] == [b, a]


def test_diff_shows_growth(home: synth.ClaudeHome) -> None:
    a, snap_a = snapshot(home.transcript, config=Config(), counter=COUNTER)
    live = synth.LiveSession(seed=2, session_id=home.transcript.stem, cwd=home.cwd)
    live.append_to(home.transcript)
    live.append_to(home.transcript)
    b, snap_b = snapshot(home.transcript, config=Config(), counter=COUNTER)
    d = diff_snapshots(snap_a, snap_b)
    assert d.used_delta == snap_b.budget.used - snap_a.budget.used
    assert sum(c.delta for c in d.categories) == d.used_delta


def test_corrupt_snapshot_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "snapshot.json"
    bad.write_text('{"format": "ctxdash-snapshot/1"}')
    with pytest.raises(ActionError, match="not a valid"):
        load_snapshot(bad)


def test_hostile_snapshot_files_are_refused_not_waited_on(
    home: synth.ClaudeHome, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    refused: list[BaseException] = []

    def load_fifo() -> None:
        try:
            load_snapshot(fifo)
        except ActionError as err:
            refused.append(err)

    reader = threading.Thread(target=load_fifo, daemon=True)
    reader.start()
    reader.join(timeout=10)  # nothing waits for a writer (a hang fails here, not for ever)
    assert not reader.is_alive()
    assert "not a regular file" in str(refused[0])
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "ctxdash-snapshot/1", "persistence": {"x": ' + "[" * 200_000)
    with pytest.raises(ActionError, match="nested too deeply|not JSON"):
        load_snapshot(deep)
    assert main(["diff", str(deep), str(fifo)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    # One bad snapshot among good ones: the others are still listed.
    good, _ = snapshot(home.transcript, config=Config(), counter=COUNTER)
    bad = good.parent.with_name("19700101T000000Z") / "snapshot.json"
    bad.parent.mkdir()
    bad.write_bytes(deep.read_bytes())
    assert [Path(s.path) for s in list_snapshots(home.transcript.stem)] == [good]


def test_handoff_validation(home: synth.ClaudeHome) -> None:
    path, package = handoff(home.transcript, to_agent="reviewer", config=Config(), counter=COUNTER)
    data = json.loads(Path(path).read_text())
    assert data["to_agent"] == "reviewer"
    ctx = data["session_context"]
    assert ctx["available_tokens"] == 200_000 - home.expected.used
    assert package.valid == (ctx["available_tokens"] >= 30_000)
    assert data["recovery_info"]["session_fork_available"] is True


def test_handoff_warns_when_little_is_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = synth.LiveSession(seed=7, compact_at=196_000)
    path = tmp_path / "claude" / "projects" / "-p" / f"{live.writer.session_id}.jsonl"
    path.parent.mkdir(parents=True)
    while (live.writer.used or 0) < 175_000:
        live.append_to(path)
    _, package = handoff(path, to_agent="x", config=Config(), counter=COUNTER)
    assert not package.valid
    assert "summarize first" in package.warnings[0]


def test_atomic_write_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.txt"
    write_text(target, "one", exclusive=True)
    with pytest.raises(ActionError, match="already exists"):
        write_text(target, "two", exclusive=True)
    assert target.read_text() == "one"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]  # no temporary left behind


def test_unwritable_data_dir_is_a_clear_error(
    home: synth.ClaudeHome,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("CTXDASH_DATA_DIR", str(blocker / "sub"))
    assert main(["snapshot", str(home.transcript)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ctxdash: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["snapshot", "--json"],
        ["snapshots", "--json"],
        ["fork", "--json"],
        ["summary", "--json", "--ratio", "0.3"],
        ["handoff", "--json", "--to", "qa"],
    ],
)
def test_action_subcommands_json(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = _digest(home.transcript)
    assert (
        main([*argv[:1], *([str(home.transcript)] if argv[0] != "snapshots" else []), *argv[1:]])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert _digest(home.transcript) == before
    if argv[0] == "fork":
        assert set(data) >= {"session_id", "path", "resume_command", "lines", "forked_from"}
        assert Path(data["path"]).exists()
    if argv[0] == "summary":
        assert set(data) >= {"path", "tokens", "source_tokens", "ratio", "archive"}
        assert data["tokens"] <= 0.3 * data["source_tokens"] + 1
    if argv[0] == "snapshot":
        assert Path(data["path"]).exists()


@pytest.mark.parametrize("action", ["snapshot", "summary", "handoff"])
def test_a_relative_path_is_the_same_session(
    home: synth.ClaudeHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    monkeypatch.chdir(home.transcript.parent)
    assert main([action, "--json", f"./{home.transcript.name}"]) == 0
    written = Path(json.loads(capsys.readouterr().out)["path"])
    assert written.is_absolute()
    assert "unknown-project" not in written.parts
    assert home.transcript.parent.name in written.parts
    if action == "snapshot":
        snap = load_snapshot(written.parent)
        assert snap.source_transcript == snap.budget.transcript == str(home.transcript)


def test_unknown_session_for_an_action(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fork", "nope"]) == 1
    assert "no session 'nope'" in capsys.readouterr().err


def test_snapshot_and_handoff_measure_the_budget_on_a_1m_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Users keep a 200K budget on a 1M window: "available" is what is left of the budget.
    h = synth.build_claude_home(tmp_path / "claude", seed=4, name="opus_1m")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    _, snap = snapshot(h.transcript, config=Config(), counter=COUNTER)
    cw = snap.context_window
    assert (cw.total, cw.window) == (200_000, 1_000_000)
    assert cw.available == max(0, 200_000 - cw.used)
    assert cw.position_percent == round(100 * cw.used / 200_000, 1)
    _, package = handoff(h.transcript, to_agent="x", config=Config(), counter=COUNTER)
    assert package.session_context["available_tokens"] == cw.available
    assert package.session_context["window"] == 1_000_000


@pytest.mark.parametrize("action", ["status", "snapshot", "summary", "handoff", "fork"])
def test_a_folder_name_that_is_not_utf8(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    root = Path(os.fsdecode(os.fsencode(tmp_path) + b"/bad\xffroot"))
    h = synth.build_claude_home(root, seed=3, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    assert main([action, "--json", str(h.transcript)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    data = json.loads(captured.out)
    if action == "snapshot":
        assert load_snapshot(Path(data["path"])).budget.used > 0
        assert [Path(s.path) for s in list_snapshots(h.transcript.stem)] == [Path(data["path"])]
