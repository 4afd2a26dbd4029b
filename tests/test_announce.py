"""The announcer: what a new budget is worth telling, decided without the UI."""

from __future__ import annotations

import msgspec

from ctxdash.core.announce import Announcer
from ctxdash.core.budget import Budget
from ctxdash.core.config import Config
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.fold import Compaction
from ctxdash.core.transcript.tokens import HeuristicCounter
from tests.ui_support import fixed_demo


def _base() -> Budget:
    demo = fixed_demo(41, name="announce")
    return session_budget(demo.transcript, config=Config(), counter=HeuristicCounter())


def _at(b: Budget, used: int, series: list[int] | None = None) -> Budget:
    points = [(None, u, 1, 0) for u in series or []]
    return msgspec.structs.replace(
        b, used=used, growth=msgspec.structs.replace(b.growth, series=points)
    )


def test_alerts_once_per_upward_crossing_with_hysteresis() -> None:
    base = _base()
    say = Announcer()
    say.update(_at(base, 100_000))
    levels = []
    for used in (149_000, 151_000, 149_500, 150_500, 148_000, 151_000, 140_000, 152_000):
        levels += [e.log for e in say.update(_at(base, used)) if e.kind == "alert"]
    assert [log.rsplit(" ", 1)[-1] for log in levels] == ["151K", "152K"]


def test_a_peak_between_updates_alerts_even_after_a_compaction() -> None:
    base = _base()
    say = Announcer()
    say.update(_at(base, 100_000, [100_000]))
    # Between two updates the session went to 185K and compacted down to 30K.
    events = say.update(_at(base, 30_000, [100_000, 185_000, 30_000]))
    alerts = [e for e in events if e.kind == "alert"]
    assert [e.level for e in alerts] == ["critical"]
    assert "Snapshot (s)" in alerts[0].toast


def test_history_compactions_are_logged_once_new_ones_also_toast() -> None:
    base = _base()
    old = [
        Compaction(timestamp=None, trigger="auto", pre_tokens=n, post_tokens=9_000, last_used=n)
        for n in (160_000, 165_000)
    ]
    say = Announcer()
    first = [e for e in say.update(msgspec.structs.replace(base, compactions=old))]
    logged = [e for e in first if e.kind == "compaction"]
    assert len(logged) == 1
    assert logged[0].toast == ""  # history: a line in the log, no pop-up
    new = Compaction(timestamp=None, trigger="manual", pre_tokens=90_000, post_tokens=7_000,
                     last_used=90_000)  # fmt: skip
    later = say.update(msgspec.structs.replace(base, compactions=[*old, new]))
    (event,) = [e for e in later if e.kind == "compaction"]
    assert event.toast.startswith("compacted (manual)")


def test_malformed_lines_are_counted_once() -> None:
    base = _base()
    say = Announcer()
    say.update(msgspec.structs.replace(base, malformed_lines=2))
    events = say.update(msgspec.structs.replace(base, malformed_lines=5))
    assert [e.log for e in events if e.kind == "malformed"] == ["3 malformed line(s) skipped"]
    assert not [e for e in say.update(msgspec.structs.replace(base, malformed_lines=5))
                if e.kind == "malformed"]  # fmt: skip
