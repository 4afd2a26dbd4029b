"""Threshold alerts without flapping: once per upward crossing, re-armed with hysteresis."""

from __future__ import annotations

import msgspec

from ctxdash.core.window import Thresholds

#: How far below a level the size must fall before that level can alert again.
HYSTERESIS = 5_000


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """A level was crossed upwards."""

    level: str  # "warn" | "critical"
    used: int
    at: int


class AlertTracker(msgspec.Struct, kw_only=True):
    """Remembers which levels may alert; feed it every new size."""

    hysteresis: int = HYSTERESIS
    armed: dict[str, bool] = msgspec.field(default_factory=lambda: {"warn": True, "critical": True})

    def update(self, used: int, levels: Thresholds) -> list[Alert]:
        """Alerts to raise for this size (at most one per level per upward crossing)."""
        fired = []
        for level, at in (("warn", levels.warn), ("critical", levels.critical)):
            if used >= at:
                if self.armed[level]:
                    self.armed[level] = False
                    fired.append(Alert(level=level, used=used, at=at))
            elif used < at - self.hysteresis:
                self.armed[level] = True
        # Crossing critical implies warn: report only the highest level crossed now.
        return fired[-1:] if fired else []

    def reset(self) -> None:
        """A new session: every level may alert again."""
        self.armed = {"warn": True, "critical": True}
