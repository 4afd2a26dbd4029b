"""Plain-text rendering of a budget for the terminal: concise, coloured, fine without colour.

No Rich here on purpose: ``ctxdash status`` must start fast, and a few ANSI codes do.
Colour is off when ``NO_COLOR`` is set or the output is not a terminal.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from ctxdash.core.budget import Budget
from ctxdash.core.sessions import SessionRow

LEVEL_WORD = {"ok": "OK", "warn": "WARNING", "critical": "CRITICAL", "unknown": "?"}
_CODES = {
    "ok": "32",
    "warn": "33",
    "critical": "1;31",
    "dim": "2",
    "bold": "1",
    "system": "36",
    "memory": "35",
    "skills": "34",
    "messages": "37",
    "tool_results": "33",
}


def use_colour(stream: TextIO, mode: str = "auto") -> bool:
    """Whether to colour output for ``stream`` (``auto``, ``always``, ``never``)."""
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


class Painter:
    """Wraps text in ANSI codes, or not."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        code = _CODES.get(style)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text


def compact(n: int | float | None) -> str:
    """``152300`` → ``152.3K``; ``1000000`` → ``1M``."""
    if n is None:
        return "—"
    n = float(n)
    if abs(n) >= 1_000_000:
        value, unit = n / 1_000_000, "M"
    elif abs(n) >= 1_000:
        value, unit = n / 1_000, "K"
    else:
        return str(int(n))
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def bar(fraction: float, width: int, marks: dict[float, str] | None = None) -> str:
    """A text bar; ``marks`` puts characters at fractions (levels) of the width."""
    fraction = min(1.0, max(0.0, fraction))
    filled = round(fraction * width)
    cells = ["█"] * filled + ["░"] * (width - filled)
    for at, char in (marks or {}).items():
        i = min(width - 1, max(0, round(at * width)))
        if i >= filled:
            cells[i] = char
    return "".join(cells)


