"""The engine on generated transcripts: every rule of the budget, incrementally and robustly."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctxdash import synth
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.core.transcript.tracker import Tracker, load_state

COUNTER = HeuristicCounter()
MAIN_SCENARIOS = [s for s in synth.SCENARIOS if s not in ("big",)]


def _home(tmp_path: Path, name: str, seed: int = 3, **kw: object) -> synth.ClaudeHome:
    return synth.build_claude_home(tmp_path / "claude", seed=seed, name=name, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", MAIN_SCENARIOS)
def test_exact_figures(tmp_path: Path, name: str) -> None:
    home = _home(tmp_path, name)
    exp = home.expected
    state = load_state(home.transcript, counter=COUNTER, use_cache=False)
    assert state.used == exp.used
    assert state.model == exp.model
    assert [(c.trigger, c.pre_tokens, c.post_tokens) for c in state.compactions] == [
        tuple(c) for c in exp.compactions
    ]
    assert state.counters.malformed == exp.malformed_lines
    assert state.replies == exp.assistant_responses
    assert [p.used for p in state.series] == exp.series
    inline = {k: w.used for k, w in state.inline_agents.items()}
    if name == "subagents_inline":
        assert inline == exp.subagents
    else:
        assert inline == {}


@pytest.mark.parametrize("name", MAIN_SCENARIOS)
def test_budget_adds_up(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, name)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config(), counter=COUNTER)
    assert sum(c.tokens for c in b.categories) == b.used
    assert all(c.tokens >= 0 for c in b.categories)
    assert b.window == home.expected.context_window
    assert b.free == max(0, b.window - b.used - b.reserve)
    exp = home.expected
    if exp.used is not None:
        assert (b.used, b.used_source) == (exp.used, "usage")
    elif exp.post_tokens is not None:
        # Not postTokens (real ones leave system prompt, tools and memory out): an estimate of
        # the next request, which the generator's figure models here.
        assert b.used_source == "estimate"
        assert abs(b.used - exp.post_tokens) <= 0.05 * exp.post_tokens
    else:
        assert b.used_source == "estimate"
        assert b.used > 0
    if name.startswith("subagents_"):
        assert {s.agent_id: s.used for s in b.subagents} == exp.subagents
        assert {s.layout for s in b.subagents} == {name.removeprefix("subagents_")}


def test_memory_rows_and_static(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, "basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config(), counter=COUNTER)
    memory = [c for c in b.categories if c.group == "memory"]
    assert {Path(c.name.split(":", 1)[1]) for c in memory} >= {
        p for p in home.memory_files if "ui" not in p.parts
    }
    loaded = [m for m in b.memory_files if m.loaded]
    assert loaded
    assert all(m.tier in (1, 2) for m in loaded)
    system = next(c for c in b.categories if c.name == "system")
    static = system.tokens + sum(c.tokens for c in memory if "/ui/" not in c.name)
    # The static part measured from the first request is close to what was generated.
    assert abs(static - home.expected.static_tokens) < 0.1 * home.expected.static_tokens


def test_tool_results_by_tool_and_top_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, "basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config(), counter=COUNTER)
    names = {c.name for c in b.categories}
    assert any(n.startswith("tool_results:") for n in names)
    assert {"user_prompts", "assistant_text", "tool_calls"} <= names
    assert b.top_items == sorted(b.top_items, key=lambda i: -i.tokens)
    assert b.top_items[0].tokens > 0
    assert any(i.path for i in b.top_items)


def test_growth_and_forecast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, "demo", turns=30)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config(), counter=COUNTER)
    assert [p[1] for p in b.growth.series] == home.expected.series
    assert b.growth.per_turn
    assert b.growth.per_turn > 0
    warn = next(f for f in b.growth.forecast if f.target == "warn")
    assert b.used < b.thresholds.warn  # 30 demo turns stay below 150K: the forecast applies
    assert warn.turns
    assert warn.turns >= 1
    assert warn.tokens_left == b.thresholds.warn - b.used


def test_clear_triggers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = synth.LiveSession(seed=4)
    path = tmp_path / "claude" / "projects" / "-x" / f"{live.writer.session_id}.jsonl"
    path.parent.mkdir(parents=True)
    live.append_to(path)
    while not live.done and live.writer.used < 155_000:
        live.append_to(path)
    b = session_budget(path, config=Config(), counter=COUNTER)
    over = next(t for t in b.clear_triggers if "warn" in t.name)
    assert over.active == (b.used >= 150_000)
    msgs = next(t for t in b.clear_triggers if "messages" in t.name)
    assert msgs.active == (b.messages > 50)


def test_live_growth_is_incremental(tmp_path: Path) -> None:
    live = synth.LiveSession(seed=2, turns=25)
    path = tmp_path / f"{live.writer.session_id}.jsonl"
    path.write_bytes(b"")
    tracker = Tracker(path, use_cache=False, counter=COUNTER)
    while not live.done:
        live.append_to(path)
        tracker.poll()
        assert tracker.state.used == live.writer.used
        items = tracker.state.items
        static = tracker.state.resolver.static or 0
        assert static + sum(i.tokens for i in items) == tracker.state.used


def test_partial_line_then_finish(tmp_path: Path) -> None:
    home = _home(tmp_path, "basic")
    data = home.transcript.read_bytes()
    lines = data.splitlines(keepends=True)
    path = tmp_path / "grow.jsonl"
    path.write_bytes(b"".join(lines[:-1]))
    tracker = Tracker(path, use_cache=False, counter=COUNTER)
    tracker.poll()

    def poll() -> None:
        tracker.poll()

    synth.write_partial_then_finish(path, lines[-1].rstrip(b"\n") + b"\n", between=poll)
    tracker.poll()
    assert tracker.state.used == home.expected.used
    assert tracker.state.counters.malformed == 0


def test_cache_resumes_where_it_stopped(tmp_path: Path) -> None:
    home = _home(tmp_path, "compaction")
    data = home.transcript.read_bytes()
    path = tmp_path / "s.jsonl"
    path.write_bytes(data[: len(data) // 2])
    load_state(path, counter=COUNTER)  # saves the cache
    with open(path, "ab") as fh:
        fh.write(data[len(data) // 2 :])
    tracker = Tracker(path, counter=COUNTER)
    assert tracker.loaded_from_cache
    tracker.poll()
    cold = load_state(path, counter=COUNTER, use_cache=False)
    assert tracker.state.used == cold.used == home.expected.used
    assert [(i.cat, i.tokens) for i in tracker.state.items] == [
        (i.cat, i.tokens) for i in cold.items
    ]


def test_rewritten_file_is_read_again(tmp_path: Path) -> None:
    a = _home(tmp_path / "a", "basic", seed=1)
    b = _home(tmp_path / "b", "compaction", seed=2)
    path = tmp_path / "s.jsonl"
    path.write_bytes(a.transcript.read_bytes())
    tracker = Tracker(path, counter=COUNTER)
    tracker.poll()
    tracker.save()
    tmp = tmp_path / "new"
    tmp.write_bytes(b.transcript.read_bytes())
    os.replace(tmp, path)
    again = Tracker(path, counter=COUNTER)
    again.poll()
    assert again.state.used == b.expected.used
    assert again.state.counters.resets == 1


def test_subagent_transcript_is_its_own_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, "subagents_nested")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    for agent_id, path in home.subagent_files.items():
        b = session_budget(path, config=Config(), counter=COUNTER)
        assert b.is_subagent
        assert b.used == home.expected.subagents[agent_id]
        assert sum(c.tokens for c in b.categories) == b.used


def test_big_line_and_odd_input(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    huge = b'{"type":"user","message":{"role":"user","content":"' + b"y" * 50_000_000 + b'"}}'
    path.write_bytes(b"\xff\xfe\n[]\n42\n\n" + huge + b'\n{"type":"mystery"}\n')
    state = load_state(path, counter=COUNTER, use_cache=False)
    assert state.counters.malformed == 3
    assert state.counters.unknown_types == {"mystery": 1}
    assert state.used is None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_random_cuts_give_the_same_result(tmp_path: Path, seed: int, cuts: list[float]) -> None:
    w = synth.scenario("compaction", seed=seed % 5)
    data = w.content()
    path = tmp_path / f"cut-{seed}.jsonl"
    path.write_bytes(b"")
    tracker = Tracker(path, use_cache=False, counter=COUNTER)
    done = 0
    for cut in sorted(cuts):
        at = int(cut * len(data))
        with open(path, "ab") as fh:
            fh.write(data[done:at])
        done = max(done, at)
        tracker.poll()
    with open(path, "ab") as fh:
        fh.write(data[done:])
    tracker.poll()
    assert tracker.state.used == w.expected().used
    assert tracker.state.counters.malformed == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), flips=st.integers(1, 20))
def test_corruption_never_raises(tmp_path: Path, seed: int, flips: int) -> None:
    data = bytearray(synth.scenario("basic", seed=seed % 3).content())
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path = tmp_path / f"bad-{seed}.jsonl"
    path.write_bytes(bytes(data[: rng.randrange(len(data))]))
    b = session_budget(path, config=Config(), counter=COUNTER, use_cache=False)
    assert sum(c.tokens for c in b.categories) == b.used
    assert b.malformed_lines <= flips + 1


def test_skills_and_agents_from_disk_are_carved_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, "subagents_inline")  # Claude Code 2.0.27: no listing attachments
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    skill = home.root / "skills" / "deploy" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(
        "---\nname: deploy\ndescription: "
        + "Ship the app to production. " * 20
        + "\n---\nbody is not listed\n"
    )
    agent = Path(home.cwd) / ".claude" / "agents" / "reviewer.md"
    agent.parent.mkdir(parents=True)
    agent.write_text("---\nname: reviewer\ndescription: Reviews diffs for bugs.\n---\nPrompt.\n")
    b = session_budget(home.transcript, config=Config(), counter=COUNTER, use_cache=False)
    rows = {c.name: c for c in b.categories}
    assert rows["skills"].tokens > 50
    assert rows["skills"].estimated
    assert rows["agents"].tokens > 0
    assert sum(c.tokens for c in b.categories) == b.used
