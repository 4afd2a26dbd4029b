"""What the panels show: breakdown order and colours, the gauge bar, items, local times."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import msgspec
import pytest
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tokens import HeuristicCounter
from ctxdash.ui.app import CtxDashApp
from ctxdash.ui.messages import BudgetChanged
from ctxdash.ui.widgets.breakdown import Breakdown
from ctxdash.ui.widgets.gauge import Gauge
from ctxdash.ui.widgets.items import BiggestItems
from tests.ui_support import FIXED_NOW, fixed_app, fixed_demo, screen_lines


async def _settle(app: CtxDashApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


def _rows(app: CtxDashApp) -> list[tuple[str, str]]:
    """``(label, colour of its square)`` of each breakdown row, as rendered."""
    text = app.screen.query_one(Breakdown).render()
    assert isinstance(text, Text)
    rows = []
    for line in text.split("\n"):
        colour = next(str(s.style) for s in line.spans if s.start == 0)
        label = re.sub(r"\s+≈?[\d.]+[KM]?(\s.*)?$", "", line.plain[2:]).strip()
        rows.append((label, colour))
    return rows


def _with(budget: Budget, **tokens: int) -> Budget:
    cats = [
        msgspec.structs.replace(c, tokens=tokens.get(c.name, c.tokens)) for c in budget.categories
    ]
    return msgspec.structs.replace(budget, categories=cats)


async def test_breakdown_rows_keep_their_order_until_a_big_change() -> None:
    demo = fixed_demo(41, name="order")
    base = session_budget(demo.transcript, config=Config(), counter=HeuristicCounter())
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 60)) as pilot:
        await _settle(app, pilot)
        first = [label for label, _ in _rows(app)]
        # Two neighbours trade places by a few hundred tokens: the order stays.
        cats = sorted(base.categories, key=lambda c: -c.tokens)
        a, b = cats[4], cats[5]
        app.post_message(BudgetChanged(_with(base, **{a.name: b.tokens, b.name: a.tokens})))
        await pilot.pause()
        assert [label for label, _ in _rows(app)] == first
        # One row grows far past the top one: sorted again.
        small = cats[-1]
        app.post_message(BudgetChanged(_with(base, **{small.name: cats[0].tokens * 2})))
        await pilot.pause()
        assert [label for label, _ in _rows(app)][0] != first[0]


@pytest.mark.parametrize("theme", ["ctxdash-dark", "ctxdash-light", "ctxdash-cb"])
async def test_every_visible_row_has_its_own_colour_and_the_gauge_bar_uses_them(
    theme: str,
) -> None:
    demo = fixed_demo(41, name=f"colours-{theme}")
    app = fixed_app(demo.transcript, theme=theme)
    async with app.run_test(size=(80, 60)) as pilot:
        await _settle(app, pilot)
        rows = _rows(app)
        colours = [colour for _, colour in rows]
        assert len(rows) > 12
        assert len(set(colours)) == len(colours), rows
        bar = app.screen.query_one(Gauge).render().split("\n")[1]  # type: ignore[union-attr]
        used = {str(s.style) for s in bar.spans if "█" in bar.plain[s.start : s.end]}
        # The largest rows are wide enough to be seen in the bar, in their own colours.
        assert {colours[0], colours[1], colours[2]} <= used, (used, rows[:3])


@pytest.mark.parametrize("width", [30, 40, 50, 60, 80, 120])
async def test_breakdown_labels_are_consistent_and_never_touch_the_numbers(width: int) -> None:
    demo = fixed_demo(41, name=f"labels-{width}")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(width, 60)) as pilot:
        await _settle(app, pilot)
        text = app.screen.query_one(Breakdown).render()
        lines = text.plain.split("\n")  # type: ignore[union-attr]
        for line in lines:
            assert re.match(r"^■ \S.*?\S +≈?[\d.]+[KM]?( +[\d.]+%)?( .*)?$", line), line
        tools = [line for line in lines if "Read" in line or "Bash" in line or "Grep" in line]
        assert len(tools) == 3
        forms = {line[2:].split()[0] for line in tools}
        assert len(forms) == 1, tools  # "Tool results · X" everywhere, or "Result X"


FIXED_LABELS = ("System prompt & tools", "Free to auto-compact", "Auto-compact reserve")
SHORT_FIXED = ("System & tools", "Free to compact", "Compact reserve")


@pytest.mark.parametrize("width", [36, 40, 44, 50, 60, 80, 120, 200])
async def test_fixed_breakdown_labels_are_never_cut_and_full_names_show_when_they_fit(
    width: int,
) -> None:
    demo = fixed_demo(41, name=f"fixed-{width}")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(width, 60)) as pilot:
        await _settle(app, pilot)
        breakdown = app.screen.query_one(Breakdown)
        lines = breakdown.render().plain.split("\n")  # type: ignore[union-attr]
        labels = [line[2:] for line in lines]
        full = all(any(label.startswith(f) for label in labels) for f in FIXED_LABELS)
        short = all(any(label.startswith(f + " ") for label in labels) for f in SHORT_FIXED)
        assert full or short, lines  # whole words, in the full or the short form
        # no label is cut while there is room: the full names, or every file name whole
        if not full or any("…" in line for line in lines):
            assert breakdown.inner_width < 60, lines
        for line in lines:
            assert "…" not in line or "Mem " in line or "Result " in line, line


def test_the_ahead_line_keeps_to_and_drops_whole_items() -> None:
    from types import SimpleNamespace

    from ctxdash.ui.widgets.gauge import ahead_line

    levels = SimpleNamespace(warn=150_000, critical=180_000)
    b = SimpleNamespace(thresholds=levels, autocompact_at=167_000, used=53_100)
    assert ahead_line(b, 80) == "to warn 96.9K · compact≈113.9K · crit 126.9K"  # type: ignore[arg-type]
    for width in range(14, 80):
        line = ahead_line(b, width)  # type: ignore[arg-type]
        assert line.startswith("to warn "), (width, line)
        assert len(line) <= width
        assert "compact≈ " not in line  # no stray space
        assert "…" not in line
        items = line.removeprefix("to ").split(" · ")
        assert all(re.fullmatch(r"(warn |crit |compact≈)[\d.]+[KM]?", i) for i in items), line
    assert ahead_line(b, 39) == "to warn 97K · compact≈114K · crit 127K"  # type: ignore[arg-type]
    past = SimpleNamespace(thresholds=levels, autocompact_at=167_000, used=190_000)
    assert ahead_line(past, 80) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [40, 80, 160])
async def test_biggest_items_have_aligned_columns_with_headings(width: int) -> None:
    demo = fixed_demo(41, name="items")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(width, 100)) as pilot:
        await _settle(app, pilot)
        text = app.screen.query_one(BiggestItems).render()
        lines = text.plain.split("\n")  # type: ignore[union-attr]
        head = lines[0].split()
        assert head == ["tokens", "kind", "item", "turn", "age"]
        assert not any(re.search(r"\breply\s+reply\b", line) for line in lines)
        # Right-aligned turn and age columns end at the same cell on every line.
        assert {len(line) for line in lines} == {app.screen.query_one(BiggestItems).size.width}
        turn_end = lines[0].index("turn") + 4
        assert all(line[turn_end - 1].isdigit() for line in lines[1:])


async def test_times_are_local_with_a_date_when_not_today(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the autouse fixture resets it (and tzset)
    time.tzset()
    demo = fixed_demo(41, name="tz")  # last reply at 09:54:15 UTC: 18:54:15 in Tokyo
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(80, 40)) as pilot:
        await _settle(app, pilot)
        text = "\n".join(screen_lines(app))
        assert "last activity 18:54:15" in text
        assert "UTC" not in text
        assert app.get_screen_dashboard().events_log.lines[0].startswith("21:00:00 ")
    later = fixed_app(demo.transcript)
    later.clock = lambda: FIXED_NOW + timedelta(days=2)
    async with later.run_test(size=(80, 40)) as pilot:
        await _settle(later, pilot)
        assert "last activity Mar 02 18:54" in "\n".join(screen_lines(later))


async def test_g_shows_the_breakdown_as_slash_context() -> None:
    """`g` switches the breakdown to /context's rows and back; the fine rows are the default."""
    app = fixed_app(fixed_demo(41, name="groups").transcript)
    async with app.run_test(size=(60, 40)) as pilot:
        await _settle(app, pilot)
        panel = app.screen.query_one(Breakdown)
        assert not panel.grouped
        fine = str(panel.render())
        await pilot.press("g")
        await pilot.pause()
        assert panel.grouped
        assert panel.border_title == Breakdown.GROUPED_TITLE
        grouped = str(panel.render())
        assert "Messages" in grouped
        assert "Free space" in grouped
        assert grouped != fine
        await pilot.press("g")
        await pilot.pause()
        assert not panel.grouped


