"""The files passed between ctxdash's processes: written, read back, and read safely when bad."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from ctxdash.core import exchange, folders, paths
from ctxdash.core.exchange import SavedBudget, StatusRecord


def test_status_record_round_trip_and_bad_records(tmp_path: Path) -> None:
    record = StatusRecord("s/1", transcript_path="/p/t.jsonl", model_id="m[1m]", window=1_000_000)
    exchange.write_status_record(record)
    path = Path(exchange.status_record_file("s/1"))
    assert path.parent == tmp_path / "state" / "statusline"  # "s/1" is one safe name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    exchange.write_status_record(record)  # unchanged: not rewritten (a rewrite is a new file)
    assert path.stat().st_ino == inode
    back = exchange.read_status_record("s/1")
    assert back is not None
    assert (back.model_id, back.window, back.transcript_path) == ("m[1m]", 1_000_000, "/p/t.jsonl")
    assert exchange.reported_window("s/1") == 1_000_000
    for bad in (b"[1]", b"{", b'{"context_window_size": true, "model_id": 5}', b"\xff"):
        path.write_bytes(bad)
        back = exchange.read_status_record("s/1")
        assert back is None or (back.window, back.model_id) == (None, None)
    assert exchange.read_status_record(None) is None
    assert exchange.reported_window("missing") is None


def test_saved_budget_round_trip_freshness_and_bad_fields(tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    transcript.write_text("{}\n")
    past = time.time() - 100
    os.utime(transcript, (past, past))
    saved = SavedBudget(used=5, window=200_000, biggest=("Read x", 9), kept=3)
    exchange.save_budget("s1", saved)
    path = Path(exchange.saved_budget_file("s1"))
    written = path.stat().st_ino
    exchange.save_budget("s1", saved)  # unchanged: not rewritten (a rewrite is a new inode)
    assert path.stat().st_ino == written
    back = exchange.read_saved_budget("s1", str(transcript))
    assert back is not None
    assert (back.used, back.biggest, back.kept, back.fresh) == (5, ("Read x", 9), 3, True)
    later = time.time() + 10
    os.utime(transcript, (later, later))  # the transcript changed after the figures were saved
    assert not exchange.read_saved_budget("s1", str(transcript)).fresh  # type: ignore[union-attr]
    path.write_text('{"used": -1, "biggest": ["x", 1e9], "level": "boom", "kept": "3"}')
    back = exchange.read_saved_budget("s1")
    assert back is not None
    assert (back.used, back.biggest, back.kept) == (None, None, None)
    os.mkfifo(path.with_name("fifo.json"))  # never blocks on a FIFO
    assert exchange.read_saved_budget("fifo") is None


def test_events_skip_bad_lines(tmp_path: Path) -> None:
    exchange.add_event("session-start", {"session_id": "a", "transcript_path": "x" * 5000})
    with open(exchange.events_file(), "ab") as fh:
        fh.write(b'not json\n{"event": 3}\n{"event": "x", "time": "soon"}\n\xff\xfe\n')
    exchange.add_event("session-end", {"session_id": "b"}, reason="clear")
    events = exchange.recent_events()
    assert [(e.kind, e.session_id) for e in events] == [
        ("session-start", "a"),
        ("session-end", "b"),
    ]
    assert events[0].transcript_path is None  # too long to record
    assert events[1].extra == {"reason": "clear"}
    assert stat.S_IMODE(os.stat(exchange.events_file()).st_mode) == 0o600


@pytest.mark.parametrize("kind", ["config", "cache", "data", "state"])
def test_one_rule_for_ctxdash_folders(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    var = f"CTXDASH_{kind.upper()}_DIR"
    monkeypatch.delenv(var)
    xdg = {"config": "XDG_CONFIG_HOME", "cache": "XDG_CACHE_HOME"}.get(kind, "")
    xdg = xdg or ("XDG_DATA_HOME" if kind == "data" else "XDG_STATE_HOME")
    monkeypatch.setenv(xdg, "/somewhere")
    assert folders.own(kind) == os.path.join("/somewhere", "ctxdash")
    assert getattr(paths, f"{kind}_dir")() == Path("/somewhere/ctxdash")
    monkeypatch.setenv(xdg, "relative/ignored")
    assert folders.own(kind).startswith(os.path.expanduser("~"))


def test_hand_overs_are_remembered_and_a_bad_record_reads_as_none(tmp_path: Path) -> None:
    exchange.mark_handed_over("-p/../x", "a.md")
    exchange.mark_handed_over("-p/../x", "b.md")
    assert exchange.handed_over("-p/../x") == ["a.md", "b.md"]
    files = list((tmp_path / "state" / "handed-over").iterdir())
    assert len(files) == 1  # one safe name, inside the folder
    files[0].write_text('{"not": "a list"}')
    assert exchange.handed_over("-p/../x") == []
    for n in range(exchange.HANDED_KEEP + 5):
        exchange.mark_handed_over("p", f"{n}.md")
    names = exchange.handed_over("p")
    assert len(names) == exchange.HANDED_KEEP
    assert names[-1] == f"{exchange.HANDED_KEEP + 4}.md"
