"""One convention everywhere: plan buckets, shares, the session list, labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.cli.textout import render_status
from ctxdash.core.claude.session_list import list_sessions
from ctxdash.core.config import Config
from ctxdash.core.plan import plan_bucket
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from tests import transcripts as tr


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "claude"
    root.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    return root


def test_system_prompt_and_tools_are_the_system_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = synth.build_claude_home(tmp_path / "claude", seed=3, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    system = next(c for c in b.categories if c.name == "system")
    assert system.tokens > 0
    assert plan_bucket(system) == "system"
    row = next(r for r in b.plan if r.bucket == "system")
    in_system = sum(c.tokens for c in b.categories if plan_bucket(c) == "system")
    assert row.actual == in_system >= system.tokens


def test_cli_shares_are_of_used_and_labelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = synth.build_claude_home(tmp_path / "claude", seed=3, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    text = render_status(b)
    assert "% of the context used" in text
    assert "assistant_text" not in text
    assert "Biggest items" in text
    for item in b.top_items:
        assert item.label
        assert "_" not in item.label


def test_clear_trigger_without_compaction_says_in_this_session(claude: Path) -> None:
    path = tr.session(claude, [1_000 * (i + 1) for i in range(30)])
    b = session_budget(path, config=Config(), counter=HeuristicCounter())
    trigger = next(t for t in b.clear_triggers if "messages" in t.name)
    assert trigger.active
    assert trigger.detail == "60 messages in this session"
    path.write_bytes(path.read_bytes() + tr.boundary(30_000) + tr.prompt("again", n=99))
    b = session_budget(path, config=Config(), counter=HeuristicCounter())
    trigger = next(t for t in b.clear_triggers if "messages" in t.name)
    assert trigger.detail.endswith("since the last compaction")


def test_session_list_agrees_with_the_dashboard_before_the_first_reply(claude: Path) -> None:
    path = claude / "projects" / "-p" / f"{tr.SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(tr.prompt("hello there, a first prompt"))
    b = session_budget(path, config=Config())
    [row] = list_sessions(Config())
    assert row.used == b.used
    assert row.used_source == b.used_source == "estimate"
    assert row.level == b.level


@pytest.mark.parametrize("name", ["compaction_no_reply", "compaction_no_reply_post_tokens"])
def test_session_list_agrees_with_the_dashboard_after_a_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # The file ends in a compaction: the list shows the next request's estimate, as `status`
    # does, not the boundary's postTokens (which leaves out the system prompt and tools).
    home = synth.build_claude_home(tmp_path / "claude", seed=5, name=name)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    b = session_budget(home.transcript, config=Config())
    [row] = [r for r in list_sessions(Config()) if r.transcript == str(home.transcript)]
    assert b.used_source == "estimate"
    assert (row.used, row.used_source, row.level) == (b.used, b.used_source, b.level)
    post = b.compactions[-1].post_tokens
    if post is not None:
        assert row.used > post


def test_the_context_rows_name_the_system_row_for_what_it_holds() -> None:
    from ctxdash.core.breakdown import Category, context_groups

    def rows(*names: str) -> list[Category]:
        return [Category(name=n, label=n, group="system", tokens=1_000) for n in names]

    def names(categories: list[Category]) -> list[str]:
        groups = context_groups(
            categories, used=5_000, window=200_000, buffer=33_000, skills_chars=0,
            custom_agents=0, bytes_per_token=4,
        )  # fmt: skip
        return [g.name for g in groups]

    # Recorded apart (Claude Code 2.1.3xx): the rows /context shows.
    assert names(rows("system", "tools"))[:2] == ["System prompt", "System tools"]
    # Not recorded apart: one row holds both, and says so.
    assert names(rows("system"))[0] == "System prompt & tools"
    assert "System tools" not in names(rows("system"))
