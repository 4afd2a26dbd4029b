"""Argument types of the ``ctxdash`` commands: each turns a string into a checked value or
raises :class:`argparse.ArgumentTypeError` with a message for the user."""

from __future__ import annotations

import math

#: Largest window a user may force (far above any model's).
MAX_WINDOW = 100_000_000


def tokens(text: str) -> int:
    """``200000``, ``200k``, ``1m`` → tokens."""
    import argparse

    value = text.strip().lower().replace("_", "").replace(",", "")
    scale = 1
    if value.endswith("k"):
        value, scale = value[:-1], 1_000
    elif value.endswith("m"):
        value, scale = value[:-1], 1_000_000
    try:
        number = float(value) * scale
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a token count: {text[:40]!r}") from err
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"not a token count: {text[:40]!r}")
    if number < 1_000:
        raise argparse.ArgumentTypeError(f"window too small: {text[:40]!r}")
    if number > MAX_WINDOW:
        raise argparse.ArgumentTypeError(f"window too large: {text[:40]!r} (at most 100m)")
    return round(number)


def ratio(text: str) -> float:
    """A fraction in (0, 1] (``--ratio``)."""
    import argparse

    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from err
    if not 0 < value <= 1:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1: {text[:40]!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (``--max-tokens``, ``--limit``)."""
    import argparse

    try:
        value = int(text.strip().replace("_", ""))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from err
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text[:40]!r}")
    return value
