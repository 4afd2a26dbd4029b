"""Fork a Claude Code session into a new transcript that ``claude --resume NEW_ID`` opens.

The original transcript is only read. The fork is ``<NEW_ID>.jsonl`` beside it (same project
folder), written atomically and never over an existing file. What it holds (what Claude
Code's ``--resume`` loader needs):

* the conversation chain from the root to the cut point, in file order: the ancestors of the
  cut by ``parentUuid`` (``progress`` and other non-conversation lines in between are skipped,
  a ``compact_boundary`` is followed back through its ``logicalParentUuid`` so the history
  before a compaction stays, as in the original), plus the sibling lines Claude Code writes
  off the main path for one reply: the other lines of the same ``message.id`` and the
  ``tool_result`` lines (and their hook attachments) of parallel tool calls. Abandoned
  ``/rewind`` branches, sidechain (inline subagent) lines and everything after the cut go;
* the cut never splits a reply: when the last kept reply continues after the cut or has a
  ``tool_use`` without its kept ``tool_result``, the cut moves back to just before that reply;
* lines are copied byte for byte except ``sessionId`` (rewritten to the new id) and, where a
  parent was dropped, ``parentUuid`` (re-linked to the nearest kept ancestor); ``uuid``,
  ``cwd``, ``message`` (thinking blocks and their signatures) are untouched;
* per-session settings (``mode``, ``permission-mode``, ``tag``, ``agent-*``) are kept;
  ``api-request-shape`` (the system prompt and tools of a request) is kept; titles,
  ``file-history-snapshot``, ``queue-operation``, ``last-prompt``, the other request-replay
  records and other bookkeeping lines are dropped (and counted); ``content-replacement``
  lines are kept only when ``<oldId>/tool-results/`` is copied to ``<newId>/tool-results/``;
* one ``custom-title`` line and one ``ctxdash-origin`` provenance line are appended.

``last=N`` drops the final N turns: the cut is the last message before the N-th last real user
prompt (``last=1`` removes the final prompt and all that followed it).
"""

from __future__ import annotations

import shutil
import uuid as uuidlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from ctxdash.core.atomic import ActionError, copy_file, explain, write_bytes
from ctxdash.core.checkpoints.chain import Chain, ForkError, Rec, find_cut, parse
from ctxdash.core.safepath import open_regular
from ctxdash.core.transcript.records import CONVERSATION_TYPES

__all__ = ["ForkError", "ForkResult", "fork_session", "seed_session", "validate_fork"]

#: Per-session settings that still apply to the fork ("last one wins" lines).
KEEP_META = frozenset(
    {
        "tag",
        "agent-name",
        "agent-color",
        "agent-setting",
        "mode",
        "permission-mode",
        "memory-mode",
        # The system prompt and tools of a request (2.1.3xx): self-contained, and what lets a
        # reader of the fork count them. The other request-replay records refer to blobs.
        "api-request-shape",
    }
)
TITLES = frozenset({"summary", "custom-title", "ai-title"})
_DEC = msgspec.json.Decoder()
_ENC = msgspec.json.encode


class ForkResult(msgspec.Struct, kw_only=True):
    """What a fork (or a seeded session) wrote."""

    session_id: str
    path: str
    resume_command: str
    #: Lines written (the appended title and provenance lines included).
    lines: int
    #: ``session_id`` and ``transcript`` of the original, ``uuid`` of the (final) cut point.
    forked_from: dict[str, str | None]
    #: Lines of the original left out, by reason (line type, ``after-cut``, ``off-chain`` ...).
    dropped: dict[str, int] = msgspec.field(default_factory=dict)


