"""Skill and custom-agent listings, rebuilt from disk (``.claude/skills``, ``.claude/agents``).

Only the listing is in context at start-up: each skill's name and description (capped at
1,536 characters), each custom agent's name and description. Newer Claude Code versions record
the listing as attachment lines, which the attribution already counts; for older ones the
listing hides in the first request and is carved out of "System prompt & tools" with this.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from ctxdash.core.safepath import open_regular, usable_dir

#: Claude Code caps each skill's listing entry at this many characters.
ENTRY_CHARS = 1536
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_FIELD = re.compile(r"^(name|description|when_to_use)\s*:\s*(.*)$", re.M)
MAX_FILES = 500


class Listing(msgspec.Struct, frozen=True, kw_only=True):
    """One skill, command or agent as it appears in the listing."""

    kind: str  # "skill" | "agent"
    name: str
    path: str
    text: str


def _entry(path: Path, default_name: str) -> tuple[str, str] | None:
    try:  # a repository's SKILL.md may be a link to /dev/zero: regular files only, bounded
        with open_regular(path) as fh:
            head = fh.read(32768).decode("utf-8", errors="replace")[:8192]
    except (OSError, ValueError):
        return None
    fields = {}
    match = _FRONT.match(head)
    if match:
        fields = {k: v.strip().strip("'\"") for k, v in _FIELD.findall(match.group(1))}
    name = fields.get("name") or default_name
    desc = " ".join(x for x in (fields.get("description"), fields.get("when_to_use")) if x)
    if not desc and not match:
        desc = head.strip().splitlines()[0][:200] if head.strip() else ""
    return name, f"{name}: {desc}"[:ENTRY_CHARS]


def _dirs(cwd: str | None, claude_root: Path, sub: str) -> list[Path]:
    out = [claude_root / sub]
    if cwd and usable_dir(cwd):
        here = Path(cwd)
        out += [d / ".claude" / sub for d in [here, *here.parents]]
    return out


def discover_listings(cwd: str | None, claude_root: Path) -> list[Listing]:
    """Skills (``skills/*/SKILL.md``, ``commands/*.md``) and agents (``agents/*.md``)."""
    found: list[Listing] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, path: Path, default: str) -> None:
        if len(found) >= MAX_FILES:
            return
        entry = _entry(path, default)
        if entry and (kind, entry[0]) not in seen:
            seen.add((kind, entry[0]))
            found.append(Listing(kind=kind, name=entry[0], path=str(path), text=entry[1]))

    for base in _dirs(cwd, claude_root, "skills"):
        for skill in sorted(base.glob("*/SKILL.md")) if base.is_dir() else []:
            add("skill", skill, skill.parent.name)
    for base in _dirs(cwd, claude_root, "commands"):
        for command in sorted(base.rglob("*.md")) if base.is_dir() else []:
            add("skill", command, command.stem)
    for base in _dirs(cwd, claude_root, "agents"):
        for agent in sorted(base.glob("*.md")) if base.is_dir() else []:
            add("agent", agent, agent.stem)
    return found
