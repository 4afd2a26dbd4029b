"""Gauge: used / budget, level word, a bar with the level marks; the window and the
auto-compact point beyond the budget on their own line."""

from __future__ import annotations

import re

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import bar_cells, compact, truncate
from ctxdash.ui.widgets.panel import Panel

LEVEL_WORD = {"ok": "OK", "warn": "WARNING", "critical": "CRITICAL"}


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


class Gauge(Panel):
    """The headline: how much of the budget is used, and where the window ends."""

    TITLE = "Context"

    def render_budget(self, b: Budget) -> RenderableType:
        width = self.inner_width
        colour = self.level(b.level)
        scale = b.budget or b.window
        pct = 100 * b.used / scale if scale else 0.0
        approx = "≈" if b.used_source != "usage" else ""
        head = Text()
        head.append(f"{approx}{compact(b.used)}", style=f"bold {colour}")
        head.append(f" / {compact(b.budget)} budget  {pct:.1f}%  ")
        head.append(LEVEL_WORD.get(b.level, b.level.upper()), style=f"bold reverse {colour}")
        lines = [head, self._bar(b, width, colour)]
        left = sorted(
            [
                ("warn", b.thresholds.warn),
                ("crit", b.thresholds.critical),
                ("compact≈", b.autocompact_at),
            ],
            key=lambda level: level[1],
        )
        parts = [f"{name} {compact(at - b.used)}" for name, at in left if at > b.used]
        if parts:
            long = "to " + " · ".join(parts)
            lines.append(Text(long if len(long) <= width else " ".join(parts), style="dim"))
        else:
            lines.append(Text("past every level: act now", style=f"bold {colour}"))
        lines.append(Text(window_line(b, width), style="dim"))
        where = " · ".join(x for x in (short_model(b.model), b.project, b.git_branch) if x)
        lines.append(Text(truncate(where, width), style="dim"))
        when = (b.last_activity or "")[11:19]
        tail = f"last activity {when} UTC" if when else "no activity yet"
        if b.used_source == "post_tokens":
            tail += " · size from compaction"
        elif b.used_source == "estimate":
            tail += " · size estimated"
        lines.append(Text(truncate(tail, width), style="dim"))
        return Text("\n").join(lines)

    def _bar(self, b: Budget, width: int, colour: str) -> Text:
        scale = b.budget or b.window
        filled = bar_cells(b.used / scale if scale else 0, width)
        cells = ["█"] * filled + ["░"] * (width - filled)
        styles = [colour] * filled + ["dim"] * (width - filled)
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
                cells[i] = char
                styles[i] = f"bold {mark}" if i >= filled else f"bold {mark} on {colour}"
        if b.window > b.budget and width > 1 and filled < width:
            cells[-1], styles[-1] = "▸", f"bold {mark}"  # the window goes on beyond the bar
        bar = Text()
        for char, style in zip(cells, styles, strict=True):
            bar.append(char, style=style)
        return bar
