"""The compressed summary (core.checkpoints.summary): budgets, content, pointers, safe writes."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.core.atomic import ActionError
from ctxdash.core.checkpoints.summary import (
    SECTIONS,
    Summary,
    archive_transcript,
    build_summary,
    write_summary,
)
from ctxdash.core.checkpoints.workstate import WorkState, extract_work_state
from ctxdash.core.transcript.tokens import default_counter
from tests.conftest import CORPUS
from tests.test_workstate import handwritten

NOW = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def fake_count(text: str) -> int:
    """A crude, deterministic counter: one token per 4 characters."""
    return (len(text) + 3) // 4


def _summary(
    state: WorkState, path: Path, *, source: int = 100_000, count=fake_count, **kw: object
) -> Summary:
    return build_summary(
        state,
        session_id=state.session_id or "sid",
        transcript=path,
        archive=kw.pop("archive", None),  # type: ignore[arg-type]
        source_tokens=source,
        count=count,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def session(tmp_path: Path) -> tuple[Path, WorkState]:
    path, _ = handwritten(tmp_path / "hand.jsonl")
    return path, extract_work_state(path)


def test_sections_and_pointers(session: tuple[Path, WorkState], tmp_path: Path) -> None:
    path, state = session
    archive = tmp_path / "archive.jsonl"
    s = _summary(state, path, archive=archive)
    md = s.markdown
    assert s.dropped == []
    assert md.startswith(f"# Session {state.session_id} · claude-opus-4-5-20251101 · 2026-05-01")
    heads = [ln[3:] for ln in md.splitlines() if ln.startswith("## ")]
    assert heads == list(SECTIONS)  # every section, in order
    assert "Now also run the linter" in md
    assert "Fix the flaky parser test in parser.py" in md
    assert "`src/parser.py`" in md  # paths under the cwd are shown relative
    assert "created `tests/test_tail.py`: wrote 3 lines" in md
    assert "Doing: Fixing the tokenizer" in md
    assert "Next, I'll add a changelog entry." in md
    assert "- [ ] Fix the tokenizer *(in progress)*" in md
    assert "- [ ] Add a regression test" in md
    assert "Reproduce the failure" not in md  # completed todos are not listed
    assert "**unresolved**, Edit `src/missing.py`" in md
    assert "resolved, Bash `pytest -q tests/test_parser.py`" in md
    assert "FAILED: `ruff check .`" in md
    assert "ok: `pytest  -q tests/test_parser.py`" in md
    assert str(archive) in md
    assert state.session_id in md.split("## Sources", 1)[1]
    for p in [*state.latest_asks, *state.decisions, state.goal]:
        assert p is not None
        assert p.uuid
        assert f"[msg:{p.uuid[:8]}]" in md
    for f in state.files:
        assert f.pointer is not None
        assert f.pointer.uuid
        assert f"[msg:{f.pointer.uuid[:8]}]" in md
    assert s.tokens == fake_count(md)
    assert s.source_tokens == 100_000
    assert s.budget == 15_000
    assert s.ratio == round(s.tokens / 100_000, 4)


def test_deterministic(session: tuple[Path, WorkState]) -> None:
    path, state = session
    a = _summary(state, path)
    b = _summary(extract_work_state(path), path)
    assert a == b
    other = build_summary(
        state,
        session_id="sid",
        transcript=path,
        archive=None,
        source_tokens=100_000,
        count=fake_count,
        now=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert "2027-01-01 00:00 UTC" in other.markdown


@pytest.mark.parametrize("ratio", [0.02, 0.05, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("max_tokens", [400, 900, 15_000])
def test_budget_with_fake_counter(
    session: tuple[Path, WorkState], ratio: float, max_tokens: int
) -> None:
    path, state = session
    s = _summary(state, path, source=20_000, ratio=ratio, max_tokens=max_tokens)
    assert s.budget == min(int(ratio * 20_000), max_tokens)
    assert s.tokens <= s.budget
    assert s.tokens == fake_count(s.markdown)
    assert "Now also run the linter" in s.markdown  # the latest ask always stays
    assert not s.over_budget


def test_priorities_when_tight(session: tuple[Path, WorkState]) -> None:
    path, state = session
    full = _summary(state, path)
    tight = _summary(state, path, max_tokens=full.tokens * 2 // 3)
    assert tight.dropped
    assert tight.tokens <= tight.budget
    md = tight.markdown
    # the high-priority items stay, the low-priority ones go first
    assert "Fix the flaky parser test" in md
    assert "Doing: Fixing the tokenizer" in md
    assert "Next, I'll add a changelog entry." in md
    assert "**unresolved**" in md
    assert "## Commands" not in md or "## Files" in md
    assert any(d.startswith(("command:", "error:", "decision:")) for d in tight.dropped)
    # dropped labels name what is missing
    for label in tight.dropped:
        if label.startswith("file: "):
            assert label[6:] not in md


def test_title_and_latest_ask_survive_a_zero_budget(session: tuple[Path, WorkState]) -> None:
    path, state = session
    s = _summary(state, path, source=10)
    assert s.budget == 3
    assert s.over_budget
    assert s.markdown.startswith("# Session ")
    assert "Now also run the linter" in s.markdown
    assert "## Goal" not in s.markdown
    assert len(s.dropped) > 5
    empty = _summary(WorkState(), path, source=0)
    assert empty.ratio == 0.0
    assert "(no prompt found)" in empty.markdown


@pytest.mark.parametrize("name", ["basic", "compaction", "demo"])
@pytest.mark.parametrize("ratio", [0.01, 0.05, 0.3])
def test_budget_with_the_real_counter_on_synthetic(tmp_path: Path, name: str, ratio: float) -> None:
    counter = default_counter()
    w = synth.scenario(name, seed=5)
    path = tmp_path / "s.jsonl"
    path.write_bytes(w.content())
    state = extract_work_state(path)
    source = w.expected().series[-1]
    s = _summary(state, path, source=source, ratio=ratio, count=counter.count)
    assert s.tokens == counter.count(s.markdown)
    assert s.tokens <= s.budget
    assert _flat(w.last_prompt) in _flat(s.markdown)
    if ratio >= 0.05:  # room for the files
        assert all(f.path.rsplit("/", 1)[1] in s.markdown for f in state.files[-3:])


def test_write_summary_is_atomic_and_never_overwrites(
    session: tuple[Path, WorkState], tmp_path: Path
) -> None:
    path, state = session
    s = _summary(state, path)
    data = tmp_path / "data"
    first = write_summary(s, out=None, data_dir=data, session_id="abc", project="-home-me", now=NOW)
    assert first == data / "summaries" / "-home-me" / "abc-20260501T123000Z.md"
    assert first.read_text(encoding="utf-8") == s.markdown
    second = write_summary(
        s, out=None, data_dir=data, session_id="abc", project="-home-me", now=NOW
    )
    assert second.name == "abc-20260501T123000Z-2.md"
    assert first.read_text(encoding="utf-8") == s.markdown
    assert sorted(p.name for p in first.parent.iterdir()) == sorted([first.name, second.name])
    out = tmp_path / "mine.md"
    out.write_text("keep me")
    with pytest.raises(ActionError, match="already exists"):
        write_summary(s, out=out, data_dir=data, session_id="abc", project="p")
    assert out.read_text() == "keep me"
    fresh = write_summary(
        s, out=tmp_path / "new" / "s.md", data_dir=data, session_id="a", project="p"
    )
    assert fresh.read_text(encoding="utf-8") == s.markdown
    odd = write_summary(s, out=None, data_dir=data, session_id="../x", project="a/../b", now=NOW)
    assert odd.parent.parent == data / "summaries"  # names cannot escape the folder


def test_write_summary_reports_unwritable_folder(
    session: tuple[Path, WorkState], tmp_path: Path
) -> None:
    path, state = session
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(ActionError):
        write_summary(
            _summary(state, path), out=None, data_dir=blocker, session_id="s", project="p"
        )
    assert blocker.read_text() == "a file where the data folder should be"
    if os.geteuid() != 0:  # root ignores permissions
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ActionError):
                write_summary(
                    _summary(state, path), out=None, data_dir=locked, session_id="s", project="p"
                )
            assert list(locked.iterdir()) == []
        finally:
            locked.chmod(0o700)


def test_archive_transcript(session: tuple[Path, WorkState], tmp_path: Path) -> None:
    path, _ = session
    before = path.read_bytes()
    data = tmp_path / "data"
    a = archive_transcript(path, data, "proj", "sid", now=NOW)
    b = archive_transcript(path, data, "proj", "sid", now=NOW)
    assert a == b  # one copy per transcript state
    assert a.parent == data / "archives" / "proj"
    assert a.name == f"sid-{hashlib.sha256(before).hexdigest()[:16]}.jsonl"
    assert a.read_bytes() == before == path.read_bytes()
    assert [p.name for p in a.parent.iterdir()] == [a.name]  # no temporary file left
    with path.open("ab") as fh:
        fh.write(b"\n")
    c = archive_transcript(path, data, "proj", "sid", now=NOW)
    assert c != a
    assert c.read_bytes() == path.read_bytes()
    with pytest.raises(ActionError):
        archive_transcript(tmp_path / "gone.jsonl", data, "proj", "sid2", now=NOW)
    assert not list((data / "archives" / "proj").glob("sid2*"))


# ----------------------------------------------------------------------------- corpus
def _main_transcripts() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*.jsonl") if not p.name.startswith("agent-"))


def _latest_typed_prompt(path: Path) -> str | None:
    """The last string prompt a person typed (plain json, not ctxdash's parser)."""
    found = None
    for raw in path.read_bytes().splitlines():
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if not isinstance(obj, dict) or obj.get("type") != "user" or obj.get("isSidechain"):
            continue
        content = (obj.get("message") or {}).get("content")
        if obj.get("isMeta") or obj.get("isCompactSummary") or not isinstance(content, str):
            continue
        if content.strip() and not content.lstrip().startswith(
            ("<", "Caveat:", "[Request", "This session is being continued")
        ):
            found = content
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
@pytest.mark.parametrize("path", _main_transcripts(), ids=lambda p: p.name[:8])
def test_corpus_summaries_fit_and_hold_the_latest_prompt(path: Path) -> None:
    counter = default_counter()
    state = extract_work_state(path)
    assert state.latest_asks, "every corpus session has a prompt"
    for ratio, max_tokens in ((0.3, 15_000), (0.05, 2_000)):
        s = build_summary(
            state,
            session_id=state.session_id or path.stem,
            transcript=path,
            archive=None,
            source_tokens=60_000,
            ratio=ratio,
            max_tokens=max_tokens,
            count=counter.count,
            now=NOW,
        )
        assert s.tokens <= s.budget
        flat = _flat(s.markdown)
        assert _flat(state.latest_asks[-1].text)[:80] in flat
        typed = _latest_typed_prompt(path)
        if typed is not None and typed.strip() == state.latest_asks[-1].text.strip():
            assert _flat(typed)[:80] in flat
        if ratio == 0.3:
            for f in state.files[-3:]:
                assert Path(f.path.replace("\\", "/")).name in s.markdown


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_latest_prompt_matches_plain_json() -> None:
    """Where the last ask is a typed string, ctxdash finds the same one."""
    agree = 0
    for path in _main_transcripts():
        typed = _latest_typed_prompt(path)
        state = extract_work_state(path)
        if typed is not None and state.latest_asks:
            agree += _flat(typed)[:80] == _flat(state.latest_asks[-1].text)[:80]
    assert agree >= 8
