"""How fast the context grows, and how long until each level at that pace."""

from __future__ import annotations

import math
from datetime import datetime

import msgspec

from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.window import Thresholds


class Forecast(msgspec.Struct, kw_only=True, frozen=True):
    """How long until a level, at the recent pace."""

    target: str
    at: int
    tokens_left: int
    turns: int | None
    minutes: float | None


class Growth(msgspec.Struct, kw_only=True, frozen=True):
    """Per-reply series and pace."""

    series: list[tuple[str | None, int, int, int]]
    per_turn: float | None
    per_minute: float | None
    forecast: list[Forecast]


def _minutes(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00"))
        tb = datetime.fromisoformat(b.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (tb - ta).total_seconds() / 60


def growth(state: SessionState, used: int, levels: Thresholds) -> Growth:
    points = [p for p in state.series if p.epoch == state.epoch]
    per_turn = per_minute = None
    recent = points[-40:]
    if len(recent) >= 2:
        first, last = recent[0], recent[-1]
        if last.turn > first.turn:
            per_turn = (last.used - first.used) / (last.turn - first.turn)
        elif len(recent) >= 2:
            per_turn = (last.used - first.used) / max(1, len(recent) - 1)
        minutes = _minutes(first.timestamp, last.timestamp)
        if minutes and minutes > 0.05:
            per_minute = (last.used - first.used) / minutes
    forecast = []
    # In the order they come: auto-compact can come before critical (or warn).
    for name, at in sorted(
        (("warn", levels.warn), ("critical", levels.critical), ("autocompact", levels.autocompact)),
        key=lambda pair: pair[1],
    ):
        left = max(0, at - used)
        turns = minutes_left = None
        if left and per_turn and per_turn > 0:
            turns = math.ceil(left / per_turn)
        if left and per_minute and per_minute > 0:
            minutes_left = round(left / per_minute, 1)
        forecast.append(
            Forecast(target=name, at=at, tokens_left=left, turns=turns, minutes=minutes_left)
        )
    return Growth(
        series=[(p.timestamp, p.used, p.turn, p.epoch) for p in state.series],
        per_turn=None if per_turn is None else round(per_turn, 1),
        per_minute=None if per_minute is None else round(per_minute, 1),
        forecast=forecast,
    )
