"""FileTail: offsets, partial lines, truncation, replacement, rewrite."""

from __future__ import annotations

import os
from pathlib import Path

from ctxdash.core.transcript.tail import FileTail


def test_reads_only_appended_lines_and_keeps_partial(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_bytes(b'{"a":1}\n{"b":')
    tail = FileTail(f)
    chunk = tail.read_all()
    assert chunk.lines == [b'{"a":1}']
    assert not chunk.reset
    assert tail.state.remainder == b'{"b":'
    with open(f, "ab") as fh:
        fh.write(b'2}\n{"c":3}\n')
    assert tail.read_all().lines == [b'{"b":2}', b'{"c":3}']
    assert tail.read_all().lines == []
    assert not tail.changed()


def test_truncation_resets(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_bytes(b'{"a":1}\n{"b":2}\n')
    tail = FileTail(f)
    tail.read_all()
    f.write_bytes(b'{"z":9}\n')
    chunk = tail.read_all()
    assert chunk.reset
    assert chunk.lines == [b'{"z":9}']


def test_replacement_by_rename_resets(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_bytes(b'{"a":1}\n')
    tail = FileTail(f)
    tail.read_all()
    new = tmp_path / "new.jsonl"
    new.write_bytes(b'{"a":1}\n{"b":2}\n')
    os.replace(new, f)
    chunk = tail.read_all()
    assert chunk.reset
    assert chunk.lines == [b'{"a":1}', b'{"b":2}']


def test_rewrite_in_place_with_same_size_prefix_is_detected(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_bytes(b'{"a":1}\n')
    tail = FileTail(f)
    tail.read_all()
    with open(f, "r+b") as fh:  # same inode, different bytes, then growth
        fh.write(b'{"x":7}\n{"y":8}\n')
    chunk = tail.read_all()
    assert chunk.reset
    assert chunk.lines == [b'{"x":7}', b'{"y":8}']


def test_huge_single_line_across_chunks(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    line = b'{"t":"' + b"x" * 3_000_000 + b'"}'
    f.write_bytes(line + b"\n")
    lines = []
    for chunk in FileTail(f).read(chunk_bytes=1 << 20):
        lines += chunk.lines
    assert lines == [line]


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_bytes(b"")
    assert FileTail(f).read_all().lines == []
