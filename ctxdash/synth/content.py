"""Invented text: prompts, replies, source files, logs, a tiny image, memory files.

All prose and code in the synthetic transcripts comes from here; nothing is copied from a
real session.
"""

from __future__ import annotations

import base64
import random
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS = (
    "The gauge flickers when the terminal is resized, can you find out why?",
    "Add a --json flag to the report command and cover it with a test.",
    "Why does the tailer miss the last line when the file is rotated?",
    "Refactor the segment parser so it streams instead of loading the whole file.",
    "Run the test suite and fix whatever is failing.",
    "Please document the theme file format in docs/themes.md.",
    "The budget numbers look off by a few hundred tokens, investigate.",
    "Rename `entry_window` to `context_window` everywhere.",
    "Can you make the snapshot export include the model name?",
    "Look at issue 42 on GitHub and tell me what the reporter wants.",
    "Speed up the cache lookup, it shows up in the profile.",
    "Write a small benchmark for the reader and tell me the numbers.",
    "Check that the layout still works at 80 columns.",
    "Clean up the imports and run the linter.",
)
SAYINGS = (
    "Let me look at how this is wired up first.",
    "I'll check the relevant module before changing anything.",
    "Now let me run the tests to see where we stand.",
    "That explains it. I'll make the fix now.",
    "Let me search for the other call sites.",
    "I'll read the test file to match its style.",
    "Good, that narrows it down. One more check.",
    "I'll update the todo list and continue.",
)
REPORTS = (
    "Done. The resize handler now debounces redraws, and the new test covers it.",
    "All tests pass. I changed two files; the diff is small and self-contained.",
    "The numbers were off because cached reads were counted twice. Fixed and tested.",
    "I've documented the format with an example file and the list of keys.",
    "The rename is complete; nothing outside the package referenced the old name.",
    "The reporter wants the export to keep working offline. I summarised the options above.",
)
IDENT = (
    "session",
    "window",
    "usage",
    "budget",
    "entry",
    "record",
    "parser",
    "buffer",
    "offset",
    "layout",
    "theme",
    "gauge",
    "tail",
    "model",
    "token",
    "cache",
    "event",
    "reader",
    "snapshot",
    "segment",
    "limit",
    "report",
    "cursor",
    "frame",
)
_TYPES = ("int", "str", "bytes", "float", "Path", "Entry", "Usage", "dict[str, int]", "list[Entry]")
_DIRS = ("src/demo_app", "src/demo_app/core", "src/demo_app/ui", "tests", "scripts")
NESTED_DIR = "src/demo_app/ui"
_POOL_SIZES = (
    400,
    900,
    1_500,
    2_400,
    3_600,
    5_000,
    7_000,
    9_500,
    12_000,
    15_000,
    19_000,
    24_000,
    30_000,
    38_000,
    48_000,
    60_000,
)


def _code_line(r: random.Random) -> str:
    """One line of plausible Python made of the identifier vocabulary."""
    a, b, c = r.choice(IDENT), r.choice(IDENT), r.choice(IDENT)
    t = r.choice(_TYPES)
    return r.choice(
        (
            f"def {a}_{b}(self, {c}: {t}) -> {r.choice(_TYPES)}:",
            f"    {a} = self.{b}.{c}_for({a}, {r.randint(0, 99)})",
            f"    if {a}.{b} is None:",
            f"        return {c}",
            f"    # keep the {a} in sync with the {b} before reading the {c}",
            "",
            f"class {a.title()}{b.title()}:",
            f'    """Track the {a} of a {b} and report it to the {c}."""',
            f"from demo_app.{a} import {b.title()}",
            f"    for {a} in self.{b}s:",
            f"        total += {a}.{c} * {r.randint(2, 64)}",
            f'        raise ValueError(f"bad {a}: {{{b}!r}}")',
        )
    )


@dataclass(frozen=True, slots=True)
class Source:
    rel: str
    text: str
    numbered: str
    lines: tuple[str, ...]


@cache
def source_pool() -> tuple[Source, ...]:
    """Source files shared by every run (fixed seed), sorted by size; reused as filler."""
    r, out, seen = random.Random(20260302), [], set()
    for i, size in enumerate(_POOL_SIZES):
        rel = f"{_DIRS[i % len(_DIRS)]}/{r.choice(IDENT)}_{r.choice(IDENT)}.py"
        rel = rel if rel not in seen else rel.replace(".py", f"_{i}.py")
        seen.add(rel)
        lines: list[str] = ['"""Module of the demo app."""', ""]
        n = 0
        while n < size:
            lines.append(_code_line(r))
            n += len(lines[-1]) + 1
        numbered = "".join(f"{k:>6}\t{line}\n" for k, line in enumerate(lines, 1))
        out.append(Source(rel, "\n".join(lines) + "\n", numbered, tuple(lines)))
    return tuple(out)


@cache
def log_text() -> str:
    """A long verbose test log used (by prefix) as Bash output."""
    r, parts = random.Random(7), ["============ test session starts ============\n"]
    for i in range(2_400):
        verdict = "PASSED" if r.random() < 0.97 else "FAILED"
        parts.append(
            f"tests/test_{r.choice(IDENT)}.py::test_{r.choice(IDENT)}_"
            f"{r.choice(IDENT)} {verdict} [{i * 100 // 2_400:3d}%]\n"
        )
    return "".join(parts)


def prefix_lines(text: str, n: int) -> str:
    """The first whole lines of ``text`` totalling about ``n`` characters."""
    if n >= len(text):
        return text
    cut = text.rfind("\n", 0, max(n, 1))
    return text[: cut + 1] if cut > 0 else text[:n]


@cache
def tiny_png() -> str:
    """A small real PNG (32x20 gradient), base64."""
    w, h = 32, 20
    raw = b"".join(
        b"\x00" + bytes(v for x in range(w) for v in (x * 8, y * 12, 160)) for y in range(h)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode()


def memory_texts(cwd: str, root: str | Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Invented CLAUDE.md files: (loaded at startup, nested one injected on first read)."""
    startup = {
        f"{cwd}/CLAUDE.md": "# demo_app\n\n- Run `pytest -q` before committing.\n- Keep modules "
        "under 400 lines; prefer small pure functions.\n- Type hints everywhere.\n" * 3,
        f"{cwd}/.claude/rules/testing.md": "# Testing\n\nEvery bug fix gets a regression test.\n",
    }
    if root is not None:
        startup[f"{root}/CLAUDE.md"] = "# My defaults\n\nAnswer briefly. Use British spelling.\n"
    nested = {
        f"{cwd}/{NESTED_DIR}/CLAUDE.md": "# UI package\n\nWidgets never read files; they "
        "receive snapshots from the core. Colours come from the theme only.\n"
    }
    return startup, nested