def _app_at(transcript, clock):  # type: ignore[no-untyped-def]
    from ctxdash.ui.app import make_app
    from ctxdash.ui.settings import AppSettings

    settings = AppSettings(config=Config(bell=False), transcript=transcript, watch=False)
    return make_app(settings, counter=HeuristicCounter(), clock=lambda: clock)


@pytest.mark.parametrize("idle", [False, True])
async def test_growth_forecasts_minutes_only_for_a_live_session(idle: bool) -> None:
    from ctxdash.ui.format import parse_time
    from ctxdash.ui.widgets.growth import GrowthPanel

    demo = fixed_demo(41, name=f"idle-{idle}")
    budget = session_budget(demo.transcript, config=Config(), counter=HeuristicCounter())
    last = parse_time(budget.last_activity)
    assert last is not None
    app = _app_at(demo.transcript, last + (timedelta(days=2) if idle else timedelta(minutes=1)))
    async with app.run_test(size=(44, 60)) as pilot:
        await _settle(app, pilot)
        panel = app.screen.query_one(GrowthPanel)
        lines = panel.render().plain.split("\n")  # type: ignore[union-attr]
        assert all(len(line) <= panel.inner_width for line in lines), lines
        assert re.search(r"\d+ turns · \d+ msgs$", lines[1]), lines  # never split
        forecast = [line for line in lines if line.startswith("to ")]
        assert forecast
        assert "~0 min" not in "\n".join(lines)
        if idle:
            assert not any("min" in line for line in forecast), lines
            assert any(line.startswith("idle since") for line in lines), lines
        else:
            assert any(re.search(r"(~\d+|<1) min$", line) for line in forecast), lines


