"""A transcript as a conversation chain: its lines decoded, linked by ``parentUuid``, and cut.

:func:`parse` decodes every line into a :class:`Rec` (a non-JSON line is counted, not fatal);
:class:`Chain` follows ``parentUuid`` links (through a ``compact_boundary``'s
``logicalParentUuid``) from a leaf to the root, and selects what a fork keeps: the ancestors of
the cut plus the sibling lines Claude Code writes off the main path for one reply.
:func:`find_cut` turns ``--at UUID`` or ``--last N`` into the cut point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ctxdash.core.atomic import ActionError
from ctxdash.core.transcript.prompts import user_prompt
from ctxdash.core.transcript.records import CONVERSATION_TYPES

_DEC = msgspec.json.Decoder()
#: The ids of a line that cannot be decoded, read from its bytes (Claude Code writes
#: ``parentUuid`` first and the line's own ``uuid`` after any nested object).
_PARENT = re.compile(rb'"parentUuid":(?:null|"([^"\\]{1,200})")')
_UUID = re.compile(rb'"uuid":"([^"\\]{1,200})"')


class ForkError(ActionError):
    """The fork cannot be made; the message says why. Nothing was written."""


@dataclass(slots=True)
class Rec:
    """One decoded line of a transcript."""

    pos: int
    raw: bytes
    obj: dict[str, Any]
    type: str
    uuid: str | None
    parent: str | None
    side: bool
    group: str | None = None
    uses: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    #: Why the line could not be decoded (its ids, if any, were read from its bytes).
    problem: str | None = None

    @property
    def conv(self) -> bool:
        """A node of the main conversation chain."""
        return self.type in CONVERSATION_TYPES and self.uuid is not None and not self.side

    @property
    def message(self) -> bool:
        return self.type in ("user", "assistant")


def _rec(pos: int, raw: bytes, obj: dict[str, Any]) -> Rec:
    """Index one decoded line: ids, parent, tool calls or results, reply group."""

    def text(key: str) -> str | None:
        value = obj.get(key)
        return value if isinstance(value, str) else None

    side = obj.get("isSidechain") is True
    rec = Rec(pos, raw, obj, text("type") or "", text("uuid"), text("parentUuid"), side)
    msg = obj["message"] if isinstance(obj.get("message"), dict) else {}
    content = msg.get("content")
    for block in content if isinstance(content, list) else ():
        kind = block.get("type") if isinstance(block, dict) else None
        if rec.type == "assistant" and kind == "tool_use" and isinstance(block.get("id"), str):
            rec.uses.append(block["id"])
        elif (
            rec.type == "user"
            and kind == "tool_result"
            and isinstance(block.get("tool_use_id"), str)
        ):
            rec.results.append(block["tool_use_id"])
    if rec.type == "assistant":
        key = msg.get("id") or obj.get("requestId") or rec.uuid
        rec.group = key if isinstance(key, str) else f"#{pos}"
    return rec


def decode(raw: bytes) -> tuple[Any, str | None]:
    """One line as Claude Code (Node's ``JSON.parse``) reads it, or ``None`` and why not.

    msgspec first; then Python's ``json``, which also reads what ``JSON.stringify`` writes and
    msgspec refuses (half an emoji: a lone surrogate ``\\ud83d``), with invalid UTF-8 read as
    U+FFFD as Node reads it. Nesting deeper than Python's recursion limit is not read.
    """
    try:
        return _DEC.decode(raw), None
    except RecursionError:
        return None, "nested too deeply to read"
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass
    try:
        return json.loads(raw.decode("utf-8", "replace"), parse_constant=_no_constant), None
    except RecursionError:
        return None, "nested too deeply to read"
    except ValueError:
        return None, "not valid JSON, perhaps cut off"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python reads them, Node does not


def _unreadable(pos: int, raw: bytes, problem: str) -> Rec:
    """A line that cannot be decoded: its ids, when its bytes show them, link the chain past it."""
    parent = _PARENT.search(raw)
    uuids = _UUID.findall(raw)
    rec = Rec(pos, raw, {}, "", None, None, False, problem=problem)
    rec.parent = parent.group(1).decode("utf-8", "replace") if parent and parent.group(1) else None
    rec.uuid = uuids[-1].decode("utf-8", "replace") if uuids else None
    return rec


def parse(data: bytes) -> tuple[list[Rec], int]:
    """Decode every line; returns the records and the number of undecodable lines.

    An undecodable line is a record too, with its ``problem`` and no ``type``.
    """
    recs: list[Rec] = []
    bad = 0
    for pos, raw in enumerate(data.split(b"\n")):
        if not raw.strip():
            continue
        obj, problem = decode(raw)
        if isinstance(obj, dict):
            recs.append(_rec(pos, raw, obj))
        else:
            bad += 1
            recs.append(_unreadable(pos, raw, problem or "not a JSON object"))
    return recs, bad


class Chain:
    """The main-chain index of a transcript: walk parents, group replies."""

    def __init__(self, recs: list[Rec]) -> None:
        self.by_uuid = {r.uuid: r for r in recs if r.uuid is not None and not r.side}
        self.main = [r for r in recs if r.conv]
        self.groups: dict[str, list[Rec]] = {}
        for r in self.main:
            if r.group is not None:
                self.groups.setdefault(r.group, []).append(r)

    def resolve(self, uid: str | None) -> Rec | None:
        """The first conversation node at or above ``uid`` (progress lines are skipped)."""
        seen: set[str] = set()
        while uid is not None and uid not in seen:
            seen.add(uid)
            node = self.by_uuid.get(uid)
            if node is None:
                return None
            if node.conv:
                return node
            uid = node.parent
        return None

    def up(self, rec: Rec) -> Rec | None:
        """The conversation parent; a compaction boundary leads to its logical parent."""
        parent = self.resolve(rec.parent)
        if parent is None and rec.obj.get("subtype") == "compact_boundary":
            parent = self.resolve(rec.obj.get("logicalParentUuid"))
        return parent

    def upward(self, rec: Rec | None) -> Iterator[Rec]:
        """``rec`` and its ancestors, newest first, as far as they are wanted (a loop of
        parent links ends the walk)."""
        seen: set[int] = set()
        while rec is not None and rec.pos not in seen:
            seen.add(rec.pos)
            yield rec
            rec = self.up(rec)

    def ancestors(self, rec: Rec | None) -> list[Rec]:
        """``rec`` and its ancestors, newest first."""
        return list(self.upward(rec))

    def nearest_message(self, rec: Rec | None) -> Rec | None:
        """The first user/assistant line at or above ``rec``."""
        return next((r for r in self.upward(rec) if r.message), None)

    def missing_above(self, rec: Rec) -> tuple[Rec, str] | None:
        """The top of ``rec``'s chain and the uuid it names that the file does not hold.

        ``None`` when the chain ends as chains do (a ``null`` parent).
        """
        top = self.ancestors(rec)[-1]
        uid = top.parent
        if uid is None and top.obj.get("subtype") == "compact_boundary":
            logical = top.obj.get("logicalParentUuid")
            uid = logical if isinstance(logical, str) else None
        seen: set[str] = set()
        while uid is not None and uid not in seen:
            seen.add(uid)
            node = self.by_uuid.get(uid)
            if node is None:
                return top, uid
            uid = node.parent
        return None

    def last_kept_message(self, cut: Rec, kept: set[int]) -> Rec:
        """``cut``, or when it is not kept, the nearest kept message above it."""
        node = next((r for r in self.upward(cut) if r.pos in kept and r.message), None)
        if node is None:
            raise ForkError("nothing to fork: no message before the cut can be kept")
        return node

    def kept_parent(self, rec: Rec, kept: set[int]) -> str | None:
        """uuid of the nearest kept ancestor by ``parentUuid`` (the re-linked parent)."""
        parent, seen = self.resolve(rec.parent), set()
        while parent is not None and parent.pos not in kept and parent.pos not in seen:
            seen.add(parent.pos)
            parent = self.resolve(parent.parent)
        return parent.uuid if parent is not None and parent.pos in kept else None

    def select(self, cut: Rec) -> set[int]:
        """Positions of the conversation lines kept for a fork ending at ``cut``."""
        anc = self.ancestors(cut)
        kept = {r.pos for r in anc}
        uses = {u for r in anc for u in r.uses}
        answered = {t for r in anc for t in r.results}
        groups = {r.group for r in anc if r.group is not None}
        side: set[int] = set()
        for r in self.main:
            if r.pos > cut.pos:
                break
            parent = self.resolve(r.parent)
            if r.pos in kept or parent is None or parent.pos not in kept:
                continue
            if r.type == "assistant":
                ok = r.group in groups
            elif r.type == "user":
                ok = bool(r.results) and all(t in uses and t not in answered for t in r.results)
            else:
                ok = parent.pos in side
            if ok:
                kept.add(r.pos)
                side.add(r.pos)
                uses.update(r.uses)
                answered.update(r.results)
        return kept

    def settle(self, cut: Rec) -> tuple[Rec, set[int]]:
        """The latest cut at or above ``cut`` that splits no reply, and the lines it keeps.

        The lines kept for ``cut`` are selected once and the cut walks back over them once:
        an earlier cut keeps the same lines up to it. That is checked at the end; in a file
        where it does not hold, the cut keeps walking back a reply at a time.
        """
        kept = self.select(cut)
        if self.split_reply(kept, cut) is None:
            return cut, kept
        cut = self._walk_back(cut, kept)
        tried: set[int] = set()
        while (first := self.split_reply(kept := self.select(cut), cut)) is not None:
            if cut.pos in tried:  # parent links that lead back to a cut already tried
                raise ForkError(f"no cut before line {cut.pos + 1} leaves every reply whole")
            tried.add(cut.pos)
            cut = self._before(first)
        return cut, kept

    def _before(self, first: Rec) -> Rec:
        earlier = self.nearest_message(self.up(first))
        if earlier is None:
            raise ForkError("nothing to fork: the cut falls inside the first reply")
        return earlier

    def _walk_back(self, cut: Rec, kept: set[int]) -> Rec:
        """:meth:`split_reply` and a step back before the split reply, in one pass."""
        lines = [r for r in self.main if r.pos in kept]
        answered_at: dict[str, int] = {}
        for r in lines:
            for t in r.results:
                answered_at.setdefault(t, r.pos)
        grouped = [r for r in lines if r.group is not None]
        i = len(grouped) - 1
        while True:
            while i >= 0 and grouped[i].pos > cut.pos:
                i -= 1
            if i < 0:
                return cut
            group = self.groups[grouped[i].group or ""]
            mine = [r for r in group if r.pos in kept and r.pos <= cut.pos]
            whole = all(r.pos <= cut.pos for r in group)
            if whole and all(
                answered_at.get(u, cut.pos + 1) <= cut.pos for r in mine for u in r.uses
            ):
                return cut
            earlier = self._before(mine[0])
            if earlier.pos >= cut.pos:  # a parent link runs forwards: step by step instead
                return cut
            cut = earlier

    def split_reply(self, kept: set[int], cut: Rec) -> Rec | None:
        """First line of the last kept reply if the cut splits it, else ``None``."""
        last = next((r for r in reversed(self.main) if r.pos in kept and r.group), None)
        if last is None or last.group is None:
            return None
        lines = self.groups[last.group]
        answered = {t for r in self.main if r.pos in kept for t in r.results}
        mine = [r for r in lines if r.pos in kept]
        if any(r.pos > cut.pos for r in lines) or any(
            u not in answered for r in mine for u in r.uses
        ):
            return mine[0]
        return None


def is_prompt(rec: Rec) -> bool:
    """A prompt the user typed (the one rule of :mod:`ctxdash.core.transcript.prompts`)."""
    obj = rec.obj
    if rec.type != "user" or rec.results:
        return False
    msg = obj.get("message")
    content = msg.get("content") if isinstance(msg, dict) else None
    text = user_prompt(
        is_meta=bool(obj.get("isMeta")),
        is_summary=bool(obj.get("isCompactSummary")),
        content=content,
    )
    return text is not None


def find_cut(chain: Chain, recs: list[Rec], at: str | None, last: int | None) -> Rec:
    leaf = next((r for r in reversed(chain.main) if r.message), None)
    if leaf is None:
        raise ForkError("nothing to fork: the transcript has no user or assistant message")
    if at is not None:
        hits = [r for r in recs if r.uuid == at]
        if not hits and len(at) >= 8:
            hits = [r for r in recs if r.uuid and r.uuid.startswith(at)]
            if len({r.uuid for r in hits}) > 1:
                raise ForkError(f"{at}: more than one message starts with this")
        if not hits:
            raise ForkError(f"{at}: no message with this uuid in the transcript")
        rec = hits[-1]
        if rec.problem:
            raise ForkError(f"{at}: that line cannot be read ({rec.problem})")
        if rec.side:
            raise ForkError(f"{at}: a subagent (sidechain) message; pick a main-chain message")
        if not rec.message:
            raise ForkError(f"{at}: a {rec.type or 'untyped'} line, not a user/assistant message")
        return chain.by_uuid.get(rec.uuid or "", rec)
    if last is None:
        return leaf
    if last < 1:
        raise ForkError(f"--last {last}: give a number of turns of 1 or more")
    prompts = [r for r in chain.ancestors(leaf) if is_prompt(r)]
    if last >= len(prompts):
        raise ForkError(f"--last {last}: the session has {len(prompts)} prompt(s); one must stay")
    cut = chain.nearest_message(chain.up(prompts[last - 1]))
    if cut is None:
        raise ForkError(f"--last {last}: nothing is left before that prompt")
    return cut
