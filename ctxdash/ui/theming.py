"""ctxdash's colour contract: the ``ctx-*`` variables, built-in themes, user theme files.

Every theme defines the variables in :data:`CTX_VARIABLES`; TCSS refers to them as
``$ctx-system`` and so on, and widgets that render Rich text ask :func:`category_colour`
or :func:`level_colour` for a plain ``#rrggbb`` string.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from ctxdash.core.themes import BASE_COLOURS, ThemeFile, decode_theme_file, theme_paths

PALETTE_SIZE = 8
"""Number of ``ctx-cat-N`` palette entries."""

CTX_VARIABLES: tuple[str, ...] = (
    "ctx-system",
    "ctx-memory",
    "ctx-skills",
    "ctx-messages",
    "ctx-tools",
    "ctx-free",
    "ctx-reserve",
    "ctx-ok",
    "ctx-warn",
    "ctx-critical",
    "ctx-mark",
    *(f"ctx-cat-{n}" for n in range(PALETTE_SIZE)),
)
"""Custom CSS variables every ctxdash theme defines (missing ones come from the dark theme)."""


class InvalidThemeError(ValueError):
    """A theme holds something that is not a colour: ``"<theme>: <key>: not a colour: ..."``."""

    def __init__(self, theme: str, key: str, value: str) -> None:
        self.theme = theme
        """Name of the theme."""
        self.key = key
        """The offending key, e.g. ``background`` or ``variables.ctx-free``."""
        self.value = value
        """The value that is not a colour."""
        super().__init__(f"{theme}: {self.reason}")

    @property
    def reason(self) -> str:
        """The message without the theme name: ``"<key>: not a colour: '<value>'"``."""
        return f"{self.key}: not a colour: {self.value!r}"


def _vars(core: list[str], palette: list[str]) -> dict[str, str]:
    """Pair values with :data:`CTX_VARIABLES` (11 named colours, then the 8 palette entries)."""
    return dict(zip(CTX_VARIABLES, [*core, *palette], strict=True))


# system, memory, skills, messages, tools, free, reserve, ok, warn, critical, mark
DARK = Theme(
    name="ctxdash-dark",
    primary="#5FA8D3",
    secondary="#3D6E91",
    accent="#F2A65A",
    warning="#E8B04B",
    error="#E05D5D",
    success="#5BBF7A",
    foreground="#DADDE3",
    background="#16181D",
    surface="#1E2128",
    panel="#272B34",
    dark=True,
    variables=_vars(
        ["#7D8799", "#B48EF0", "#E6A3D0", "#5FA8D3", "#6CC5B0", "#2E333D", "#4B3F5C"]
        + ["#5BBF7A", "#E8B04B", "#E05D5D", "#F4F4F4"],
        ["#4E9FE5", "#E5734E", "#5BC48B", "#D65C9A", "#E8C547", "#9B7BE0", "#4EC7C7", "#B8875A"],
    ),
)
"""The default theme."""

LIGHT = Theme(
    name="ctxdash-light",
    primary="#1F6FB2",
    secondary="#4A7FA8",
    accent="#C25E00",
    warning="#B07800",
    error="#C62828",
    success="#2E7D32",
    foreground="#24292F",
    background="#F5F5F2",
    surface="#EBEBE6",
    panel="#DEDED8",
    dark=False,
    variables=_vars(
        ["#5C6778", "#7B4FC9", "#B0468A", "#1F6FB2", "#2A8C7A", "#DCDCD5", "#CBBFDA"]
        + ["#2E7D32", "#B07800", "#C62828", "#24292F"],
        ["#1F77B4", "#D95F02", "#1B9E77", "#C2417F", "#A07D00", "#7B5CC4", "#0E8A8A", "#8C5A2B"],
    ),
)
"""A light theme for bright terminals."""

CB = Theme(
    name="ctxdash-cb",
    primary="#56B4E9",
    secondary="#0072B2",
    accent="#E69F00",
    warning="#F0E442",
    error="#D55E00",
    success="#56B4E9",
    foreground="#E8E8E8",
    background="#141414",
    surface="#1E1E1E",
    panel="#2A2A2A",
    dark=True,
    variables=_vars(
        # ok (sky blue, L*70) / warn (yellow, L*89) / critical (vermillion, L*54)
        # differ in lightness as well as hue.
        ["#999999", "#CC79A7", "#E69F00", "#56B4E9", "#009E73", "#333333", "#4D4D4D"]
        + ["#56B4E9", "#F0E442", "#D55E00", "#FFFFFF"],
        # Okabe-Ito, with grey in place of black (invisible on a dark background).
        ["#56B4E9", "#E69F00", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#BBBBBB"],
    ),
)
"""Colour-blind safe (Okabe-Ito palette), dark."""

BUILTIN_THEMES: dict[str, Theme] = {t.name: t for t in (DARK, LIGHT, CB)}
"""Themes that need no file, by name."""

DEFAULT_THEME = DARK.name
"""Name of the theme used when none is configured or the configured one is unusable."""


def default_variables(dark: bool = True) -> dict[str, str]:
    """Values for every ``ctx-*`` variable: the dark theme's (the light one's if not ``dark``).

    Suitable for ``App.get_theme_variable_defaults`` (pass ``self.current_theme.dark``),
    so Textual's own themes work too.
    """
    source = DARK if dark else LIGHT
    return {name: source.variables[name] for name in CTX_VARIABLES}


def _check_colour(theme: str, key: str, value: str) -> None:
    try:
        Color.parse(value)
    except (ColorParseError, ValueError) as err:
        raise InvalidThemeError(theme, key, value) from err


def _check_textual_variable(theme: str, key: str, value: str) -> None:
    """Textual's own variables: a colour (``auto`` allowed) with an optional ``NN%``."""
    if key.endswith("text-style"):
        return
    head, _, pct = value.strip().partition(" ")
    pct = pct.strip()
    ok_pct = not pct or (pct.endswith("%") and pct[:-1].replace(".", "", 1).isdigit())
    if head != "auto":
        _check_colour(theme, f"variables.{key}", head)
    if not ok_pct:
        raise InvalidThemeError(theme, f"variables.{key}", value)


