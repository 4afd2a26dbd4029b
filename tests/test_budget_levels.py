"""The budget (200K by default) apart from the window (200K or 1M), and the learned
auto-compact point."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from ctxdash.cli.main import main
from ctxdash.core.claude.models import model_info
from ctxdash.core.claude.session_list import list_sessions
from ctxdash.core.claude.settings import ClaudeEnv
from ctxdash.core.config import Config, ConfigError, load_config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.core.window import autocompact, learn_autocompact
from ctxdash.integration import statusline
from tests import transcripts as tr


def _budget(path: Path, config: Config | None = None):  # type: ignore[no-untyped-def]
    return session_budget(path, config=config or Config(), counter=HeuristicCounter())


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "claude"
    root.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    return root


def test_levels_stay_at_150k_and_180k_on_a_1m_window(claude: Path) -> None:
    b = _budget(tr.session(claude, [40_000, 160_000]))
    assert (b.window, b.budget) == (1_000_000, 200_000)
    assert (b.thresholds.warn, b.thresholds.critical) == (150_000, 180_000)
    assert b.level == "warn"
    assert b.budget_left == 40_000
    assert [r.planned for r in b.plan] == [15_000, 80_000, 50_000, 55_000]
    assert b.plan[-1].actual == 40_000  # the reserve left in the budget, not in the window


def test_budget_window_scales_the_levels_to_the_window(claude: Path) -> None:
    b = _budget(tr.session(claude, [160_000]), Config(budget="window"))
    assert b.budget == 1_000_000
    assert (b.thresholds.warn, b.thresholds.critical) == (750_000, 900_000)
    assert b.level == "ok"
    fixed = _budget(tr.session(claude, [160_000]), Config(budget=300_000))
    assert (fixed.budget, fixed.thresholds.warn) == (300_000, 225_000)


def test_a_200k_window_keeps_its_budget(claude: Path) -> None:
    b = _budget(tr.session(claude, [160_000], model="claude-sonnet-4-5-20250929"))
    assert (b.window, b.budget, b.level) == (200_000, 200_000, "warn")


def test_config_budget_key(tmp_path: Path) -> None:
    good = tmp_path / "a.toml"
    good.write_text('budget = "window"\n')
    assert load_config(good).budget == "window"
    good.write_text("budget = 300000\n")
    assert load_config(good).budget == 300_000
    bad = tmp_path / "b.toml"
    bad.write_text('budget = "all"\n')
    with pytest.raises(ConfigError, match="budget"):
        load_config(bad)


def test_status_json_and_text_show_budget_and_window(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tr.session(claude, [160_000])
    assert main(["status", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["budget"], data["window"], data["level"]) == (200_000, 1_000_000, "warn")
    assert {"budget_source", "budget_left", "window_source", "autocompact_at"} <= set(data)
    assert main(["status", "--color", "never", str(path)]) == 0
    out = capsys.readouterr().out
    assert "160K / 200K budget" in out
    assert "WARNING" in out
    assert "budget 200K of a 1M window" in out


def test_sessions_list_uses_the_budget(claude: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tr.session(claude, [160_000])
    rows = list_sessions(Config())
    assert [(r.window, r.budget, r.level) for r in rows] == [(1_000_000, 200_000, "warn")]
    assert main(["sessions", "--color", "never"]) == 0
    assert "200K     1M WARNING" in capsys.readouterr().out


def _payload(used: int, window: int | None, **extra: object) -> bytes:
    data: dict[str, object] = {"session_id": "s1", "model": {"id": "claude-opus-5"}}
    if window:
        data["context_window"] = {
            "context_window_size": window,
            "current_usage": {"input_tokens": used},
        }
    data.update(extra)
    return json.dumps(data).encode()


def test_statusline_levels_are_the_budget_and_the_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    line = statusline.run(None, _payload(160_000, 1_000_000))
    assert line.startswith("ctx 160K/200K 80% WARN · 1M window")
    cfg = Path(os.environ["CTXDASH_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "config.toml").write_text("[thresholds]\nwarn = 100000\ncritical = 0.6\n")
    assert " CRIT" in statusline.run(None, _payload(125_000, 1_000_000))
    assert " WARN" in statusline.run(None, _payload(105_000, 1_000_000))
    (cfg / "config.toml").write_text('budget = "window"\n')
    assert statusline.run(None, _payload(160_000, 1_000_000)).startswith("ctx 160K/1M 16% OK")


def test_statusline_reads_the_transcript_without_context_window(
    monkeypatch: pytest.MonkeyPatch, claude: Path
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = tr.session(claude, [40_000, 152_300], model="claude-sonnet-4-5-20250929")
    payload = {"session_id": "x", "transcript_path": str(path), "model": {"id": "x"}}
    line = statusline.run(None, json.dumps(payload).encode())
    assert line.startswith("ctx 152.3K/200K 76% WARN")


def test_a_session_before_its_first_reply_takes_the_model_from_settings(claude: Path) -> None:
    path = claude / "projects" / "-p" / f"{tr.SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(tr.prompt("hello"))
    assert _budget(path).model is None
    (claude / "settings.json").write_text(json.dumps({"model": "claude-opus-5"}))
    b = _budget(path)
    assert (b.model, b.model_source, b.window) == (
        "claude-opus-5",
        "Claude Code settings",
        1_000_000,
    )


def test_a_session_before_its_first_reply_takes_the_status_line_record(claude: Path) -> None:
    path = claude / "projects" / "-p" / f"{tr.SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(tr.prompt("hello"))
    payload = {
        "session_id": tr.SID,
        "model": {"id": "claude-sonnet-4-6[1m]"},
        "context_window": {"context_window_size": 1_000_000, "current_usage": None},
    }
    statusline.run(None, json.dumps(payload).encode())
    b = _budget(path)
    assert (b.model, b.model_source, b.window) == ("claude-sonnet-4-6", "status line", 1_000_000)


def test_a_seeded_session_takes_its_parents_model(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = tr.session(claude, [60_000], model="claude-opus-5")
    assert main(["summary", "--seed", "--json", str(parent)]) == 0
    seeded = Path(json.loads(capsys.readouterr().out)["seeded"]["path"])
    b = _budget(seeded)
    assert (b.model, b.model_source, b.window, b.budget) == (
        "claude-opus-5",
        "parent session",
        1_000_000,
        200_000,
    )


def test_the_estimate_learns_from_a_peak_without_compaction() -> None:
    info = model_info("claude-sonnet-4-5-20250929")
    ac = autocompact(200_000, info, "2.1.6", ClaudeEnv())
    assert ac.at == 155_000
    learned = learn_autocompact(
        ac, 200_000, peak=164_660, auto_compactions=[], max_output=info.max_output
    )
    assert learned.at == 167_000  # the newer formula: the first one above what was reached
    assert learned.source == "observed peak"
    assert "reached 164.7K" in learned.note
    assert "too low" in learned.note
    same = learn_autocompact(ac, 200_000, peak=150_000, auto_compactions=[], max_output=32_000)
    assert same is ac


def test_the_estimate_learns_from_an_automatic_compaction() -> None:
    info = model_info("claude-opus-5")
    ac = autocompact(1_000_000, info, "2.1.300", ClaudeEnv())
    learned = learn_autocompact(
        ac, 1_000_000, peak=300_000, auto_compactions=[410_000], max_output=info.max_output
    )
    assert (learned.at, learned.source) == (410_000, "observed compaction")
    assert "too high" in learned.note


def test_budget_reports_a_wrong_estimate(claude: Path) -> None:
    path = tr.session(claude, [100_000, 164_660], model="claude-sonnet-4-5-20250929")
    text = path.read_text().replace('"2.1.300"', '"2.1.6"')
    path.write_text(text)
    b = _budget(path)
    assert b.autocompact_formula == 155_000
    assert b.autocompact_at == 167_000 > b.used
    assert b.free > 0
    assert "without compacting" in b.autocompact_note
    forecast = [f.target for f in b.growth.forecast]
    assert forecast == ["warn", "autocompact", "critical"]


def test_json_round_trip_keeps_old_keys(claude: Path) -> None:
    b = _budget(tr.session(claude, [10_000]))
    data = msgspec.to_builtins(b)
    for key in ("window", "window_source", "autocompact_at", "free", "reserve", "thresholds"):
        assert key in data


def test_past_every_formula_the_estimate_is_the_window() -> None:
    info = model_info("claude-sonnet-4-5-20250929")
    ac = autocompact(200_000, info, "2.1.300", ClaudeEnv())
    learned = learn_autocompact(
        ac, 200_000, peak=190_000, auto_compactions=[], max_output=info.max_output
    )
    assert learned.at == 200_000
    assert learned.reserve == 0


def test_snapshots_written_before_the_budget_fields_still_load(claude: Path) -> None:
    from ctxdash.core.checkpoints.snapshot import list_snapshots, load_snapshot

    path = tr.session(claude, [60_000])
    assert main(["snapshot", str(path)]) == 0
    [info] = list_snapshots()
    data = json.loads(Path(info.path).read_text())
    for key in ("budget", "budget_source", "budget_left", "model_source"):
        del data["budget"][key]
    for key in ("autocompact_source", "autocompact_formula"):
        del data["budget"][key]
    for item in data["budget"]["top_items"]:
        del item["label"]
    Path(info.path).write_text(json.dumps(data))
    assert load_snapshot(Path(info.path)).budget.used == 60_000


def test_a_provenance_line_cannot_point_ctxdash_elsewhere(claude: Path) -> None:
    import os

    fifo = claude / "fifo.jsonl"
    os.mkfifo(fifo)
    path = claude / "projects" / "-p" / f"{tr.SID}.jsonl"
    path.parent.mkdir(parents=True)
    origin = {"sessionId": "not-an-id", "transcript": str(fifo)}
    path.write_bytes(tr.prompt("hi") + tr.line(type="ctxdash-origin", forkedFrom=origin))
    assert _budget(path).model_source == "unknown"  # returns: the FIFO is never opened
    payload = {"session_id": "s", "transcript_path": str(fifo), "model": {"id": "x"}}
    assert statusline.run(None, json.dumps(payload).encode()).startswith("ctx")
