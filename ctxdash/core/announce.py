"""What is worth telling the user when a session's budget changes: alerts, compactions, notes.

:class:`Announcer` keeps, per session on screen, what it has already said (the replies seen,
compactions announced, malformed lines counted, the auto-compact note) and turns each new
:class:`~ctxdash.core.budget.Budget` into :class:`Event` values. The dashboard only renders
them (a toast, a line in the event log, the bell); the rules live here, without Textual.
"""

from __future__ import annotations

import msgspec

from ctxdash.core.alerts import AlertTracker
from ctxdash.core.budget import Budget
from ctxdash.core.numbers import compact


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Something to tell the user.

    ``kind`` is ``alert``, ``compaction``, ``estimate`` or ``malformed`` (an ``estimate``
    replaces the one before it: the estimate is corrected again as the peak grows); ``level`` is the
    alert level (``warn``/``critical``) for alerts; ``log`` is the event-log line; ``toast``
    (with ``title``) the pop-up text, empty when the event only goes to the log.
    """

    kind: str
    log: str
    level: str = ""
    toast: str = ""
    title: str = ""


class Announcer(msgspec.Struct, kw_only=True):
    """What has been said about one session."""

    alerts: AlertTracker = msgspec.field(default_factory=AlertTracker)
    seen_points: int = 0
    compactions: int = 0
    malformed: int = 0
    autocompact_note: str = ""
    primed: bool = False

    def restart(self) -> None:
        """The same session, shown afresh: counters from zero, alerts kept."""
        self.seen_points = self.compactions = self.malformed = 0
        self.autocompact_note = ""
        self.primed = False

    def update(self, b: Budget) -> list[Event]:
        """The events a new budget brings, in the order to show them."""
        events: list[Event] = []
        # Replies since the last update may have peaked higher than now (a compaction can
        # follow in the same batch): alert on that peak, then let the current size re-arm.
        new_points = b.growth.series[self.seen_points :] if self.seen_points else []
        self.seen_points = len(b.growth.series)
        peak = max([b.used, *(p[1] for p in new_points)])
        fired = self.alerts.update(peak, b.thresholds)
        self.alerts.update(b.used, b.thresholds)
        for alert in fired:
            if alert.level == "critical":
                toast = (
                    f"{compact(alert.used)} of the {compact(b.budget)} budget: critical. "
                    "Snapshot (s), summary (c), fork (f), or /clear now."
                )
                title = "Context critical"
            else:
                toast = f"{compact(alert.used)} of the {compact(b.budget)} budget: plan a /clear."
                title = "Context warning"
            log = f"crossed {alert.level} ({compact(alert.at)}): {compact(alert.used)}"
            events.append(Event(kind="alert", level=alert.level, log=log, toast=toast, title=title))
        if b.autocompact_source != "formula" and b.autocompact_note != self.autocompact_note:
            log = (
                f"auto-compact estimate corrected to ≈{compact(b.autocompact_at)}: "
                f"{b.autocompact_note}"
            )
            events.append(Event(kind="estimate", log=log))
        self.autocompact_note = b.autocompact_note
        first, self.primed = not self.primed, True
        for c in b.compactions[self.compactions :]:
            if first and c is not b.compactions[-1]:
                continue  # history: only the latest one is worth a line
            post = c.post_tokens if c.post_tokens is not None else c.first_used
            text = f"compacted ({c.trigger or '?'}): {compact(c.pre_tokens)} → {compact(post)}"
            toast = "" if first else text
            events.append(Event(kind="compaction", log=text, toast=toast, title="Compaction"))
        self.compactions = len(b.compactions)
        if b.malformed_lines > self.malformed:
            log = f"{b.malformed_lines - self.malformed} malformed line(s) skipped"
            events.append(Event(kind="malformed", log=log))
            self.malformed = b.malformed_lines
        return events
