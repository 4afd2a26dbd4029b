"""Growth: a sparkline of the size per reply with compaction marks, pace and forecast."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.core.numbers import minutes_text
from ctxdash.ui.format import compact, fit, local_time, one_line, parse_time
from ctxdash.ui.widgets.panel import Panel

BLOCKS = "▁▂▃▄▅▆▇█"
#: A session quiet for longer than this is not growing now: no forecast in minutes.
IDLE_MINUTES = 30


def sparkline(values: list[tuple[int, int]], width: int, top: int) -> list[tuple[str, bool]]:
    """``(used, epoch)`` points → ``width`` cells of ``(block, compaction here)``.

    Newest points are kept; several points per cell take the cell's maximum.
    """
    if not values or width <= 0:
        return []
    values = values[-width * 4 :]
    per = max(1, -(-len(values) // width))
    cells = []
    prev_epoch = values[0][1]
    for i in range(0, len(values), per):
        group = values[i : i + per]
        peak = max(v for v, _ in group)
        marked = any(e != prev_epoch for _, e in group)
        prev_epoch = group[-1][1]
        level = min(len(BLOCKS) - 1, int(peak / max(1, top) * (len(BLOCKS) - 1) + 0.5))
        cells.append((BLOCKS[level], marked))
    return cells[-width:]


class GrowthPanel(Panel):
    """How fast the context grows and when it reaches each level."""

    TITLE = "Growth"

    def render_budget(self, b: Budget) -> RenderableType:
        width = self.inner_width
        points = [(used, epoch) for _, used, _, epoch in b.growth.series]
        top = max([b.thresholds.critical, *(v for v, _ in points)])
        spark = Text()
        mark = self.app.theme_variables.get("ctx-mark", "white")
        colour = self.level(b.level)
        for block, marked in sparkline(points, width, top):
            spark.append("┃" if marked else block, style=f"bold {mark}" if marked else colour)
        lines = [spark if points else Text("no replies yet", style="dim")]
        pace = []
        if b.growth.per_turn:
            pace.append(f"{compact(b.growth.per_turn)}/turn")
        if b.growth.per_minute:
            pace.append(f"{compact(b.growth.per_minute)}/min")
        counts = [f"{b.turns} turns", f"{b.messages} msgs"]
        options = [pace + counts, pace[:1] + counts, counts, counts[:1]]
        lines.append(Text(fit([" · ".join(o) for o in options], width), style="dim"))
        now = self.app.clock()  # type: ignore[attr-defined]
        active = parse_time(b.last_activity)
        idle = active is not None and (now - active).total_seconds() > IDLE_MINUTES * 60
        for f in b.growth.forecast:
            name = {"warn": "to warn", "critical": "to critical", "autocompact": "to compact≈"}
            line = Text(f"{name[f.target]:<12}")
            if f.tokens_left == 0:
                line.append("reached", style=f"bold {self.level(b.level)}")
                lines.append(line)
                continue
            line.append(f"{compact(f.tokens_left):>6}")
            turns = ""
            if f.turns is not None:
                turns = f"  ~{f.turns} turn" + ("" if f.turns == 1 else "s")
            minutes = "" if f.minutes is None or idle else f"  {minutes_text(f.minutes)}"
            if len(line) + len(turns) + len(minutes) > width:
                minutes = ""
            if len(line) + len(turns) > width:
                turns = ""
            line.append(turns)
            line.append(minutes, style="dim")
            lines.append(line)
        if idle and b.growth.forecast:
            since = local_time(active, now, seconds=False)
            lines.append(
                Text(
                    fit(
                        [f"idle since {since}: no time forecast", f"idle since {since}", "idle"],
                        width,
                    ),
                    style="dim",
                )
            )
        if b.compactions:
            last = b.compactions[-1]
            lines.append(
                Text(
                    f"compactions {len(b.compactions)} · last {one_line(last.trigger or '?')} "
                    f"{compact(last.pre_tokens)}→"
                    f"{compact(last.post_tokens or last.first_used)}",
                    style="dim",
                )
            )
        return Text("\n").join(lines)
