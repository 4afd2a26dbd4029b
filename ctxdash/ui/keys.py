"""The keys as they work now: the user's keymap (``[keymap]`` in the config, or Textual's own)
applied, for the help, the command palette and the narrow footer.

Keys are read from a screen's active bindings, where Textual has already applied the keymap;
a binding is named by its id (what a keymap names) or, without one, ``action:`` and its action
(:data:`PALETTE`). They are shown as the footer shows them (``?``, ``^p``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

#: The name of the command palette's binding (Textual gives it no id).
PALETTE = "action:command_palette"


def active_keys(screen: Screen[Any]) -> dict[str, str]:
    """Each binding's keys on ``screen`` now, by binding id: ``"s"``, ``"?/f1"``."""
    found: dict[str, list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        shown = screen.app.get_key_display(binding)
        keys = found.setdefault(binding.id or f"action:{binding.action}", [])
        if shown not in keys:
            keys.append(shown)
    return {name: "/".join(keys) for name, keys in found.items()}


def key_help(declared: Iterable[object], keys: dict[str, str]) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for each described binding of ``declared`` that a key runs."""
    rows = []
    for binding in declared:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        shown = keys.get(binding.id or f"action:{binding.action}")
        if shown:
            rows.append((shown, binding.tooltip or binding.description))
    return rows


def with_key(text: str, keys: dict[str, str], name: str) -> str:
    """``text (key)``, or ``text`` alone when no key runs it."""
    key = keys.get(name)
    return f"{text} ({key})" if key else text
