"""Tests of the synthetic transcript generator (ctxdash.synth).

The checks below re-derive every expected figure with plain ``json`` and the size
rule, independently of the generator's own bookkeeping.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ctxdash import synth

FIXED_CWD = "/home/dev/projects/demo_app"


def _records(data: bytes) -> tuple[list[dict[str, Any]], int, int, bool]:
    """(objects, non-object lines, blank lines, truncated tail) of a JSONL blob."""
    truncated = bool(data) and not data.endswith(b"\n")
    raw = data.split(b"\n")
    raw = raw[:-1]  # the part after the last newline is either "" or the truncated tail
    objs, bad, blank = [], 0, 0
    for line in raw:
        if not line:
            blank += 1
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            bad += 1
            continue
        if isinstance(obj, dict):
            objs.append(obj)
        else:
            bad += 1
    return objs, bad, blank, truncated


def _total(usage: dict[str, Any]) -> int:
    return (
        (usage.get("input_tokens") or 0)
        + (usage.get("cache_creation_input_tokens") or 0)
        + (usage.get("cache_read_input_tokens") or 0)
    )


def _real_main_assistant(o: dict[str, Any]) -> bool:
    return (
        o.get("type") == "assistant"
        and not o.get("isSidechain")
        and o["message"].get("model") != "<synthetic>"
        and not o.get("isApiErrorMessage")
    )


def _used(objs: list[dict[str, Any]], sidechain: bool = False) -> int | None:
    """The size rule: the last real response after the last compact_boundary."""
    used = None
    for o in objs:
        if bool(o.get("isSidechain")) != sidechain:
            continue
        if o.get("type") == "system" and o.get("subtype") == "compact_boundary":
            used = None
        elif (
            o.get("type") == "assistant"
            and o["message"].get("model") != "<synthetic>"
            and not o.get("isApiErrorMessage")
        ):
            used = _total(o["message"]["usage"])
    return used


def _series(objs: list[dict[str, Any]]) -> list[int]:
    seen: dict[str, int] = {}
    for o in objs:
        if _real_main_assistant(o):
            seen.setdefault(o["message"]["id"], _total(o["message"]["usage"]))
    return list(seen.values())


def _check_chain(objs: list[dict[str, Any]]) -> None:
    """Every parent exists earlier; each chain (main / each agent) is strictly linear."""
    seen: set[str] = set()
    last: dict[Any, str | None] = {}
    for o in objs:
        if "uuid" not in o or o.get("type") not in (
            "user",
            "assistant",
            "system",
            "attachment",
            "progress",
        ):
            continue
        key = o.get("agentId") if o.get("isSidechain") else None
        parent = o["parentUuid"]
        if o.get("subtype") == "compact_boundary":
            assert parent is None
            assert o["logicalParentUuid"] == last.get(key)
        else:
            assert parent == last.get(key), o
        assert parent is None or parent in seen
        assert o["uuid"] not in seen
        seen.add(o["uuid"])
        last[key] = o["uuid"]


def _check_split_responses(objs: list[dict[str, Any]]) -> None:
    groups: dict[str, list[dict[str, Any]]] = {}
    for o in objs:
        if o.get("type") == "assistant" and o["message"].get("model") != "<synthetic>":
            groups.setdefault(o["message"]["id"], []).append(o)
    assert groups
    for lines in groups.values():
        assert len({o["requestId"] for o in lines}) == 1
        assert len({o["uuid"] for o in lines}) == len(lines)
        keys = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        inputs = {tuple(o["message"]["usage"][k] for k in keys) for o in lines}
        assert len(inputs) == 1
        outs = [o["message"]["usage"]["output_tokens"] for o in lines]
        assert outs[-1] == max(outs)
        assert lines[-1]["message"]["stop_reason"] in ("end_turn", "tool_use")
        for o in lines:
            assert len(o["message"]["content"]) == 1
            u = o["message"]["usage"]
            cc = u["cache_creation"]
            assert (
                cc["ephemeral_5m_input_tokens"] + cc["ephemeral_1h_input_tokens"]
                == u["cache_creation_input_tokens"]
            )
            assert (
                min(
                    u["input_tokens"],
                    u["cache_creation_input_tokens"],
                    u["cache_read_input_tokens"],
                )
                >= 0
            )


def _check_growth(objs: list[dict[str, Any]]) -> None:
    """Between compactions each request = previous total + previous output + something >= 0,
    except that once a reply calls no tool, the thinking of its turn may leave (at most the
    output of the turn's replies that thought)."""
    total: int | None = None
    turn: dict[str, list[Any]] = {}  # message id -> [thought, called a tool, output]
    for o in objs:
        if o.get("isSidechain"):
            continue
        if o.get("subtype") == "compact_boundary":
            total, turn = None, {}
        elif _real_main_assistant(o):
            u = o["message"]["usage"]
            kinds = {b["type"] for b in o["message"]["content"]}
            mid = o["message"]["id"]
            if mid not in turn and total is not None:
                thought, called, out = list(turn.values())[-1]
                floor = total + out
                if not called:  # the turn is over: its thinking may leave
                    floor -= sum(r[2] for r in turn.values() if r[0])
                    turn = {k: v for k, v in turn.items() if k == mid}
                assert _total(u) >= floor
            row = turn.setdefault(mid, [False, False, 0])
            row[0] = row[0] or "thinking" in kinds
            row[1] = row[1] or "tool_use" in kinds
            row[2] = max(row[2], u["output_tokens"])
            total = _total(u)


@pytest.fixture(scope="module")
def runs() -> dict[str, synth.SessionWriter]:
    return {
        n: synth.scenario(n, seed=5, **({"target_bytes": 1_500_000} if n == "big" else {}))
        for n in synth.SCENARIOS
        if n != "demo"
    }


@pytest.mark.parametrize("name", [n for n in synth.SCENARIOS if n != "demo"])
def test_scenario_lines_and_expected(runs: dict[str, synth.SessionWriter], name: str) -> None:
    w = runs[name]
    exp = w.expected()
    objs, bad, blank, truncated = _records(w.content())
    assert (bad, blank, truncated) == (exp.malformed_lines, exp.blank_lines, exp.truncated_tail)
    if name != "malformed":
        assert bad == blank == 0
        assert not truncated
    _check_chain(objs)
    _check_split_responses(objs)
    _check_growth(objs)
    assert exp.used == _used(objs)
    assert exp.series == _series(objs)
    assert exp.assistant_responses == len(exp.series)
    assert exp.session_id == w.session_id
    assert {o["sessionId"] for o in objs if "sessionId" in o} == {exp.session_id}
    assert {o["message"]["model"] for o in objs if _real_main_assistant(o)} == {exp.model}
    boundaries = [o["compactMetadata"] for o in objs if o.get("subtype") == "compact_boundary"]
    triples = [(m["trigger"], m["preTokens"], m.get("postTokens")) for m in boundaries]
    assert exp.compactions == triples
    first = next(o for o in objs if _real_main_assistant(o))["message"]["usage"]
    assert _total(first) >= exp.static_tokens
    assert all(line.endswith(b"\n") for line in w.content().splitlines(keepends=True)[:-1])


def test_basic_covers_line_types(runs: dict[str, synth.SessionWriter]) -> None:
    objs, *_ = _records(runs["basic"].content())
    types = Counter(o["type"] for o in objs)
    for t in (
        "user",
        "assistant",
        "system",
        "attachment",
        "progress",
        "file-history-snapshot",
        "queue-operation",
        "ai-title",
        "custom-title",
        "last-prompt",
        "permission-mode",
        "summary",
        "content-replacement",
        "quantum-state",
    ):
        assert types[t] > 0, t
    subtypes = {o["subtype"] for o in objs if o["type"] == "system"}
    assert {"turn_duration", "local_command", "api_error"} <= subtypes
    kinds = {o["attachment"]["type"] for o in objs if o["type"] == "attachment"}
    assert {
        "skill_listing",
        "nested_memory",
        "hook_success",
        "todo_reminder",
        "task_reminder",
        "deferred_tools_delta",
    } <= kinds
    assert {o["data"]["type"] for o in objs if o["type"] == "progress"} == {
        "hook_progress",
        "bash_progress",
    }
    tools = {
        b["name"]
        for o in objs
        if o["type"] == "assistant"
        for b in o["message"]["content"]
        if b["type"] == "tool_use"
    }
    assert {
        "Read",
        "Edit",
        "Write",
        "Bash",
        "Grep",
        "Glob",
        "TodoWrite",
        "mcp__github__get_issue",
    } <= tools
    blocks = [b for o in objs if o["type"] == "assistant" for b in o["message"]["content"]]
    thinking = [b for b in blocks if b["type"] == "thinking"]
    assert thinking
    assert all(b["thinking"] == "" and b["signature"] for b in thinking)
    user_blocks = [
        b
        for o in objs
        if o["type"] == "user" and isinstance(o["message"]["content"], list)
        for b in o["message"]["content"]
    ]
    assert any(b["type"] == "image" and b["source"]["type"] == "base64" for b in user_blocks)
    results = [o for o in objs if o["type"] == "user" and "toolUseResult" in o]
    assert results
    assert all("sourceToolAssistantUUID" in o for o in results)
    assert all(o.get("promptId") for o in objs if o["type"] == "user")
    errors = [o for o in objs if o.get("isApiErrorMessage")]
    assert len(errors) == 1
    assert errors[0]["message"]["model"] == "<synthetic>"
    assert _total(errors[0]["message"]["usage"]) == 0
    files = runs["basic"].files()
    assert any("/tool-results/" in k for k in files)


def test_determinism() -> None:
    a = synth.scenario("basic", seed=11).content()
    b = synth.scenario("basic", seed=11).content()
    c = synth.scenario("basic", seed=12).content()
    assert a == b
    assert a != c
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    assert synth.scenario("basic", seed=11, base_time=t0).content() != a


def test_build_claude_home_deterministic(tmp_path: Path) -> None:
    homes = [
        synth.build_claude_home(
            tmp_path / str(i) / ".claude",
            seed=3,
            name="subagents_nested",
            cwd=FIXED_CWD,
            memory=False,
        )
        for i in range(2)
    ]
    pairs = zip(homes[0].subagent_files.values(), homes[1].subagent_files.values(), strict=True)
    for x, y in pairs:
        assert x.read_bytes() == y.read_bytes()
    assert homes[0].transcript.read_bytes() == homes[1].transcript.read_bytes()


def test_compaction_rules(runs: dict[str, synth.SessionWriter]) -> None:
    exp = runs["compaction"].expected()
    assert [c[0] for c in exp.compactions] == ["auto", "manual"]
    assert exp.used is not None
    assert exp.used < exp.compactions[0][1]
    for name, post in (("compaction_no_reply", False), ("compaction_no_reply_post_tokens", True)):
        w = runs[name]
        exp = w.expected()
        objs, *_ = _records(w.content())
        assert exp.used is None
        assert exp.output_tokens is None
        boundary, summary = objs[-2], objs[-1]
        assert boundary["subtype"] == "compact_boundary"
        assert boundary["parentUuid"] is None
        assert summary["isCompactSummary"]
        assert summary["isVisibleInTranscriptOnly"]
        assert summary["message"]["content"].startswith(synth.SUMMARY_PREFIX)
        assert summary["parentUuid"] == boundary["uuid"]
        assert ("postTokens" in boundary["compactMetadata"]) is post
        if post:
            assert exp.post_tokens == boundary["compactMetadata"]["postTokens"]
            assert exp.post_tokens == exp.static_tokens + synth.estimate_tokens(
                summary["message"]["content"]
            )
        else:
            assert exp.post_tokens is None


@pytest.mark.parametrize("layout", ["inline", "flat", "nested"])
def test_subagent_layouts(tmp_path: Path, layout: str) -> None:
    home = synth.build_claude_home(tmp_path / ".claude", seed=9, name=f"subagents_{layout}")
    exp = home.expected
    projects = tmp_path / ".claude" / "projects"
    assert home.project_dir == projects / synth.encode_project_dir(home.cwd)
    assert home.transcript == home.project_dir / f"{exp.session_id}.jsonl"
    objs, *_ = _records(home.transcript.read_bytes())
    assert exp.used == _used(objs)
    assert len(exp.subagents) == 2
    for agent_id, used in exp.subagents.items():
        if layout == "inline":
            lines = [o for o in objs if o.get("agentId") == agent_id]
            assert agent_id not in home.subagent_files
        else:
            path = home.subagent_files[agent_id]
            if layout == "flat":
                assert len(agent_id) == 8
                assert path == home.project_dir / f"agent-{agent_id}.jsonl"
            else:
                assert agent_id.startswith("a")
                assert len(agent_id) == 17
                folder = home.project_dir / exp.session_id / "subagents"
                assert path == folder / f"agent-{agent_id}.jsonl"
                meta = json.loads(path.with_name(f"agent-{agent_id}.meta.json").read_text())
                assert meta["agentType"] == "general-purpose"
            lines, bad, *_ = _records(path.read_bytes())
            assert bad == 0
            _check_chain(lines)
            _check_split_responses(lines)
        assert lines
        assert all(o["isSidechain"] is True and o["agentId"] == agent_id for o in lines)
        assert {o["sessionId"] for o in lines} == {exp.session_id}
        assert lines[0]["parentUuid"] is None
        assert lines[0]["type"] == "user"
        assert _used(lines, sidechain=True) == used
        # sidechain responses never leak into the main figure
        assert used not in exp.series
    results = [
        o
        for o in objs
        if isinstance(o.get("toolUseResult"), dict) and "agentId" in o["toolUseResult"]
    ]
    assert {o["toolUseResult"]["agentId"] for o in results} == set(exp.subagents)


def test_one_million_sessions(tmp_path: Path, runs: dict[str, synth.SessionWriter]) -> None:
    opus = runs["opus_1m"].expected()
    assert opus.model == "claude-opus-4-7"
    assert opus.context_window == 1_000_000
    home = synth.build_claude_home(tmp_path / ".claude", seed=2, name="sonnet_1m_suffix")
    exp = home.expected
    assert exp.model == "claude-sonnet-4-5-20250929"
    assert exp.context_window == 1_000_000
    assert max(exp.series) > 200_000
    assert not exp.compactions
    assert home.settings is not None
    assert json.loads(home.settings.read_text())["model"] == "sonnet[1m]"
    assert "[1m]" not in home.transcript.read_text()
    basic = synth.build_claude_home(tmp_path / "b" / ".claude", seed=2)
    assert basic.settings is None
    assert basic.expected.context_window == 200_000


def test_malformed_lines(runs: dict[str, synth.SessionWriter]) -> None:
    w = runs["malformed"]
    data = w.content()
    exp = w.expected()
    assert exp.malformed_lines == len(synth.MALFORMED)
    assert exp.blank_lines == 1
    assert exp.truncated_tail
    assert not data.endswith(b"\n")
    assert b"\n\n" in data
    for line in synth.MALFORMED.values():
        assert line in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    clean = synth.scenario("malformed", seed=5, truncated_tail=False).content()
    assert clean.endswith(b"\n")


def test_big_reaches_target_quickly(tmp_path: Path) -> None:
    t = time.perf_counter()
    home = synth.build_claude_home(tmp_path / ".claude", seed=1, name="big", target_bytes=2_000_000)
    elapsed = time.perf_counter() - t
    size = home.transcript.stat().st_size
    assert 2_000_000 <= size < 2_600_000
    assert elapsed < 5
    objs, bad, *_ = _records(home.transcript.read_bytes())
    assert bad == 0
    assert home.expected.used == _used(objs)
    assert home.expected.compactions  # big sessions compact repeatedly


def test_memory_and_home_layout(tmp_path: Path) -> None:
    root = tmp_path / ".claude"
    home = synth.build_claude_home(root, seed=4, extra_sessions=2)
    assert Path(home.cwd, "CLAUDE.md").is_file()
    assert (root / "CLAUDE.md").is_file()
    assert Path(home.cwd, "src/demo_app/ui/CLAUDE.md").is_file()
    startup, _ = synth.memory_texts(home.cwd, root)
    assert home.expected.memory_tokens == sum(synth.estimate_tokens(t) for t in startup.values())
    assert home.expected.static_tokens == home.expected.system_tokens + home.expected.memory_tokens
    assert 14_000 <= home.expected.system_tokens <= 20_000
    sessions = sorted(home.project_dir.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    assert len(sessions) == 3
    assert sessions[-1] == home.transcript
    objs, *_ = _records(home.transcript.read_bytes())
    nested = [
        o for o in objs if o["type"] == "attachment" and o["attachment"]["type"] == "nested_memory"
    ]
    assert nested
    assert nested[0]["attachment"]["path"] == f"{home.cwd}/src/demo_app/ui/CLAUDE.md"


def test_encode_project_dir() -> None:
    assert synth.encode_project_dir("/Users/alice/my_app.v2") == "-Users-alice-my-app-v2"
    assert synth.encode_project_dir("C:\\work\\proj") == "C--work-proj"
    assert synth.encode_project_dir("/tmp/caf\u00e9/\U0001f600") == "-tmp-caf----"
    long = "/" + "x" * 250
    enc = synth.encode_project_dir(long)
    assert enc.startswith("-" + "x" * 199 + "-")
    assert len(enc) > 201


def test_live_session_demo(tmp_path: Path) -> None:
    live = synth.LiveSession(seed=8)
    batches = list(live.batches())
    assert 60 <= len(batches) <= 80
    assert all(batches)
    data = b"".join(line for batch in batches for line in batch)
    assert data == synth.scenario("demo", seed=8).content()
    objs, bad, *_ = _records(data)
    assert bad == 0
    _check_chain(objs)
    _check_split_responses(objs)
    exp = live.expected()
    assert exp.used == _used(objs)
    assert exp.series == _series(objs)
    assert len(exp.compactions) == 1
    assert exp.compactions[0][0] == "auto"
    before = exp.series[: exp.series.index(max(exp.series)) + 1]
    assert any(150_000 <= u < 180_000 for u in before)
    assert max(before) >= 180_000
    assert len(exp.subagents) == 1
    # file-based growth, turn by turn
    live2 = synth.LiveSession(seed=8, turns=6)
    path = tmp_path / "s.jsonl"
    sizes = []
    while not live2.done:
        live2.append_to(path)
        sizes.append(path.stat().st_size)
    assert sizes == sorted(sizes)
    assert len(sizes) == 6
    assert live2.step() == []


def test_demo_scenario_matches_live_session() -> None:
    live = synth.LiveSession(seed=8, turns=12)
    data = b"".join(line for batch in live.batches() for line in batch)
    w = synth.scenario("demo", seed=8, turns=12)
    assert w.content() == data
    assert w.lines_written == data.count(b"\n")
    assert w.expected() == live.expected()


def test_write_partial_then_finish(tmp_path: Path) -> None:
    w = synth.scenario("basic", seed=1)
    line = w.content().splitlines(keepends=True)[5]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"")
    seen: list[bytes] = []
    synth.write_partial_then_finish(path, line, between=lambda: seen.append(path.read_bytes()))
    assert seen[0] == line[: len(line) // 2]
    assert not seen[0].endswith(b"\n")
    assert path.read_bytes() == line
    head, rest = synth.split_line(line, 10)
    assert head + rest == line
    assert len(head) == 10


def test_the_demo_runs_as_claude_code_would_on_its_default_window(tmp_path: Path) -> None:
    """A 1M window with the 200K budget: both levels crossed, then the user's /compact; the
    auto-compact estimate never has to be corrected (Claude Code would compact far later)."""
    from ctxdash.core.config import Config
    from ctxdash.core.status import session_budget
    from ctxdash.core.transcript.tokens import HeuristicCounter
    from ctxdash.synth.demo import Demo

    estimates, levels, peak = set(), set(), 0
    with Demo(seed=7, base=tmp_path) as demo:
        while demo.step():
            b = session_budget(demo.transcript, config=Config(), counter=HeuristicCounter())
            estimates.add(b.autocompact_at)
            levels.add(b.level)
            peak = max(peak, b.used)
            assert (b.window, b.budget) == (1_000_000, 200_000)
        assert [c[0] for c in demo.live.writer._compactions] == ["manual"]
    assert len(estimates) == 1
    assert {"ok", "warn", "critical"} <= levels
    assert 190_000 < peak < 200_000
