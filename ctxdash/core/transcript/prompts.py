"""What counts as a prompt the user typed: one rule for the session fold, forks and summaries.

A user line is a prompt when it is not meta text Claude Code injected (``isMeta``), not a
compaction summary, holds no tool result, and has text left once reminders and command
records are set aside. A custom slash command typed with arguments counts: its arguments are
the ask (``/review the parser``); built-in commands and their settings do not.
"""

from __future__ import annotations

import re
from typing import Any

#: User texts that are not asks: slash-command records, IDE context, reminders, interrupts.
NOISE = re.compile(
    r"\s*(<command-|<local-command-|<bash-|<task-notification|<ide_|<system-reminder>|"
    r"<user-prompt-submit-hook>|Caveat:|\[Request interrupted|This session is being continued)"
)
_REMINDER = re.compile(r"<system-reminder>.*?</system-reminder>", re.DOTALL)
_CMD_NAME = re.compile(r"<command-name>\s*/?([^<\s]*)\s*</command-name>")
_CMD_ARGS = re.compile(r"<command-args>(.*?)</command-args>", re.DOTALL)
#: Built-in slash commands whose arguments are settings, not asks.
_BUILTIN = re.compile(
    r"(add-dir|agents|clear|compact|config|context|cost|exit|help|hooks|init|login|logout|mcp|"
    r"memory|model|permissions|rename|resume|rewind|status|statusline|theme|usage)"
)


def prompt_text(value: Any) -> str | None:
    """The ask in a decoded user ``content`` (None for tool results and noise)."""
    if isinstance(value, str):
        parts = [value]
    elif isinstance(value, list):
        parts = []
        for block in value:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "tool_result":
                return None
            if kind == "text" and isinstance(block.get("text"), str):
                parts.append(block["text"])
    else:
        return None
    keep = []
    for part in parts:
        if "<system-reminder>" in part:
            part = _REMINDER.sub("", part)
        if not part.strip():
            continue
        if NOISE.match(part):
            command = _command_ask(part)
            if command:
                keep.append(command)
        else:
            keep.append(part.strip())
    return "\n".join(keep) or None


def _command_ask(text: str) -> str | None:
    """``/name args`` for a custom slash command typed with arguments (they are the ask)."""
    name, args = _CMD_NAME.search(text), _CMD_ARGS.search(text)
    if name is None or args is None or not args.group(1).strip():
        return None
    if _BUILTIN.fullmatch(name.group(1)):
        return None
    return f"/{name.group(1)} {args.group(1).strip()}"


def user_prompt(*, is_meta: bool, is_summary: bool, content: Any) -> str | None:
    """The prompt a user line carries (decoded ``content``), or ``None`` when it is none."""
    if is_meta or is_summary:
        return None
    return prompt_text(content)


def prompt_title(text: str) -> str | None:
    """A prompt as a session's title (until a title record names it): one line, 200 characters
    at most."""
    return " ".join(text.split())[:200] or None
