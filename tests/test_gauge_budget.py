"""The gauge in a 50-column pane: used / budget, levels in order, the window beyond."""

from __future__ import annotations

from pathlib import Path

from ctxdash.core.config import Config
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.ui.app import AppSettings, make_app
from ctxdash.ui.widgets.breakdown import Breakdown
from ctxdash.ui.widgets.gauge import Gauge
from tests import transcripts as tr


async def _gauge(path: Path, config: Config) -> tuple[str, str, str]:
    settings = AppSettings(config=config, transcript=path, watch=False)
    app = make_app(settings, counter=HeuristicCounter())
    async with app.run_test(size=(50, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        gauge = app.screen.query_one(Gauge)
        lines = gauge.render().plain.splitlines()  # type: ignore[union-attr]
        breakdown = app.screen.query_one(Breakdown).render().plain  # type: ignore[union-attr]
        return "\n".join(lines), app.screen.query_one(Gauge).border_title or "", breakdown


async def test_gauge_on_a_1m_window_shows_the_budget(tmp_path: Path) -> None:
    path = tr.session(tmp_path, [40_000, 152_300], model="claude-opus-5")
    text, _, breakdown = await _gauge(path, Config(bell=False))
    head, bar, ahead, window, *_ = text.splitlines()
    assert head.startswith("152.3K / 200K budget  76.2%")
    assert "WARNING" in head
    assert bar.rstrip().endswith("▸")  # the window goes on beyond the budget's bar
    assert ahead.index("crit") < ahead.index("compact")  # in the order they come
    assert window == "▸ window 1M · compact≈967K"
    assert max(len(line) for line in text.splitlines()) <= 46
    assert "Left in budget" in breakdown


async def test_gauge_with_budget_window_scales_to_the_window(tmp_path: Path) -> None:
    path = tr.session(tmp_path, [152_300], model="claude-opus-5")
    text, _, _ = await _gauge(path, Config(bell=False, budget="window"))
    head, _, ahead, window, *_ = text.splitlines()
    assert head.startswith("152.3K / 1M budget  15.2%  OK")
    # "to warn 597.7K · crit ..." where it fits, "warn 597.7K crit ..." where it does not
    assert ahead.removeprefix("to ").replace(" · ", " ").split()[0:3] == ["warn", "597.7K", "crit"]
    assert window == "window 1M · compact≈967K"


async def test_gauge_on_a_200k_window_lists_compact_before_critical(tmp_path: Path) -> None:
    path = tr.session(tmp_path, [100_000], model="claude-sonnet-4-5-20250929")
    text, _, _ = await _gauge(path, Config(bell=False))
    _, _, ahead, window, *_ = text.splitlines()
    assert ahead.index("warn") < ahead.index("compact") < ahead.index("crit")
    assert window == "window 200K · compact≈167K"
