"""The real transcripts of ../shared/corpus: exact totals, categories that add up.

Skipped when ../shared is not beside the project (the data is third-party and never copied).
"""

from __future__ import annotations

import pytest

from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.core.transcript.tracker import load_state
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")


def _expected() -> list[tuple[str, str | None, int | None, list[int]]]:
    """Rows of the corpus README's table: file, model, used, compaction preTokens."""
    rows = []
    for line in (CORPUS / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        name, _lines, model, used, compactions = cells
        pre = [int(x) for x in compactions.replace(",", "").split() if x.isdigit()]
        rows.append(
            (name.strip("`"), model, None if used == "—" else int(used.replace(",", "")), pre)
        )
    return rows


EXPECTED = _expected() if CORPUS.is_dir() else []


def test_readme_table_was_read() -> None:
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize(("name", "model", "used", "pre"), EXPECTED, ids=lambda v: str(v)[:12])
def test_exact_used(name: str, model: str, used: int | None, pre: list[int]) -> None:
    state = load_state(CORPUS / name, counter=HeuristicCounter(), use_cache=False)
    assert state.model == model
    assert state.used == used
    assert [c.pre_tokens for c in state.compactions] == pre


@pytest.mark.parametrize(("name", "model", "used", "pre"), EXPECTED, ids=lambda v: str(v)[:12])
def test_categories_sum_to_used(name: str, model: str, used: int | None, pre: list[int]) -> None:
    budget = session_budget(CORPUS / name, config=Config(), counter=HeuristicCounter())
    assert sum(c.tokens for c in budget.categories) == budget.used
    assert all(c.tokens >= 0 for c in budget.categories)
    if used is not None:
        assert budget.used == used
        assert budget.used_source == "usage"
    else:
        assert budget.used_source in ("estimate", "post_tokens")
        assert 0 < budget.used < pre[-1]


def test_subagent_files_are_separate_windows() -> None:
    main = next(CORPUS.rglob("ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl"))
    budget = session_budget(main, config=Config(), counter=HeuristicCounter())
    assert budget.used == 66_603
    nested = [s for s in budget.subagents if s.layout == "nested"]
    assert len(nested) == 6
    assert all(s.used > 0 and s.peak >= s.used for s in nested)
    flat_main = next(CORPUS.rglob("cb2e607c-c758-415a-8b45-c49e4631906a.jsonl"))
    flat = session_budget(flat_main, config=Config(), counter=HeuristicCounter()).subagents
    assert {s.layout for s in flat} == {"flat"}
    # Three agent files sit beside it; two are Claude Code's "Warmup" sidechains, not subagents.
    assert [s.agent_id for s in flat] == ["ea02459f"]


def test_status_of_a_subagent_file_reports_its_own_window() -> None:
    agent = next(CORPUS.rglob("agent-ea02459f.jsonl"))
    budget = session_budget(agent, config=Config(), counter=HeuristicCounter())
    assert budget.is_subagent
    assert budget.used == load_state(agent, sidechain=True, use_cache=False).used
    assert budget.used > 0
    assert sum(c.tokens for c in budget.categories) == budget.used


def test_one_million_native_model_window() -> None:
    main = next(CORPUS.rglob("ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl"))
    budget = session_budget(main, config=Config(), counter=HeuristicCounter())
    assert budget.window == 1_000_000
    assert budget.level == "ok"


def test_every_corpus_file_parses_without_malformed_lines() -> None:
    for path in CORPUS.rglob("*.jsonl"):
        state = load_state(path, counter=HeuristicCounter(), use_cache=False)
        assert state.counters.malformed == 0, path