def theme_from_file(tf: ThemeFile) -> Theme:
    """Validate a decoded theme file and convert it to a Textual theme.

    Missing ``ctx-*`` variables are filled from :func:`default_variables` (the light
    defaults for a light theme).

    Raises:
        InvalidThemeError: A colour does not parse, e.g. ``"x: primary: not a colour: 'bleu'"``.
    """
    for key in BASE_COLOURS:
        value = getattr(tf, key)
        if value is not None:
            _check_colour(tf.name, key, value)
    for key, value in tf.variables.items():
        if key.startswith("ctx-"):
            _check_colour(tf.name, f"variables.{key}", value)
        else:
            _check_textual_variable(tf.name, key, value)
    variables = default_variables(tf.dark) | tf.variables
    return Theme(
        name=tf.name,
        dark=tf.dark,
        primary=tf.primary,
        secondary=tf.secondary,
        accent=tf.accent,
        warning=tf.warning,
        error=tf.error,
        success=tf.success,
        foreground=tf.foreground,
        background=tf.background,
        surface=tf.surface,
        panel=tf.panel,
        boost=tf.boost,
        variables=variables,
    )


def load_user_themes(dirs: Iterable[Path]) -> tuple[list[Theme], list[str]]:
    """Load, validate and convert every theme file in ``dirs``; never raises.

    Args:
        dirs: Folders holding ``*.toml`` theme files (missing folders are fine).

    Returns:
        ``(themes, errors)``: usable themes in load order, and one line per unusable file,
        ``"<file name>: <reason>"``.
    """
    themes: list[Theme] = []
    errors: list[str] = []
    for path in theme_paths(dirs):
        tf = decode_theme_file(path)
        if isinstance(tf, str):
            errors.append(f"{path.name}: {tf}")
            continue
        try:
            themes.append(theme_from_file(tf))
        except InvalidThemeError as err:
            errors.append(f"{path.name}: {err.reason}")
    return themes, errors


_FIXED: dict[str, str] = {
    "system": "ctx-system",
    "mcp_tools": "ctx-system",
    "memory": "ctx-memory",
    "skills": "ctx-skills",
    "agents": "ctx-skills",
    "messages": "ctx-messages",
    "user_prompts": "ctx-messages",
    "assistant_text": "ctx-cat-1",
    "thinking": "ctx-cat-5",
    "tool_calls": "ctx-tools",
    "tool_results": "ctx-tools",
    "tools": "ctx-tools",
    "compact_summary": "ctx-cat-3",
    "attachments": "ctx-cat-6",
    "images": "ctx-cat-7",
    "unrecorded": "ctx-cat-2",
    "other": "ctx-cat-4",
    "free": "ctx-free",
    "reserve": "ctx-reserve",
    "mark": "ctx-mark",
}

_LEVELS: dict[str, str] = {"ok": "ctx-ok", "warn": "ctx-warn", "critical": "ctx-critical"}


def _palette(key: str) -> str:
    return f"ctx-cat-{zlib.crc32(key.encode('utf-8')) % PALETTE_SIZE}"


def category_variable(name: str) -> str:
    """The ``ctx-*`` variable that colours a breakdown category key.

    ``tool_results:<Tool>`` maps to ``ctx-cat-N`` with ``N = crc32(Tool) % 8``, which is
    the same in every run; ``memory:<path>`` maps to ``ctx-memory``; unknown keys get a
    stable palette entry too.
    """
    if name in _FIXED:
        return _FIXED[name]
    prefix, sep, rest = name.partition(":")
    if sep and prefix == "tool_results":
        return _palette(rest)
    if sep and prefix == "memory":
        return "ctx-memory"
    if sep and prefix in _FIXED:
        return _FIXED[prefix]
    return _palette(name)


@lru_cache(maxsize=512)
def _hex(value: str) -> str | None:
    try:
        return Color.parse(value.strip()).hex6
    except (ColorParseError, ValueError):
        return None


def _resolve(variable: str, variables: Mapping[str, str]) -> str:
    value = variables.get(variable)
    colour = _hex(value) if value is not None else None
    return colour or _hex(DARK.variables[variable]) or DARK.variables[variable]


def variable_colour(variable: str, variables: Mapping[str, str]) -> str:
    """A ``ctx-*`` variable's colour as ``#rrggbb`` (the dark theme's when missing or bad)."""
    return _resolve(variable, variables)


def category_colour(name: str, variables: Mapping[str, str]) -> str:
    """A ``#rrggbb`` colour for a breakdown category key, usable as a Rich style.

    Args:
        name: Category key such as ``system``, ``memory:/x/CLAUDE.md``, ``tool_results:Bash``.
        variables: The app's CSS variables (``App.get_css_variables()``); a missing or
            unparsable entry falls back to the dark theme's value.
    """
    return _resolve(category_variable(name), variables)


def level_colour(level: str, variables: Mapping[str, str]) -> str:
    """A ``#rrggbb`` colour for a level: ``ok``, ``warn`` or ``critical``.

    Raises:
        ValueError: Any other level.
    """
    try:
        variable = _LEVELS[level]
    except KeyError:
        raise ValueError(f"unknown level {level!r} (expected ok, warn or critical)") from None
    return _resolve(variable, variables)
