"""Thinking in the context: the current tool loop's thinking counts; earlier turns' thinking
counts only where it is kept (Claude Code >= 2.1.112, or a model that keeps it).

The synthetic writer computes its usage by the same rule independently and says how many
thinking tokens the last request carried; ctxdash's thinking row must find them.
"""

from __future__ import annotations

import io

import pytest

from ctxdash import synth
from ctxdash.core.claude.models import claude_code_keeps_thinking, model_info
from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.tokens import HeuristicCounter

COUNTER = HeuristicCounter()
#: (model, Claude Code version, earlier turns' thinking kept)
RULES = [
    ("claude-sonnet-4-5-20250929", "2.0.76", False),
    ("claude-sonnet-4-20250514", "1.0.128", False),
    ("claude-haiku-4-5-20251001", "2.1.39", False),
    ("claude-sonnet-4-5-20250929", "2.1.114", True),
    ("claude-sonnet-4-6", "2.1.39", True),
    ("claude-opus-4-5-20251101", "2.0.76", True),
]


@pytest.mark.parametrize(("model", "version", "kept"), RULES)
def test_the_rule_is_the_same_on_both_sides(model: str, version: str, kept: bool) -> None:
    assert claude_code_keeps_thinking(version, model_info(model)) is kept
    assert synth.keeps_thinking(model, version) is kept


def _session(model: str, version: str, end_in_loop: bool, seed: int) -> synth.SessionWriter:
    w = synth.SessionWriter(seed=seed, model=model, version=version, out=io.BytesIO())
    w.start("Please look at the parser.")
    for turn in range(3):
        w.use_tools([w.tool_read(3_000)], thinking=True, text="Reading first.")
        w.use_tools([w.tool_grep()], thinking=True)
        w.respond(text="Here is what I found.", thinking=True)
        w.prompt(f"Next, part {turn}.")
    w.use_tools([w.tool_bash(800)], thinking=True)
    if end_in_loop:
        w.use_tools([w.tool_read(2_000)])  # its request carries the loop's thinking
    else:
        w.respond(text="All done.")
        w.prompt("Thanks.")
        w.respond(text="You are welcome.")  # the first request of a new turn
    return w


def _thinking_row(w: synth.SessionWriter) -> tuple[int, int]:
    assert isinstance(w._out, io.BytesIO)
    state = SessionState()
    state.feed_bytes(w._out.getvalue().splitlines())
    state.flush(COUNTER)
    assert state.used == w.expected().used
    assert sum(i.tokens for i in state.items) + (state.resolver.static or 0) == state.used
    return sum(i.tokens for i in state.items if i.cat == "thinking"), len(
        [i for i in state.items if i.cat == "thinking"]
    )


@pytest.mark.parametrize(("model", "version", "kept"), RULES)
@pytest.mark.parametrize("end_in_loop", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_thinking_row_follows_the_rule(
    model: str, version: str, kept: bool, end_in_loop: bool, seed: int
) -> None:
    w = _session(model, version, end_in_loop, seed)
    expected = w.expected().thinking_tokens
    mine, items = _thinking_row(w)
    if not kept and not end_in_loop:
        # A new turn began: no thinking of the finished ones is counted, on either side.
        assert expected == 0
        assert mine == 0
        assert items == 0
        return
    assert expected > 0
    # ctxdash weighs a reply's thinking as its output minus an estimate of its visible blocks.
    assert abs(mine - expected) <= 0.05 * expected + 40 * items, (mine, expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_thinking_without_a_recorded_output(seed: int) -> None:
    # 2.1.39 writes every line of a reply with the first, provisional output count (1): the
    # loop's thinking is then what the usage delta leaves once the recorded text is counted.
    w = _session("claude-sonnet-4-5-20250929", "2.1.39", True, seed)
    assert isinstance(w._out, io.BytesIO)
    lines = [
        line.replace(b'"output_tokens":', b'"output_tokens":1,"was":', 1)
        if b'"type":"assistant"' in line
        else line
        for line in w._out.getvalue().splitlines()
    ]
    state = SessionState()
    state.feed_bytes(lines)
    state.flush(COUNTER)
    mine = sum(i.tokens for i in state.items if i.cat == "thinking")
    expected = w.expected().thinking_tokens
    assert expected > 0
    assert abs(mine - expected) <= 0.15 * expected + 60, (mine, expected)
    assert not [i for i in state.items if i.cat == "unrecorded"]
