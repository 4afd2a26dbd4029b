"""Shared fixtures: keep every test away from the developer's real files."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point ctxdash's and Claude Code's folders at a temporary home; local time is UTC."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("ANTHROPIC_MODEL", raising=False)
    for var in (
        "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE",
        "CLAUDE_CODE_AUTO_COMPACT_WINDOW",
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS",
        "DISABLE_AUTO_COMPACT",
        "CLAUDE_CODE_DISABLE_1M_CONTEXT",
        "NO_COLOR",
        "TMUX",  # the clipboard: only OSC 52 in tests, never the developer's tmux or X
        "WAYLAND_DISPLAY",
        "DISPLAY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CTXDASH_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("CTXDASH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CTXDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CTXDASH_STATE_DIR", str(tmp_path / "state"))
    # Temporary folders (demos) go under the test's own folder, never into /tmp.
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TZ", "UTC")  # the dashboard shows local times
    time.tzset()
    yield home
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _no_heuristic_counter_leak() -> Iterator[None]:
    """A test that asked for the heuristic tokenizer must not leave it as the process-wide
    counter for the tests after it (they expect tiktoken's counts)."""
    yield
    from ctxdash.core.transcript import tokens

    if isinstance(tokens._COUNTER, tokens.HeuristicCounter):
        tokens._COUNTER = None
