"""The breakdown's rows as the dashboard shows them: a stable order and one colour each.

The Breakdown panel and the gauge bar draw from the same :class:`Legend`, so a colour in the
bar is the colour of a row below it. Rows keep their place between updates and are sorted
again only when a row grows well past the one above it; each visible row gets a colour that
no other visible row has (the category's own colour when it is free, else the nearest free
one from the theme's palette, else a lighter or darker shade).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from textual.color import Color

from ctxdash.core.budget import Budget
from ctxdash.ui.theming import PALETTE_SIZE, category_colour, variable_colour

#: Rows are sorted again when one is this many times the row above it...
RESORT_RATIO = 1.5
#: ... and ahead of it by at least this share of the budget (500 tokens of 200K).
RESORT_SHARE = 0.0025
#: Colours closer than this (redmean distance, 0-765) count as the same colour.
MIN_DISTANCE = 80.0
#: Rows after the categories: what is left, not a share of what is used; fixed colours.
TOTALS = ("budget_left", "free", "reserve")


@dataclass(frozen=True)
class LegendRow:
    """One row of the breakdown, with the colour it has on screen."""

    name: str
    label: str
    tokens: int
    estimated: bool
    colour: str


@lru_cache(maxsize=4096)
def distance(a: str, b: str) -> float:
    """How different two ``#rrggbb`` colours look (the "redmean" approximation)."""
    ca, cb = Color.parse(a), Color.parse(b)
    rmean = (ca.r + cb.r) / 2
    dr, dg, db = ca.r - cb.r, ca.g - cb.g, ca.b - cb.b
    return math.sqrt(
        (2 + rmean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rmean) / 256) * db * db
    )


def _candidates(variables: Mapping[str, str]) -> list[str]:
    """Colours to hand out when a category's own one is taken: palette, named, shades."""
    names = [f"ctx-cat-{n}" for n in range(PALETTE_SIZE)]
    names += ["ctx-memory", "ctx-skills", "ctx-messages", "ctx-tools", "ctx-system"]
    base = [variable_colour(name, variables) for name in names]
    shades = []
    for amount in (0.18, -0.18, 0.32, -0.32):
        for colour in base:
            c = Color.parse(colour)
            shades.append((c.lighten(amount) if amount > 0 else c.darken(-amount)).hex6)
    seen: list[str] = []
    for colour in base + shades:
        if colour not in seen:
            seen.append(colour)
    return seen


class Legend:
    """Remembers the order and the colours of the rows of one session."""

    def __init__(self) -> None:
        self._session: str | None = None
        self._theme: str | None = None
        self._order: list[str] = []
        self._colours: dict[str, str] = {}

    def rows(self, b: Budget, variables: Mapping[str, str], theme: str) -> list[LegendRow]:
        """The categories with tokens, then free space and the reserve."""
        if b.transcript != self._session:
            self._session, self._order, self._colours = b.transcript, [], {}
        if theme != self._theme:
            self._theme, self._colours = theme, {}
        current = {c.name: c for c in b.categories if c.tokens > 0}
        tokens = {n: c.tokens for n, c in current.items()}
        self._order = _ordered(self._order, tokens, b.budget or b.window)
        fixed = {n: category_colour(n, variables) for n in ("free", "reserve")}
        # What is left in the budget: the free colour, a step towards the mark colour.
        toward = Color.parse(category_colour("mark", variables))
        fixed["budget_left"] = Color.parse(fixed["free"]).blend(toward, 0.25).hex6
        colours = self._assign(self._order, variables, list(fixed.values()))
        rows = [
            LegendRow(n, current[n].label, current[n].tokens, current[n].estimated, colours[n])
            for n in self._order
        ]
        rows.append(
            LegendRow("budget_left", "Left in budget", b.budget_left, False, fixed["budget_left"])
        )
        rows.append(LegendRow("free", "Free to auto-compact", b.free, False, fixed["free"]))
        rows.append(LegendRow("reserve", "Auto-compact reserve", b.reserve, True, fixed["reserve"]))
        return rows

    def _assign(
        self, order: list[str], variables: Mapping[str, str], taken: list[str]
    ) -> dict[str, str]:
        used = list(taken)
        kept: dict[str, str] = {}
        # Rows keep the colour they had while it is still theirs alone.
        for name in order:
            colour = self._colours.get(name)
            if colour is not None and _far(colour, used):
                kept[name] = colour
                used.append(colour)
        missing = [name for name in order if name not in kept]
        pool = _candidates(variables) if missing else []  # built only when a row needs one
        for name in missing:
            own = category_colour(name, variables)
            choice = next((c for c in [own, *pool] if _far(c, used)), None)
            if choice is None:  # more rows than distinguishable colours: the least alike
                choice = max(pool, key=lambda c: min(distance(c, u) for u in used))
            kept[name] = choice
            used.append(choice)
        self._colours = kept
        return kept


def _far(colour: str, used: list[str]) -> bool:
    return all(distance(colour, u) >= MIN_DISTANCE for u in used)


def _ordered(previous: list[str], tokens: dict[str, int], budget: int) -> list[str]:
    """Keep the previous order; new rows go where their size puts them; big moves re-sort
    (by a share of the budget the user watches, not of a 1M window it may sit in)."""
    order = [n for n in previous if n in tokens]
    for name in sorted((n for n in tokens if n not in order), key=lambda n: -tokens[n]):
        at = next((i for i, n in enumerate(order) if tokens[n] < tokens[name]), len(order))
        order.insert(at, name)
    margin = RESORT_SHARE * budget
    for above, below in zip(order, order[1:], strict=False):
        a, b = tokens[above], tokens[below]
        if b > a * RESORT_RATIO and b - a >= margin:
            return sorted(order, key=lambda n: -tokens[n])
    return order
