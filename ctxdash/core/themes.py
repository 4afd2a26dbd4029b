"""User theme files: TOML decoded into :class:`ThemeFile`, leniently and without Textual.

A theme file looks like::

    name = "my-theme"
    dark = true
    primary = "#88C0D0"
    background = "#2E3440"

    [variables]
    ctx-system = "#81A1C1"
    ctx-cat-0 = "#88C0D0"

Decoding checks keys and types only; colour values are checked by
:mod:`ctxdash.ui.theming`, which has Textual's colour parser. Nothing here raises: every
file that cannot be used comes back as ``(path, reason)`` so the app can list them in one
notification and carry on with the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import msgspec

__all__ = ["BASE_COLOURS", "ThemeFile", "decode_theme_file", "load_theme_files", "theme_paths"]

BASE_COLOURS: tuple[str, ...] = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
"""The colour keys of a theme file, in the order Textual documents them."""


class ThemeFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One theme file as written by the user (values are not yet checked as colours)."""

    name: str
    """Name the theme is registered under (``App.theme = name``)."""
    dark: bool = True
    """Whether the theme is dark; Textual derives shades differently for light themes."""
    primary: str
    """The one required colour: Textual derives any missing base colour from it."""
    secondary: str | None = None
    """Secondary accent colour."""
    accent: str | None = None
    """Accent colour used to draw attention (links, highlights)."""
    warning: str | None = None
    """Colour for warnings."""
    error: str | None = None
    """Colour for errors."""
    success: str | None = None
    """Colour for success."""
    foreground: str | None = None
    """Default text colour."""
    background: str | None = None
    """Screen background."""
    surface: str | None = None
    """Background of widgets."""
    panel: str | None = None
    """Background of panels and headers."""
    boost: str | None = None
    """Colour (usually translucent) layered on a surface to lift it."""
    variables: dict[str, str] = {}
    """Extra CSS variables: ctxdash's ``ctx-*`` colours and any of Textual's own."""


def _validation_reason(err: msgspec.ValidationError) -> str:
    """Turn msgspec's wording into ``key: problem`` (``primary: Expected str, got int``)."""
    text = str(err).replace("`", "")
    msg, sep, where = text.rpartition(" - at ")
    if sep:
        key = where.removeprefix("$").lstrip(".").replace("[...]", "") or "(top level)"
        return f"{key}: {msg}"
    if text.startswith("Object contains unknown field"):
        field = str(err).removeprefix("Object contains unknown field").strip()
        return f"unknown key {field}"
    if text.startswith("Object missing required field"):
        field = str(err).removeprefix("Object missing required field").strip()
        return f"missing key {field}"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def decode_theme_file(path: Path) -> ThemeFile | str:
    """Read and decode one theme file.

    Args:
        path: A ``.toml`` file.

    Returns:
        The decoded file, or a one-line reason it cannot be used.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        return f"cannot read ({err.strerror or err})"
    try:
        theme = msgspec.toml.decode(data, type=ThemeFile)
    except msgspec.ValidationError as err:
        return _one_line(_validation_reason(err))
    except msgspec.DecodeError as err:
        return _one_line(f"not valid TOML: {err}")
    except UnicodeDecodeError as err:
        return _one_line(f"not valid TOML: not UTF-8 ({err.reason} at byte {err.start})")
    if not theme.name.strip():
        return "name: must not be empty"
    return theme


def theme_paths(dirs: Iterable[Path]) -> list[Path]:
    """Every ``*.toml`` file in each folder, in name order within a folder; never raises.

    Args:
        dirs: Folders to scan (not recursively); missing or unreadable ones are skipped.
    """
    found: list[Path] = []
    for folder in dirs:
        try:
            found.extend(sorted(p for p in Path(folder).glob("*.toml") if p.is_file()))
        except OSError:
            continue
    return found


def load_theme_files(
    dirs: Iterable[Path],
) -> tuple[list[ThemeFile], list[tuple[Path, str]]]:
    """Decode every ``*.toml`` file in each folder; never raises.

    Folders that do not exist are skipped. Files are read in name order within a folder,
    and folders in the order given, so a later file with the same ``name`` is meant to
    override an earlier one when registered.

    Args:
        dirs: Folders to scan (not recursively).

    Returns:
        ``(loaded, failed)``: decoded files, and ``(path, one-line reason)`` for each file
        that could not be used, e.g. ``"unknown key `colour`"``.
    """
    loaded: list[ThemeFile] = []
    failed: list[tuple[Path, str]] = []
    for path in theme_paths(dirs):
        result = decode_theme_file(path)
        if isinstance(result, ThemeFile):
            loaded.append(result)
        else:
            failed.append((path, result))
    return loaded, failed
