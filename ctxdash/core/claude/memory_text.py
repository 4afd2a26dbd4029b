"""The text rules of memory files: what Claude Code strips, imports and truncates.

Block HTML comments that start a line are removed (outside code fences); ``@path`` imports are
found outside code fences and code spans; a rule file's frontmatter may scope it to ``paths:``;
the auto memory file (``MEMORY.md``) is cut to its first 200 lines and 25,000 bytes.
"""

from __future__ import annotations

import re

AUTO_MEMORY_MAX_LINES = 200
AUTO_MEMORY_MAX_BYTES = 25_000
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT_START = re.compile(r"^ {0,3}<!--")
_CODE_SPAN = re.compile(r"(`+).*?(?<!`)\1(?!`)")
_IMPORT = re.compile(r"(?:^|(?<=\s))@((?:[^\s\\]|\\ )+)")
_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_PATHS_KEY = re.compile(r"^paths[ \t]*:[ \t]*(.*)$", re.M)


def _fence_step(line: str, fence: str | None) -> tuple[str | None, bool]:
    """Track fenced code blocks; return the new fence and whether ``line`` is code."""
    match = _FENCE.match(line)
    if fence is None:
        return (match.group(1), True) if match else (None, False)
    if match is None:
        return fence, True
    closes = match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)
    if closes and not line[match.end() :].strip():
        return None, True
    return fence, True


def strip_block_comments(text: str) -> str:
    """Remove HTML comments that start a line (outside code fences), as Claude Code does."""
    out: list[str] = []
    pending: list[str] = []  # lines of a comment not closed yet
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        if pending:
            pending.append(line)
            end = line.find("-->")
            if end >= 0:
                rest = line[end + 3 :]
                if rest.strip():
                    out.append(rest)
                pending = []
            continue
        fence, is_code = _fence_step(line, fence)
        if is_code or not _COMMENT_START.match(line):
            out.append(line)
            continue
        end = line.find("-->", line.index("<!--") + 4)
        if end < 0:
            pending = [line]
        elif line[end + 3 :].strip():
            out.append(line[end + 3 :])
    return "".join(out + pending)  # an unclosed comment is kept


def import_tokens(text: str) -> list[str]:
    """The raw ``@path`` tokens outside code fences and code spans, in order."""
    found: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        fence, is_code = _fence_step(line, fence)
        if is_code:
            continue
        for match in _IMPORT.finditer(_CODE_SPAN.sub("\x00", line)):  # not whitespace
            token = match.group(1).split("#", 1)[0].replace("\\ ", " ")
            if token and (token[0].isalnum() or token[0] in "._~/-"):
                found.append(token)
    return found


def split_frontmatter(text: str) -> tuple[str, str]:
    match = _FRONTMATTER.match(text)
    return (match.group(1), text[match.end() :]) if match else ("", text)


def has_paths(frontmatter: str) -> bool:
    """Whether YAML frontmatter declares a non-empty ``paths:`` key."""
    match = _PATHS_KEY.search(frontmatter)
    if not match:
        return False
    value = match.group(1).strip()
    if value:
        return value not in ("[]", "''", '""', "null", "~")
    following = frontmatter[match.end() :].lstrip("\r\n")
    return following[:1] in ("-", " ", "\t")


def count_lines(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def truncate_auto_memory(text: str) -> tuple[str, str | None]:
    """Cut MEMORY.md to what Claude Code injects; return the text and a warning."""
    total = count_lines(text)
    kept = "".join(text.splitlines(keepends=True)[:AUTO_MEMORY_MAX_LINES])
    raw = kept.encode("utf-8")
    if len(raw) > AUTO_MEMORY_MAX_BYTES:
        cut = raw[:AUTO_MEMORY_MAX_BYTES]
        newline = cut.rfind(b"\n")
        kept = (cut[: newline + 1] if newline > 0 else cut).decode("utf-8", "ignore")
    if kept == text:
        return text, None
    return kept, f"truncated: only the first {count_lines(kept):,} of {total:,} lines are loaded"
