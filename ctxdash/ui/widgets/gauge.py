"""Gauge: used / budget, level word, a bar with the level marks; the window and the
auto-compact point beyond the budget on their own line."""

from __future__ import annotations

import re

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.core.levels import word
from ctxdash.ui.format import compact, fit, local_time, truncate
from ctxdash.ui.legend import TOTALS
from ctxdash.ui.widgets.panel import Panel


def short_model(model: str | None) -> str | None:
    """``claude-sonnet-4-5-20250929`` → ``sonnet-4-5``."""
    if not model:
        return None
    return re.sub(r"-\d{8}$", "", model.removeprefix("claude-"))


def window_line(b: Budget, width: int = 80) -> str:
    """Where the window and the auto-compact point are (``▸``: beyond the budget's bar)."""
    compact_at = f"compact≈{compact(b.autocompact_at)}"
    if b.autocompact_source != "formula":
        compact_at += " (learned)"
    lead = "▸ " if b.window > b.budget else ""
    line = f"{lead}window {compact(b.window)} · {compact_at}"
    if len(line) > width:  # narrow: the same, shorter
        learned = "learned " if b.autocompact_source != "formula" else ""
        line = f"{lead}win {compact(b.window)} · {learned}compact≈{compact(b.autocompact_at)}"
    return truncate(line, width)


def _whole(n: int) -> str:
    """A size in fewer cells: ``96.9K`` → ``97K`` (``1.5M`` stays)."""
    if n >= 1_000_000:
        return compact(n)
    return compact(round(n, -3)) if n >= 1_000 else str(n)


def ahead_line(b: Budget, width: int = 80) -> str:
    """What is left to each level ahead, nearest first: ``to warn 30.9K · compact≈47.9K ·
    crit 60.9K``. Narrower, the numbers are rounded, then the farthest levels go; the
    ``to`` stays (without it the numbers read as the levels themselves)."""
    ahead = sorted(
        [
            ("warn ", b.thresholds.warn),
            ("crit ", b.thresholds.critical),
            ("compact≈", b.autocompact_at),
        ],
        key=lambda level: level[1],
    )
    left = [(name, at - b.used) for name, at in ahead if at > b.used]
    if not left:
        return ""
    candidates = []
    for n in range(len(left), 0, -1):
        for number in (compact, _whole):
            candidates.append("to " + " · ".join(f"{k}{number(v)}" for k, v in left[:n]))
    return fit(candidates, width)


class Gauge(Panel):
    """The headline: how much of the budget is used, and where the window ends."""

    TITLE = "Context"

    def render_budget(self, b: Budget) -> RenderableType:
        width = self.inner_width
        colour = self.level(b.level)
        scale = b.budget or b.window
        pct = 100 * b.used / scale if scale else 0.0
        approx = "≈" if b.used_source != "usage" else ""
        used = f"{approx}{compact(b.used)}"
        # One line at any width: tighter spacing first, then the short level word.
        forms = [
            (f" / {compact(b.budget)} budget  {pct:.1f}%  ", word(b.level)),
            (f" / {compact(b.budget)} budget {pct:.1f}% ", word(b.level)),
            (f"/{compact(b.budget)} budget {pct:.1f}% ", word(b.level)),
            (f"/{compact(b.budget)} budget {pct:.0f}% ", word(b.level, short=True)),
            (f"/{compact(b.budget)} {pct:.0f}% ", word(b.level, short=True)),
        ]
        middle, level = next(
            (f for f in forms if len(used) + len(f[0]) + len(f[1]) <= width), forms[-1]
        )
        head = Text()
        head.append(used, style=f"bold {colour}")
        head.append(middle)
        head.append(level, style=f"bold reverse {colour}")
        head.truncate(width, overflow="ellipsis")
        lines = [head, self._bar(b, width, colour)]
        ahead = ahead_line(b, width)
        if ahead:
            lines.append(Text(ahead, style="dim"))
        else:
            lines.append(Text("past every level: act now", style=f"bold {colour}"))
        lines.append(Text(window_line(b, width), style="dim"))
        where = " · ".join(x for x in (short_model(b.model), b.project, b.git_branch) if x)
        lines.append(Text(truncate(where, width), style="dim"))
        when = local_time(b.last_activity, self.app.clock())  # type: ignore[attr-defined]
        tail = f"last activity {when}" if when else "no activity yet"
        if b.used_source == "post_tokens":
            tail += " · size from compaction"
        elif b.used_source == "estimate":
            tail += " · size estimated"
        lines.append(Text(truncate(tail, width), style="dim"))
        return Text("\n").join(lines)

    def _bar(self, b: Budget, width: int, colour: str) -> Text:
        """The budget in ``width`` cells: used cells in the breakdown's colours, in its order."""
        scale = b.budget or b.window
        cells = ["░"] * width
        styles = ["dim"] * width
        done, edge = 0, 0
        for row in self.legend:
            if row.name in TOTALS or not scale:
                continue
            done += row.tokens
            end = min(width, round(done / scale * width))
            for i in range(edge, end):
                cells[i], styles[i] = "█", row.colour
            edge = max(edge, end)
        filled = edge
        if not self.legend:  # no rows yet: the level colour
            filled = min(width, round(b.used / scale * width)) if scale else 0
            for i in range(filled):
                cells[i], styles[i] = "█", colour
        mark = self.app.theme_variables.get("ctx-mark", "white")
        for at, char in (
            (b.thresholds.warn, "│"),
            (b.thresholds.critical, "┃"),
            (b.autocompact_at, "╎"),
        ):
            if not scale or at > scale:
                continue  # beyond the budget: named on the window line instead
            i = min(width - 1, round(at / scale * width))
            if 0 <= i < width:
                under = styles[i] if i < filled else ""
                back = under.split()[-1] if under and under != "dim" else ""
                cells[i] = char
                styles[i] = f"bold {mark} on {back}" if back else f"bold {mark}"
        if b.window > b.budget and width > 1 and filled < width:
            cells[-1], styles[-1] = "▸", f"bold {mark}"  # the window goes on beyond the bar
        bar = Text()
        for char, style in zip(cells, styles, strict=True):
            bar.append(char, style=style)
        return bar


class MiniGauge(Gauge):
    """The whole dashboard in a tiny pane: the level, the size and the bar."""

    DEFAULT_CSS = """
    MiniGauge { border: none; padding: 0; height: auto; }
    """

    def render(self) -> RenderableType:
        width = self.inner_width
        if self.budget is None:
            return Text(fit(["ctxdash: waiting for data…", "waiting…", "…"], width), style="dim")
        b = self.budget
        colour = self.level(b.level)
        scale = b.budget or b.window
        pct = f"{100 * b.used / scale:.0f}%" if scale else ""
        full, short = word(b.level), word(b.level, short=True)
        used, window = compact(b.used), compact(scale)
        head = fit(
            [
                f"{full} {used}/{window} {pct}",
                f"{short} {used}/{window} {pct}",
                f"{short} {used} {pct}",
                f"{used} {pct}",
                f"{short} {pct}",
                pct,
            ],
            width,
        )
        lines = [Text(head.ljust(width), style=f"bold reverse {colour}")]
        if self.size.height >= 2:
            lines.append(self._bar(b, width, colour))
        if self.size.height >= 3 and width >= 14:
            lines.append(Text(fit(["too small for the panels", "too small"], width), style="dim"))
        return Text("\n").join(lines)