def render_status(b: Budget, colour: bool = False, width: int = 72) -> str:
    """The one-screen human summary of ``ctxdash status``."""
    p = Painter(colour)
    lvl = b.level
    pct = 100 * b.used / b.window if b.window else 0
    head = f"{compact(b.used)} / {compact(b.window)}  {pct:.1f}%  {LEVEL_WORD[lvl]}"
    if b.used_source != "usage":
        head += f"  ({'estimated' if b.used_source == 'estimate' else 'from compaction'})"
    marks = {
        b.thresholds.warn / b.window: "|",
        b.thresholds.critical / b.window: "|",
        b.autocompact_at / b.window: "¦",
    }
    who = "subagent " if b.is_subagent else ""
    out = [
        p(f"ctxdash · {who}{b.session_id}", "bold"),
        p(
            f"{b.model or 'unknown model'} · {b.project or '?'}"
            + (f" · {b.git_branch}" if b.git_branch else "")
            + (f" · {b.title}" if b.title else ""),
            "dim",
        ),
        p(head, lvl),
        p(bar(b.used / b.window, min(60, width - 2), marks), lvl),
        f"to warn {compact(max(0, b.thresholds.warn - b.used))} · "
        f"to critical {compact(max(0, b.thresholds.critical - b.used))} · "
        f"to auto-compact ≈{compact(max(0, b.autocompact_at - b.used))} "
        + p(f"(window: {b.window_source}; {b.autocompact_note})", "dim"),
        "",
        p("Breakdown", "bold"),
    ]
    rows = [c for c in b.categories if c.tokens > 0]
    rows.sort(key=lambda c: -c.tokens)
    name_w = min(34, max((len(c.label) for c in rows), default=10))
    shown = rows[:14]
    for cat in shown:
        share = cat.tokens / b.used if b.used else 0
        mark = "≈" if cat.estimated else " "
        label = cat.label if len(cat.label) <= name_w else cat.label[: name_w - 1] + "…"
        out.append(
            f"  {label:<{name_w}} {mark}{compact(cat.tokens):>7} {share * 100:5.1f}% "
            + p(bar(share, 12), cat.group)
        )
    if len(rows) > len(shown):
        rest = sum(c.tokens for c in rows[len(shown) :])
        out.append(
            f"  {'(' + str(len(rows) - len(shown)) + ' more)':<{name_w}}  {compact(rest):>7}"
        )
    out.append(
        f"  {'Free':<{name_w}}  {compact(b.free):>7}   auto-compact reserve {compact(b.reserve)}"
    )
    plan = " · ".join(
        f"{r.bucket} {compact(r.actual)}/{compact(r.planned)}" + ("!" if r.over else "")
        for r in b.plan
    )
    out += ["", p("Plan (actual/planned) ", "bold") + plan]
    g = b.growth
    pace = []
    if g.per_turn:
        pace.append(f"{compact(g.per_turn)}/turn")
    if g.per_minute:
        pace.append(f"{compact(g.per_minute)}/min")
    fc = [
        f"{f.target} in {f.turns} turns" + (f" (~{f.minutes:.0f} min)" if f.minutes else "")
        for f in g.forecast
        if f.turns
    ]
    if pace or fc:
        out.append(p("Growth ", "bold") + " · ".join(pace + fc))
    if b.top_items:
        out += ["", p("Biggest items", "bold")]
        for item in b.top_items[:5]:
            what = item.tool or item.kind
            where = f" {item.path}" if item.path else ""
            if len(where) > 40:
                where = " …" + where[-38:]
            out.append(f"  {compact(item.tokens):>7}  {what}{where}  (turn {item.turn})")
    if b.memory_files:
        loaded = [m for m in b.memory_files if m.loaded]
        warn = [m for m in b.memory_files if m.warnings]
        out.append(
            "\n"
            + p("Memory ", "bold")
            + f"{len(loaded)} loaded, {compact(sum(m.tokens for m in loaded))} tokens"
            + (f", {len(warn)} with warnings" if warn else "")
        )
        for m in warn[:3]:
            out.append(p(f"  ! {m.path}: {'; '.join(m.warnings)}", "warn"))
    if b.compactions:
        last = b.compactions[-1]
        out.append(
            p("Compactions ", "bold") + f"{len(b.compactions)}; last {last.trigger or '?'} "
            f"{compact(last.pre_tokens)} → {compact(last.post_tokens or last.first_used)}"
        )
    if b.subagents:
        subs = ", ".join(f"{s.agent_id[:10]} {compact(s.used)}" for s in b.subagents[:4])
        out.append(p("Subagents ", "bold") + f"{len(b.subagents)}: {subs}")
    triggers = [t for t in b.clear_triggers if t.active]
    if triggers:
        out.append(p("Consider /clear: " + "; ".join(t.detail for t in triggers), lvl))
    if b.malformed_lines:
        out.append(p(f"{b.malformed_lines} malformed line(s) skipped", "warn"))
    return "\n".join(out)


def render_sessions(rows: list[SessionRow], colour: bool = False) -> str:
    """The table of ``ctxdash sessions``."""
    p = Painter(colour)
    out = [
        p(
            f"{'modified':<20} {'session':<10} {'used':>7} {'window':>6} {'level':<8} project",
            "bold",
        )
    ]
    for r in rows:
        lvl = LEVEL_WORD.get(r.level, r.level)
        used = compact(r.used) + ("≈" if r.used_source != "usage" and r.used is not None else "")
        out.append(
            f"{r.modified[:19]:<20} {r.session_id[:8]:<10} {used:>7} {compact(r.window):>6} "
            + p(f"{lvl:<8}", r.level)
            + f" {r.cwd or '?'}"
        )
    if not rows:
        out.append("(no sessions)")
    return "\n".join(out)


def error(message: str, stream: TextIO | None = None) -> None:
    """One clear line on stderr."""
    print(f"ctxdash: {message}", file=stream or sys.stderr)