def test_minutes_under_one_read_less_than_a_minute() -> None:
    from ctxdash.core.numbers import minutes_text

    assert minutes_text(0.2) == "<1 min"
    assert minutes_text(0.0) == "<1 min"
    assert minutes_text(0.5) == "<1 min"  # not "~0 min"
    assert minutes_text(0.99) == "<1 min"
    assert minutes_text(1.4) == "~1 min"
    assert minutes_text(18) == "~18 min"


async def test_subagent_sizes_are_labelled() -> None:
    from ctxdash.ui.widgets.subagents import SubagentsPanel

    demo = fixed_demo(41, name="subagents")
    app = fixed_app(demo.transcript)
    async with app.run_test(size=(44, 80)) as pilot:
        await _settle(app, pilot)
        text = app.screen.query_one(SubagentsPanel).render().plain  # type: ignore[union-attr]
        assert re.match(r"now +[\d.]+[KM]? peak +[\d.]+[KM]? \S", text), text


def test_the_summary_header_says_the_share_in_percent() -> None:
    from ctxdash.ui.screens.summary import SummaryPreview

    head = SummaryPreview("# s", 658, 142_600, 15_000).head
    assert head.startswith("658 tokens, 0.5% of the 142.6K it sums up (budget 15K)")
    assert "ratio" not in head
    assert "<0.1%" in SummaryPreview("# s", 50, 142_600, 15_000).head


def test_rows_resort_by_a_share_of_the_budget_not_of_a_1m_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ctxdash.ui import legend

    # 2K under 264 tokens: far past it for a 200K budget (500 tokens), whatever the window.
    assert legend._ordered(["edit", "bash"], {"edit": 264, "bash": 2_000}, 200_000) == [
        "bash",
        "edit",
    ]
    assert legend._ordered(["edit", "bash"], {"edit": 1_900, "bash": 2_000}, 200_000) == [
        "edit",
        "bash",
    ]
    demo = fixed_demo(41, name="resort-budget")
    b = session_budget(demo.transcript, config=Config(), counter=HeuristicCounter())
    assert (b.window, b.budget) == (1_000_000, 200_000)
    seen: list[int] = []
    real = legend._ordered

    def spy(previous: list[str], tokens: dict[str, int], budget: int) -> list[str]:
        seen.append(budget)
        return real(previous, tokens, budget)

    monkeypatch.setattr(legend, "_ordered", spy)
    legend.Legend().rows(b, {}, "ctxdash-dark")
    assert seen == [200_000]