def _iso(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _is_lower_uuid(value: str) -> bool:
    try:
        return str(uuidlib.UUID(value)) == value
    except ValueError:
        return False


def _new_id(new_id: str | None) -> str:
    if new_id is None:
        return str(uuidlib.uuid4())
    if not _is_lower_uuid(new_id):
        raise ForkError(f"{new_id!r}: a session id must be a lowercase UUID")
    return new_id


def _patch(raw: bytes, obj: dict[str, Any], changes: dict[str, Any]) -> bytes:
    """``raw`` with ``changes`` applied, byte-identical elsewhere when possible.

    The exact bytes ``"key":value`` can only be that key in compact JSON (inside a string the
    quotes would be escaped); when it is not found exactly once, or the result does not decode
    to the expected object, the line is re-encoded (same values and key order).
    """
    new = {**obj, **changes}
    out = raw
    for key, value in changes.items():
        needle = b'"' + key.encode() + b'":'
        if key not in obj or out.count(needle + _ENC(obj[key])) != 1:
            return _ENC(new)
        out = out.replace(needle + _ENC(obj[key]), needle + _ENC(value))
    try:
        if _DEC.decode(out) == new:
            return out
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass
    return _ENC(new)


def _read(path: Path) -> bytes:
    try:
        with open_regular(path) as fh:
            return fh.read()
    except OSError as err:
        raise ForkError(explain(err, path)) from err


def _title(recs: list[Rec]) -> str | None:
    """The original's title: the last custom title, else AI title, else summary."""
    keys = {"custom-title": "customTitle", "ai-title": "aiTitle", "summary": "summary"}
    found = {r.type: r.obj.get(keys[r.type]) for r in recs if r.type in keys}
    return next((t for k in keys if isinstance(t := found.get(k), str) and t), None)


def _tail_lines(
    new_id: str, title: str, origin: dict[str, Any], now: datetime | None
) -> list[bytes]:
    """The appended ``custom-title`` and ``ctxdash-origin`` lines."""
    stamp = _iso(now)
    provenance = {"type": "ctxdash-origin", "forkedFrom": origin, "createdAt": stamp}
    provenance.update(tool="ctxdash", sessionId=new_id)
    return [
        _ENC({"type": "custom-title", "customTitle": title, "sessionId": new_id}),
        _ENC(provenance),
    ]


def _write(target: Path, lines: list[bytes]) -> None:
    try:
        write_bytes(target, b"\n".join(lines) + b"\n", exclusive=True)
    except ActionError as err:
        raise ForkError(str(err)) from err


def _emit(
    recs: list[Rec], chain: Chain, kept: set[int], cut: Rec, new_id: str, replace: bool
) -> tuple[list[bytes], dict[str, int], int]:
    """The fork's lines, the dropped lines by reason, the content-replacement lines kept."""
    uses = {u for r in chain.main if r.pos in kept for u in r.uses}
    lines: list[bytes] = []
    dropped: dict[str, int] = {}
    replacements = 0
    for r in recs:
        changes: dict[str, Any] = {}
        reason = None
        if r.side:
            reason = "sidechain"
        elif r.conv and r.pos not in kept:
            reason = "after-cut" if r.pos > cut.pos else "off-chain"
        elif r.conv:
            if r.obj.get("parentUuid", ...) != (parent := chain.kept_parent(r, kept)):
                changes["parentUuid"] = parent
            if orphans := [t for t in r.results if t not in uses]:
                content = [
                    b
                    for b in r.obj["message"]["content"]
                    if not (isinstance(b, dict) and b.get("tool_use_id") in orphans)
                ]
                changes["message"] = {**r.obj["message"], "content": content}
                reason = None if content else "orphan-tool-result"
        elif r.type == "content-replacement" and replace and r.pos <= cut.pos:
            items = r.obj.get("replacements")
            listed = items if isinstance(items, list) else []
            mine = [x for x in listed if isinstance(x, dict) and _str_in(x.get("toolUseId"), uses)]
            if r.obj.get("agentId") or not mine:
                reason = "content-replacement"
            elif mine != items:
                changes["replacements"] = mine
        elif r.type not in KEEP_META:
            reason = "title" if r.type in TITLES else r.type or "untyped"
        elif r.pos > cut.pos:
            reason = "after-cut"
        if reason is not None:
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        replacements += r.type == "content-replacement"
        if "sessionId" in r.obj and r.obj["sessionId"] != new_id:
            changes["sessionId"] = new_id
        lines.append(_patch(r.raw, r.obj, changes) if changes else r.raw)
    return lines, dropped, replacements


def _str_in(value: Any, ids: set[str]) -> bool:
    """``value`` is one of ``ids`` (a list or an object from a transcript is none of them)."""
    return isinstance(value, str) and value in ids


def _result(
    new_id: str, target: Path, lines: list[bytes], source: dict[str, Any], dropped: dict[str, int]
) -> ForkResult:
    return ForkResult(
        session_id=new_id,
        path=str(target),
        resume_command=f"claude --resume {new_id}",
        lines=len(lines),
        forked_from={k: (str(v) if v is not None else None) for k, v in source.items()},
        dropped=dropped,
    )


def fork_session(
    transcript: Path,
    *,
    at: str | None = None,
    last: int | None = None,
    new_id: str | None = None,
    now: datetime | None = None,
    title: str | None = None,
) -> ForkResult:
    """Write a new session branching from ``transcript`` (see the module docstring).

    Args:
        transcript: The original ``<sessionId>.jsonl`` (only read).
        at: Cut at this user/assistant message uuid (a unique prefix of 8+ characters works).
        last: Drop the final ``last`` turns instead (``1`` = the last prompt and its replies).
        new_id: The new session id (lowercase UUID); default a random one.
        now: The time recorded in the provenance line.
        title: The fork's title; default ``Fork of <original title or id>``.

    Raises:
        ForkError: unreadable transcript, unknown ``at``, nothing to fork, existing target.
    """
    transcript = Path(transcript).absolute()
    if at is not None and last is not None:
        raise ForkError("give either a message uuid or a number of turns, not both")
    new_id = _new_id(new_id)
    recs, malformed = parse(_read(transcript))
    chain = Chain(recs)
    cut, kept = chain.settle(find_cut(chain, recs, at, last))
    old_id = transcript.stem
    if not _is_lower_uuid(old_id.lower()):
        old_id = next((r.obj["sessionId"] for r in recs if r.obj.get("sessionId")), old_id)
    target = transcript.parent / f"{new_id}.jsonl"
    if target.exists():
        raise ForkError(f"{target}: already exists (not overwritten)")
    results_dir = transcript.parent / transcript.stem / "tool-results"
    lines, dropped, replacements = _emit(recs, chain, kept, cut, new_id, results_dir.is_dir())
    if malformed:
        dropped["malformed"] = malformed
    origin = {"sessionId": old_id, "transcript": str(transcript), "uuid": cut.uuid}
    name = title or f"Fork of {_title(recs) or old_id[:8]}"
    lines += _tail_lines(new_id, name, origin, now)
    new_dir = transcript.parent / new_id
    created_dir = not new_dir.exists()
    try:
        if replacements:
            for src in sorted(p for p in results_dir.rglob("*") if p.is_file()):
                copy_file(src, new_dir / "tool-results" / src.relative_to(results_dir))
        _write(target, lines)
    except ActionError as err:
        if created_dir:
            shutil.rmtree(new_dir, ignore_errors=True)
        raise ForkError(str(err)) from err
    source = {"session_id": old_id, "transcript": str(transcript), "uuid": cut.uuid}
    return _result(new_id, target, lines, source, dropped)


def seed_session(
    project_dir: Path,
    *,
    cwd: str,
    text: str,
    new_id: str | None = None,
    now: datetime | None = None,
    title: str | None = None,
    git_branch: str | None = None,
    version: str | None = None,
    forked_from: dict[str, Any] | None = None,
) -> ForkResult:
    """A new resumable session whose whole history is one user message holding ``text``.

    Args:
        project_dir: The Claude Code project folder to write ``<NEW_ID>.jsonl`` into.
        cwd: The working directory recorded on the message (shown by the picker).
        text: The message (typically a compressed summary of another session).
        forked_from: ``session_id``/``transcript`` of the source, for the provenance line.

    Raises:
        ForkError: the target exists or cannot be written.
    """
    new_id = _new_id(new_id)
    source = dict(forked_from or {})
    line: dict[str, Any] = {"parentUuid": None, "isSidechain": False, "userType": "external"}
    line.update(cwd=cwd, sessionId=new_id, version=version, gitBranch=git_branch, type="user")
    line = {k: v for k, v in line.items() if v is not None or k == "parentUuid"}
    line.update(message={"role": "user", "content": text}, uuid=str(uuidlib.uuid4()))
    line["timestamp"] = _iso(now)
    sid = source.get("session_id")
    origin = {"sessionId": sid, "transcript": source.get("transcript"), "uuid": source.get("uuid")}
    origin["seeded"] = True
    name = title or (f"Continued from {str(sid)[:8]}" if sid else "Seeded by ctxdash")
    lines = [_ENC(line), *_tail_lines(new_id, name, origin, now)]
    target = Path(project_dir) / f"{new_id}.jsonl"
    _write(target, lines)
    return _result(new_id, target, lines, source, {})


def validate_fork(path: Path) -> list[str]:
    """Problems ``claude --resume`` would hit with this transcript (empty when fine)."""
    path = Path(path)
    problems: list[str] = []
    if path.suffix != ".jsonl" or not _is_lower_uuid(path.stem):
        problems.append(f"{path.name}: the file name is not <lowercase uuid>.jsonl")
    try:
        recs, bad = parse(path.read_bytes())
    except OSError as err:
        return [*problems, explain(err, path)]
    if bad:
        problems.append(f"{bad} line(s) are not JSON objects")
    ids = sorted({str(r.obj["sessionId"]) for r in recs if "sessionId" in r.obj})
    if ids and ids != [path.stem]:
        problems.append(f"mixed or foreign sessionId values: {', '.join(ids)}")
    conv = [r for r in recs if r.type in CONVERSATION_TYPES]
    if conv and conv[0].side:
        problems.append("the first conversation line is a sidechain (hidden from the picker)")
    if conv and conv[0].parent is not None:
        problems.append(f"the first conversation line has parentUuid {conv[0].parent}")
    nodes = [r for r in recs if r.uuid is not None and (r.type in CONVERSATION_TYPES or r.parent)]
    by_uuid: dict[str, Rec] = {}
    for r in nodes:
        if r.uuid in by_uuid:
            problems.append(f"duplicate uuid {r.uuid}")
        by_uuid[r.uuid or ""] = r
    for r in nodes:
        if r.parent is not None and r.parent not in by_uuid:
            problems.append(f"{r.uuid}: parentUuid {r.parent} is not in the file")
    done: set[str] = set()
    for r in nodes:
        trail: dict[str, None] = {}  # ordered set
        uid: str | None = r.uuid
        while uid is not None and uid in by_uuid and uid not in done and uid not in trail:
            trail[uid] = None
            uid = by_uuid[uid].parent
        if uid in trail:
            problems.append(f"parentUuid cycle through {uid}")
        done.update(trail)
    main = [r for r in conv if not r.side and r.uuid is not None]
    if not any(r.message for r in main):
        problems.append("no user or assistant message to resume from")
    uses = {u for r in main for u in r.uses}
    results = {t for r in main for t in r.results}
    if missing := sorted(uses - results):
        problems.append(f"tool_use without tool_result: {', '.join(missing[:5])}")
    if orphans := sorted(results - uses):
        problems.append(f"tool_result without tool_use: {', '.join(orphans[:5])}")
    return problems
