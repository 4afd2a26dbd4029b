"""The breakdown: rows that add up to ``used``, the biggest items, and ``/context``'s grouping.

Each item in the context has a category key (``tool_results:Read``, ``memory:/path``,
``user_prompts`` …). :func:`categories` sums the session's items per key and carves what the
transcript does not record apart (memory files and listings on disk) out of the static part,
so that the rows always add up to ``used`` exactly; before the first reply, and after a
compaction, the rows are an estimate of the next request.
"""

from __future__ import annotations

import math
from pathlib import Path

import msgspec

from ctxdash.core.claude.memory import MemoryFile
from ctxdash.core.claude.models import parse_version
from ctxdash.core.claude.reattach import reattached_tokens
from ctxdash.core.transcript.attribution import apportion
from ctxdash.core.transcript.fold import SessionState
from ctxdash.core.transcript.pieces import STATIC_CATEGORIES, Item
from ctxdash.core.transcript.tokens import TokenCounter

#: Static part assumed when no request has been seen yet (system prompt + tools).
DEFAULT_STATIC = 16_000
LABELS = {
    "system": "System prompt",
    "tools": "System tools",
    "deferred_tools": "Deferred tools",
    "system_messages": "System messages",
    "mcp_tools": "MCP tools",
    "skills": "Skills",
    "agents": "Custom agents",
    "compact_summary": "Compact summary",
    "user_prompts": "User prompts",
    "assistant_text": "Assistant text",
    "thinking": "Thinking",
    "tool_calls": "Tool calls",
    "attachments": "Attachments",
    "images": "Images",
    "unrecorded": "Unrecorded reminders",
    "other": "Other",
}
GROUPS = {
    "system": "system",
    "tools": "system",
    "deferred_tools": "system",
    "system_messages": "system",
    "mcp_tools": "system",
    "skills": "skills",
    "agents": "skills",
    "memory": "memory",
}


class Category(msgspec.Struct, kw_only=True, frozen=True):
    """One row of the breakdown."""

    name: str
    label: str
    group: str
    tokens: int
    estimated: bool = False


class TopItem(msgspec.Struct, kw_only=True, frozen=True):
    """One of the largest things in context (``label``: the kind in words)."""

    kind: str
    label: str = ""
    tool: str | None
    path: str | None
    turn: int
    timestamp: str | None
    uuid: str | None
    tokens: int


class ContextGroup(msgspec.Struct, kw_only=True, frozen=True):
    """One row of the breakdown as Claude Code's ``/context`` groups it."""

    name: str
    tokens: int


def category_of(cat: str) -> tuple[str, str]:
    """``(label, group)`` for a category key."""
    if cat.startswith("tool_results:"):
        return f"Tool results · {cat.split(':', 1)[1]}", "tool_results"
    if cat.startswith("memory:"):
        return f"Memory · {_short(cat.split(':', 1)[1])}", "memory"
    return LABELS.get(cat, cat), GROUPS.get(cat, "messages")


def _short(path: str, keep: int = 2) -> str:
    parts = Path(path).parts
    return str(Path(*parts[-keep:])) if len(parts) > keep else path


#: One item of a category, in words.
ITEM_LABELS = {
    "tool_results": "Tool result",
    "tool_calls": "Tool call",
    "user_prompts": "User prompt",
    "assistant_text": "Assistant text",
    "thinking": "Thinking",
    "attachments": "Attachment",
    "images": "Image",
    "unrecorded": "Unrecorded reminder",
    "memory": "Memory file",
    "compact_summary": "Compact summary",
    "skills": "Skill listing",
    "agents": "Agent listing",
}


def item_label(kind: str) -> str:
    """A top item's kind in words (``tool_results`` → ``Tool result``)."""
    return ITEM_LABELS.get(kind) or LABELS.get(kind) or kind.replace("_", " ").capitalize()


def top_item(item: Item) -> TopItem:
    kind = item.cat.split(":", 1)[0]
    return TopItem(
        kind=kind,
        label=item_label(kind),
        tool=item.tool,
        path=item.path,
        turn=item.turn,
        timestamp=item.timestamp,
        uuid=item.uuid,
        tokens=item.tokens,
    )


