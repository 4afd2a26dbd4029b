"""Models, windows, the auto-compact estimate and the levels."""

from __future__ import annotations

import pytest

from ctxdash.core.claude.models import model_info
from ctxdash.core.claude.settings import ClaudeEnv
from ctxdash.core.config import Config, Thresholds
from ctxdash.core.window import autocompact, decide_window, level_of, thresholds


@pytest.mark.parametrize(
    ("model", "window", "tokenizer"),
    [
        ("claude-sonnet-4-20250514", 200_000, "old"),
        ("claude-sonnet-4-5-20250929", 200_000, "old"),
        ("claude-opus-4-5-20251101", 200_000, "old"),
        ("claude-haiku-4-5-20251001", 200_000, "old"),
        ("claude-opus-4-6", 200_000, "old"),
        ("claude-opus-4-7", 1_000_000, "new"),
        ("claude-opus-5", 1_000_000, "new"),
        ("claude-sonnet-5", 1_000_000, "new"),
        ("claude-fable-5-1", 1_000_000, "new"),
        ("claude-3-5-sonnet-20241022", 200_000, "old"),
    ],
)
def test_model_table(model: str, window: int, tokenizer: str) -> None:
    info = model_info(model)
    assert info.native_window == window
    assert info.tokenizer == tokenizer


def _window(model: str, **kw: object) -> int:
    env = kw.pop("env", ClaudeEnv())
    return decide_window(model_info(model), env=env, config=Config(), **kw).size  # type: ignore[arg-type]


def test_one_m_evidence() -> None:
    assert _window("claude-sonnet-4-5-20250929") == 200_000
    assert _window("claude-sonnet-4-5-20250929", max_request=201_000) == 1_000_000
    assert _window("claude-sonnet-4-5-20250929", env=ClaudeEnv(model="sonnet[1m]")) == 1_000_000
    assert _window("claude-sonnet-4-5-20250929", set_model_1m=True) == 1_000_000
    assert _window("claude-opus-4-5-20251101", env=ClaudeEnv(model="opus[1m]")) == 200_000
    assert _window("claude-sonnet-4-5-20250929", override=500_000) == 500_000


def test_disable_1m(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_DISABLE_1M_CONTEXT", "1")
    assert _window("claude-opus-4-7") == 200_000


def test_config_model_window_wins() -> None:
    cfg = Config(models={"claude-sonnet-4-5": 1_000_000})
    info = model_info("claude-sonnet-4-5-20250929")
    assert decide_window(info, env=ClaudeEnv(), config=cfg).size == 1_000_000


def test_autocompact_by_version() -> None:
    info = model_info("claude-sonnet-4-5-20250929")
    assert autocompact(200_000, info, "2.1.20", ClaudeEnv()).at == 155_000
    assert autocompact(200_000, info, "2.1.21", ClaudeEnv()).at == 167_000
    assert (
        autocompact(1_000_000, model_info("claude-sonnet-5"), "2.1.300", ClaudeEnv()).at == 967_000
    )


def test_autocompact_modifiers(monkeypatch: pytest.MonkeyPatch) -> None:
    info = model_info("claude-sonnet-4-5-20250929")
    monkeypatch.setenv("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", "50")
    assert autocompact(200_000, info, "2.1.100", ClaudeEnv()).at == 90_000
    monkeypatch.delenv("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE")
    ac = autocompact(200_000, info, "2.1.100", ClaudeEnv(env={"DISABLE_AUTO_COMPACT": "1"}))
    assert not ac.enabled
    assert ac.at == 177_000
    ac = autocompact(
        1_000_000, model_info("claude-opus-4-7"), "2.1.200", ClaudeEnv(auto_compact_window=400_000)
    )
    assert ac.at == 367_000
    assert ac.reserve == 633_000


def test_levels() -> None:
    t = thresholds(200_000, Config(), 167_000)
    assert (t.warn, t.critical) == (150_000, 180_000)
    assert [level_of(u, t) for u in (149_999, 150_000, 180_000)] == ["ok", "warn", "critical"]
    t1m = thresholds(1_000_000, Config(), 967_000)
    assert (t1m.warn, t1m.critical) == (750_000, 900_000)
    fixed = thresholds(1_000_000, Config(thresholds=Thresholds(warn=150_000, critical=0.9)), 0)
    assert (fixed.warn, fixed.critical) == (150_000, 900_000)
