"""Plain-text rendering of a budget for the terminal: concise, coloured, fine without colour.

No Rich here on purpose: ``ctxdash status`` must start fast, and a few ANSI codes do.
Colour is off when ``NO_COLOR`` is set or the output is not a terminal. Every piece of text
that comes from a transcript (titles, paths, names) goes through :func:`one_line` first, so no
escape sequence or control character from it reaches the terminal, coloured or not.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from ctxdash.core import levels as lv
from ctxdash.core.budget import Budget
from ctxdash.core.claude.session_list import SessionRow
from ctxdash.core.numbers import compact, minutes_text
from ctxdash.core.plain import clean, one_line

_CODES = {
    **lv.ANSI,
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
        """``text`` (cleaned of control characters) in the colour of ``style``."""
        text = one_line(text)
        code = _CODES.get(style)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text


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


FORECAST_WORD = {"warn": "warn", "critical": "critical", "autocompact": "auto-compact"}


def to_levels(b: Budget) -> str:
    """``to warn 10K · to auto-compact ≈17K · to critical 40K``: the levels ahead, in order."""
    ahead = sorted(
        (
            (b.thresholds.warn, "warn", ""),
            (b.thresholds.critical, "critical", ""),
            (b.autocompact_at, "auto-compact", "≈"),
        ),
        key=lambda level: level[0],
    )
    parts = [f"to {name} {mark}{compact(at - b.used)}" for at, name, mark in ahead if at > b.used]
    return " · ".join(parts) if parts else "past every level: act now"


def render_status(b: Budget, colour: bool = False, width: int = 72) -> str:
    """The one-screen human summary of ``ctxdash status``."""
    p = Painter(colour)
    lvl = b.level
    scale = b.budget or b.window or 1
    pct = 100 * b.used / scale
    head = f"{compact(b.used)} / {compact(b.budget)} budget  {pct:.1f}% of budget  {lv.word(lvl)}"
    if b.used_source != "usage":
        head += f"  ({'estimated' if b.used_source == 'estimate' else 'from compaction'})"
    marks = {b.thresholds.warn / scale: "|", b.thresholds.critical / scale: "|"}
    if b.autocompact_at <= scale:
        marks[b.autocompact_at / scale] = "¦"
    window_line = f"window {compact(b.window)} ({b.window_source})"
    if b.budget != b.window:
        window_line = (
            f"budget {compact(b.budget)} of a {compact(b.window)} window ({b.window_source})"
        )
    window_line += f" · auto-compact ≈{compact(b.autocompact_at)} ({b.autocompact_note})"
    who = "subagent " if b.is_subagent else ""
    out = [
        p(f"ctxdash · {who}{b.session_id}", "bold"),
        p(
            f"{b.model or 'unknown model'}"
            + (f" (from {b.model_source})" if b.model and b.model_source != "transcript" else "")
            + f" · {b.project or '?'}"
            + (f" · {b.git_branch}" if b.git_branch else "")
            + (f" · {b.title}" if b.title else ""),
            "dim",
        ),
        p(head, lvl),
        p(bar(b.used / scale, min(60, width - 2), marks), lvl),
        to_levels(b),
        p(window_line, "dim"),
        "",
        p("Breakdown", "bold") + p("  (% of the context used)", "dim"),
    ]
    rows = [c for c in b.categories if c.tokens > 0]
    rows.sort(key=lambda c: -c.tokens)
    labels = {id(c): one_line(c.label) for c in rows}
    name_w = min(34, max((len(label) for label in labels.values()), default=10))
    shown = rows[:14]
    for cat in shown:
        share = cat.tokens / b.used if b.used else 0
        mark = "≈" if cat.estimated else " "
        label = labels[id(cat)]
        label = label if len(label) <= name_w else label[: name_w - 1] + "…"
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
        f"  {'Left in budget':<{name_w}}  {compact(b.budget_left):>7}   "
        f"free before auto-compact {compact(b.free)}"
    )
    plan = " · ".join(
        f"{r.bucket} {compact(r.actual)}/{compact(r.planned)}" + ("!" if r.over else "")
        for r in b.plan
    )
    out += ["", p(f"Plan of the {compact(b.budget)} budget (actual/planned) ", "bold") + plan]
    g = b.growth
    pace = []
    if g.per_turn:
        pace.append(f"{compact(g.per_turn)}/turn")
    if g.per_minute:
        pace.append(f"{compact(g.per_minute)}/min")
    fc = [
        f"{FORECAST_WORD.get(f.target, f.target)} in {f.turns} turns"
        + (f" ({minutes_text(f.minutes)})" if f.minutes is not None else "")
        for f in g.forecast
        if f.turns
    ]
    if pace or fc:
        out.append(p("Growth ", "bold") + " · ".join(pace + fc))
    if b.top_items:
        out += ["", p("Biggest items", "bold")]
        for item in b.top_items[:5]:
            what = one_line(f"{item.label} · {item.tool}" if item.tool else item.label)
            where = f" {one_line(item.path)}" if item.path else ""
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
            p("Compactions ", "bold")
            + f"{len(b.compactions)}; last {one_line(last.trigger or '?')} "
            f"{compact(last.pre_tokens)} → {compact(last.post_tokens or last.first_used)}"
        )
    if b.subagents:
        subs = ", ".join(f"{one_line(s.agent_id)[:10]} {compact(s.used)}" for s in b.subagents[:4])
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
            f"{'modified':<20} {'session':<10} {'used':>7} {'budget':>6} {'window':>6} "
            f"{'level':<8} project · title",
            "bold",
        )
    ]
    for r in rows:
        lvl = lv.word(r.level)
        used = compact(r.used) + ("≈" if r.used_source != "usage" and r.used is not None else "")
        out.append(
            f"{r.modified[:19]:<20} {one_line(r.session_id)[:8]:<10} {used:>7} "
            f"{compact(r.budget):>6} {compact(r.window):>6} "
            + p(f"{lvl:<8}", r.level)
            + f" {one_line(r.cwd or '?')}"
            + (f" · {one_line(r.title)[:80]}" if r.title else "")
        )
    if not rows:
        out.append("(no sessions)")
    return "\n".join(out)


def error(message: str, stream: TextIO | None = None) -> None:
    """One clear line on stderr (messages quote paths and names: cleaned like the rest)."""
    print(f"ctxdash: {one_line(message)}", file=stream or sys.stderr)


def to_json(data: object) -> str:
    """One JSON document for ``--json`` output.

    Control characters are escaped by JSON itself. A file name that is not UTF-8 (a lone
    surrogate in Python) is written as a ``\\udcXX`` escape, so Python readers get the exact
    name back, instead of failing the whole command.
    """
    import msgspec

    try:
        return msgspec.json.encode(data).decode()
    except UnicodeEncodeError:
        import json

        return json.dumps(msgspec.to_builtins(data), separators=(",", ":"))


def plain(text: str) -> str:
    """Text for a plain-text command's output: no escape sequences or control characters."""
    return clean(text)
