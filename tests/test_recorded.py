"""ctxdash on transcripts the real Claude Code wrote (recorded by tests/realclient/record.py).

These run everywhere, without npm: each recorded transcript comes with the rows its last
request really sent, counted by the stand-in's cl100k rule.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import default_counter

DATA = Path(__file__).parent / "data" / "realclient"
CASES = [
    (version.name, name, truth)
    for version in sorted(DATA.iterdir())
    for name, truth in json.loads((version / "truth.json").read_text()).items()
]


@pytest.mark.parametrize(("version", "name", "truth"), CASES, ids=[c[1][-20:] for c in CASES])
def test_recorded_transcript(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, name: str, truth: dict
) -> None:
    root = tmp_path / ".claude"
    shutil.copytree(DATA / version / "projects", root / "projects")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    budget = session_budget(root / "projects" / name, config=Config(), counter=default_counter())
    assert budget.used == truth["used"]
    assert budget.used_source == "usage"
    assert budget.claude_version == version
    rows: dict[str, int] = {}
    for cat in budget.categories:
        rows[cat.name] = rows.get(cat.name, 0) + cat.tokens
    sent: dict[str, int] = truth["sent"]
    diff = sum(abs(rows.get(k, 0) - sent.get(k, 0)) for k in set(rows) | set(sent))
    assert diff / 2 <= 0.03 * budget.used, (rows, sent)
    for key, value in sent.items():
        if value >= 1000:
            assert abs(rows.get(key, 0) - value) <= 0.05 * value, (key, rows.get(key), value)
    if truth["scenario"] == "agent":
        # The one subagent the Agent/Task call ran (2.0.x warm-up sidechains are not listed).
        (agent,) = budget.subagents
        assert agent.used > 0
        if any((DATA / version / "projects").rglob("*.meta.json")):
            # Only versions that write a .meta.json beside the subagent say what it was.
            assert agent.agent_type == "general-purpose"
            assert agent.description == "Survey the notes"