def categories(
    state: SessionState,
    memory: list[MemoryFile],
    listed: dict[str, int],
    counter: TokenCounter,
    factor: float,
) -> tuple[list[Category], int, str, int]:
    """Rows summing exactly to ``used``, plus ``used``, its source and pending tokens."""
    resolver = state.resolver
    open_items, open_weights = resolver.estimate_open(counter, factor)
    pending = round(sum(open_weights))
    # Memory files Claude Code puts in the first message (nested ones arrive as items).
    disk = [m for m in memory if m.loaded and m.tier == 1]
    rows: dict[str, int] = {}
    estimated: set[str] = set()

    if state.used is not None:
        used, source = state.used, "usage"
        static = resolver.static if resolver.static is not None else 0
        for item in state.items:
            rows[item.cat] = rows.get(item.cat, 0) + item.tokens
        if "unrecorded" in rows:
            estimated.add("unrecorded")  # what the transcript lacks: the rest of a delta
    else:
        # After a compaction (or before any reply): no request size in the file yet. The next
        # request sends what is waiting (with Claude Code 2.1.3xx: the recorded system prompt
        # and tools, the summary, preserved messages), plus what the file does not hold yet.
        # (A boundary's postTokens leaves the system prompt, tools and memory out.)
        pending_cats = {item.cat for item in open_items}
        if resolver.system_measured is not None:
            static = resolver.system_measured
        elif pending_cats & STATIC_CATEGORIES:
            static = 0
        else:
            static = DEFAULT_STATIC + sum(m.tokens for m in disk)
        if resolver.rendered_seen:
            # Memory files are re-sent with the next prompt, as an attachment not written yet.
            static += sum(m.tokens for m in disk if f"memory:{m.path}" not in pending_cats)
        reattached = 0
        if _reattach_unrecorded(state, open_items):
            reattached = reattached_tokens(state.reattach, counter, factor)
        used, source = static + pending + reattached, "estimate"
        shares = apportion(used, [float(static), *open_weights, float(reattached)])
        static = shares[0]
        for item, tokens in zip(open_items, shares[1:], strict=False):
            rows[item.cat] = rows.get(item.cat, 0) + tokens
        if reattached:
            rows["unrecorded"] = rows.get("unrecorded", 0) + shares[-1]
        estimated.update(rows)
        pending = 0

    carved = [(f"memory:{m.path}", m.tokens) for m in disk if f"memory:{m.path}" not in rows]
    # Listings recorded as attachments are already items; otherwise they hide in the static part.
    carved += [(name, tokens) for name, tokens in listed.items() if tokens and name not in rows]
    carved_rows = _fit(static, carved)
    rows["system"] = rows.get("system", 0) + static - sum(t for _, t in carved_rows)
    estimated.update(name for name, _ in carved_rows)
    if source != "usage":
        estimated.add("system")
    for name, tokens in carved_rows:
        rows[name] = rows.get(name, 0) + tokens
    out = []
    for name, tokens in rows.items():
        label, group = category_of(name)
        if name == "system" and "tools" not in rows:
            label = "System prompt & tools"  # not recorded apart: both are in this row
        out.append(
            Category(
                name=name, label=label, group=group, tokens=tokens, estimated=name in estimated
            )
        )
    out.sort(key=lambda c: (_ORDER.get(c.group, 9), -c.tokens))
    return out, used, source, pending


def _reattach_unrecorded(state: SessionState, waiting: list[Item]) -> bool:
    """Whether the next request after a compaction carries re-attached files that the
    transcript does not hold: Claude Code 2.0 to 2.1.3xx re-attaches them; 2.1.1xx records
    them as ``file`` attachments and 2.1.3xx records what it sends. (1.0.x leaves no sign
    of whether the compaction ran in the process that read the files: not estimated.)"""
    if not state.epoch or not state.reattach or state.resolver.rendered_seen:
        return False
    if parse_version(state.version) < (2, 0, 0):
        return False
    return not any(item.tool in ("file", "compact_file_reference") for item in waiting)


_ORDER = {"system": 0, "memory": 1, "skills": 2, "messages": 3, "tool_results": 4}


def _fit(limit: int, rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Scale rows down proportionally if together they exceed ``limit``."""
    total = sum(t for _, t in rows)
    if total <= limit:
        return rows
    shares = apportion(max(0, limit), [float(t) for _, t in rows])
    return [(name, share) for (name, _), share in zip(rows, shares, strict=True)]


def context_groups(
    categories: list[Category],
    *,
    used: int,
    window: int,
    buffer: int,
    skills_chars: int,
    custom_agents: int,
    bytes_per_token: int,
) -> list[ContextGroup]:
    """The breakdown in ``/context``'s rows, computed the way Claude Code 2.1.3xx computes them.

    ``/context`` counts each part on its own; it estimates the skill listing locally by size
    (``bytes_per_token``), takes that listing off "System tools", lists only user-defined
    agents, and makes "Messages" whatever the last request held beyond the other rows.
    """
    rows = {cat.name: cat.tokens for cat in categories}  # one row per name
    memory = sum(t for name, t in rows.items() if name.startswith("memory:"))
    skills = math.ceil(skills_chars / bytes_per_token) if skills_chars else rows.get("skills", 0)
    tools = rows.get("tools", 0)
    # Versions that do not record the tools apart: both are in one row, named for both.
    system = "System prompt" if "tools" in rows else "System prompt & tools"
    groups = {
        system: rows.get("system", 0),
        "System tools": max(0, tools - skills) if tools else 0,
        "MCP tools": rows.get("mcp_tools", 0),
        "Custom agents": custom_agents,
        "Memory files": memory,
        "Skills": skills,
    }
    groups = {name: tokens for name, tokens in groups.items() if tokens > 0}
    groups["Messages"] = max(0, used - sum(groups.values()))
    groups["Free space"] = max(0, window - used - buffer)
    groups["Autocompact buffer"] = buffer
    return [ContextGroup(name=name, tokens=tokens) for name, tokens in groups.items()]
