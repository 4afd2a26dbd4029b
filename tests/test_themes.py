"""Theme files, built-in themes and the ctx-* colour contract."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from textual.color import Color, rgb_to_lab

from ctxdash.core.themes import ThemeFile, decode_theme_file, load_theme_files
from ctxdash.ui.theming import (
    BUILTIN_THEMES,
    CTX_VARIABLES,
    PALETTE_SIZE,
    InvalidThemeError,
    category_colour,
    category_variable,
    default_variables,
    level_colour,
    load_user_themes,
    theme_from_file,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "themes"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))

GOOD = """\
name = "good"
primary = "#123456"
"""


def _delta_e(a: str, b: str) -> float:
    """CIE76 distance between two colours."""
    la, lb = rgb_to_lab(Color.parse(a)), rgb_to_lab(Color.parse(b))
    return float(sum((x - y) ** 2 for x, y in zip(la, lb, strict=True)) ** 0.5)


def _lightness(colour: str) -> float:
    return float(rgb_to_lab(Color.parse(colour)).L)


def _palette(variables: dict[str, str]) -> list[str]:
    return [variables[f"ctx-cat-{n}"] for n in range(PALETTE_SIZE)]


# --- example files -----------------------------------------------------------------------


def test_there_are_example_themes() -> None:
    assert len(EXAMPLE_FILES) >= 3
    assert (EXAMPLES / "README.md").is_file()


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_file_loads_and_converts(path: Path) -> None:
    tf = decode_theme_file(path)
    assert isinstance(tf, ThemeFile), tf
    missing = set(CTX_VARIABLES) - set(tf.variables)
    assert not missing, f"{path.name} lacks {sorted(missing)}"
    theme = theme_from_file(tf)
    assert theme.name == tf.name
    assert theme.to_color_system().generate()  # Textual accepts it
    assert min(_delta_e(a, b) for a, b in itertools.combinations(_palette(theme.variables), 2)) > 15


def test_example_names_are_unique_and_not_builtin() -> None:
    loaded, _ = load_theme_files([EXAMPLES])
    names = [t.name for t in loaded]
    assert len(names) == len(set(names)) == len(EXAMPLE_FILES)
    assert not set(names) & set(BUILTIN_THEMES)


# --- built-in themes ---------------------------------------------------------------------


def test_builtin_names() -> None:
    assert set(BUILTIN_THEMES) == {"ctxdash-dark", "ctxdash-light", "ctxdash-cb"}
    assert BUILTIN_THEMES["ctxdash-light"].dark is False
    assert BUILTIN_THEMES["ctxdash-cb"].dark is True


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_builtin_defines_every_variable_as_a_colour(name: str) -> None:
    theme = BUILTIN_THEMES[name]
    assert theme.name == name
    for key in CTX_VARIABLES:
        Color.parse(theme.variables[key])
    assert theme.to_color_system().generate()


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_builtin_palette_is_distinguishable(name: str) -> None:
    theme = BUILTIN_THEMES[name]
    palette = _palette(theme.variables)
    assert min(_delta_e(a, b) for a, b in itertools.combinations(palette, 2)) > 20
    assert min(_delta_e(c, theme.background or "") for c in palette) > 40
    levels = [theme.variables[f"ctx-{lv}"] for lv in ("ok", "warn", "critical")]
    assert len(set(levels)) == 3


def test_cb_levels_differ_in_lightness() -> None:
    v = BUILTIN_THEMES["ctxdash-cb"].variables
    lightness = [_lightness(v[k]) for k in ("ctx-ok", "ctx-warn", "ctx-critical")]
    for a, b in itertools.combinations(lightness, 2):
        assert abs(a - b) >= 10


def test_cb_uses_okabe_ito() -> None:
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    palette = {c.upper() for c in _palette(BUILTIN_THEMES["ctxdash-cb"].variables)}
    assert okabe_ito <= palette


def test_default_variables_are_complete() -> None:
    defaults = default_variables()
    assert list(defaults) == list(CTX_VARIABLES)
    assert defaults == {k: BUILTIN_THEMES["ctxdash-dark"].variables[k] for k in CTX_VARIABLES}


# --- user files ----------------------------------------------------------------------------


def test_missing_variables_are_filled(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(GOOD + '[variables]\nctx-ok = "green"\n')
    themes, errors = load_user_themes([tmp_path, tmp_path / "missing"])
    assert errors == []
    (theme,) = themes
    assert theme.variables["ctx-ok"] == "green"
    assert theme.variables["ctx-cat-3"] == default_variables()["ctx-cat-3"]
    assert theme.primary == "#123456"


def test_light_user_theme_gets_light_defaults() -> None:
    theme = theme_from_file(ThemeFile(name="l", dark=False, primary="#123456"))
    assert theme.variables["ctx-free"] == default_variables(dark=False)["ctx-free"]
    assert default_variables(dark=False) != default_variables()


BROKEN = {
    "unknown.toml": (GOOD + 'colour = "red"\n', "unknown.toml: unknown key `colour`"),
    "type.toml": ('name = "t"\nprimary = 3\n', "type.toml: primary: Expected str, got int"),
    "toml.toml": ('name = "t"\nprimary = \n', "toml.toml: not valid TOML:"),
    "nocolour.toml": (
        'name = "nc"\nprimary = "#123456"\nbackground = "bleu"\n',
        "nocolour.toml: background: not a colour: 'bleu'",
    ),
    "badvar.toml": (
        GOOD.replace("good", "bv") + '[variables]\nctx-free = "#12"\n',
        "badvar.toml: variables.ctx-free: not a colour: '#12'",
    ),
    "missing.toml": ('name = "m"\n', "missing.toml: missing key `primary`"),
    "binary.toml": ("\udcff", "binary.toml: not valid TOML:"),
}


def test_broken_files_give_one_clear_message_each(tmp_path: Path) -> None:
    for name, (text, _) in BROKEN.items():
        (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("ignored")
    themes, errors = load_user_themes([tmp_path])
    assert [t.name for t in themes] == ["good"]
    assert len(errors) == len(BROKEN)
    for _, expected in BROKEN.values():
        assert sum(e.startswith(expected) for e in errors) == 1, (expected, errors)
    assert all("\n" not in e for e in errors)


def test_load_theme_files_reports_paths(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD + "dark = 1\n")
    loaded, failed = load_theme_files([tmp_path])
    assert loaded == []
    assert failed == [(tmp_path / "a.toml", "dark: Expected bool, got int")]


def test_theme_from_file_raises_named_error() -> None:
    tf = ThemeFile(name="x", primary="nope")
    with pytest.raises(InvalidThemeError, match=r"^x: primary: not a colour: 'nope'$"):
        theme_from_file(tf)


def test_textual_variables_are_checked_leniently() -> None:
    ok = {
        "input-selection-background": "#689D6A 40%",
        "block-cursor-text-style": "none",
        "footer-key-foreground": "auto 87%",
    }
    assert theme_from_file(ThemeFile(name="x", primary="red", variables=ok)).variables
    bad = ThemeFile(name="x", primary="red", variables={"footer-key-foreground": "#zzzzzz"})
    with pytest.raises(InvalidThemeError, match="variables.footer-key-foreground") as info:
        theme_from_file(bad)
    assert info.value.key == "variables.footer-key-foreground"


# --- category and level colours -------------------------------------------------------------


def test_category_mapping() -> None:
    assert category_variable("system") == "ctx-system"
    assert category_variable("mcp_tools") == "ctx-system"
    assert category_variable("memory:/home/u/CLAUDE.md") == "ctx-memory"
    assert category_variable("skills") == category_variable("agents") == "ctx-skills"
    assert category_variable("free") == "ctx-free"
    assert category_variable("reserve") == "ctx-reserve"
    assert category_variable("mark") == "ctx-mark"
    fixed = [
        "user_prompts",
        "assistant_text",
        "thinking",
        "tool_calls",
        "compact_summary",
        "attachments",
        "images",
        "unrecorded",
        "other",
    ]
    assert len({category_variable(n) for n in fixed}) == len(fixed)


def test_tool_results_use_the_palette_stably() -> None:
    import zlib

    for tool in ("Bash", "Read", "Edit", "WebSearch", "mcp__github__search"):
        var = category_variable(f"tool_results:{tool}")
        assert var == f"ctx-cat-{zlib.crc32(tool.encode()) % 8}"
    variables = default_variables()
    assert (
        category_colour("tool_results:Bash", variables)
        == Color.parse(variables[category_variable("tool_results:Bash")]).hex6
    )
    # Stable across processes (no hash randomisation).
    code = "from ctxdash.ui.theming import category_variable as c; print(c('tool_results:Bash'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == category_variable("tool_results:Bash")


def test_colours_fall_back_and_normalise() -> None:
    assert category_colour("system", {"ctx-system": "red"}) == "#FF0000"
    assert category_colour("system", {}) == Color.parse(default_variables()["ctx-system"]).hex6
    fallback = Color.parse(default_variables()["ctx-system"]).hex6
    assert category_colour("system", {"ctx-system": "junk"}) == fallback


def test_level_colour() -> None:
    v = BUILTIN_THEMES["ctxdash-cb"].variables
    assert level_colour("ok", v) == v["ctx-ok"].upper()
    assert level_colour("critical", v) == v["ctx-critical"].upper()
    with pytest.raises(ValueError, match="unknown level"):
        level_colour("nope", v)


# --- layering ------------------------------------------------------------------------------


def test_core_themes_does_not_import_textual() -> None:
    code = (
        "import ctxdash.core.themes, sys; print('textual' in sys.modules or 'rich' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
