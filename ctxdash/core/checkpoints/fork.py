"""Fork a Claude Code session into a new transcript that ``claude --resume NEW_ID`` opens.

The original transcript is only read. The fork is ``<NEW_ID>.jsonl`` beside it (same project
folder; for a copy outside Claude Code's ``projects/`` folder, such as a snapshot, the project
folder of the session's working directory), written atomically and never over an existing
file. What it holds (what Claude
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
* a line is read as Claude Code reads it (a lone surrogate escape is fine); one that cannot be
  read is left out (``malformed``, named in a warning) and the chain is linked past it through
  the ids its bytes show; when its ``uuid`` cannot be read and the conversation runs through
  it, the fork is refused rather than silently starting after it;
* a ``tool_result`` whose ``tool_use`` is not kept, or a ``tool_use`` whose ``tool_result`` is
  not (its line was unreadable, or off the chain), goes; a line left empty goes too (counted,
  its children re-linked);
* one ``custom-title`` line and one ``ctxdash-origin`` provenance line are appended;
* the lines are checked as :func:`validate_fork` checks a file before anything is written; a
  fork that would not resume is refused.

``last=N`` drops the final N turns: the cut is the last message before the N-th last real user
prompt (``last=1`` removes the final prompt and all that followed it).
"""

from __future__ import annotations

import json
import shutil
import uuid as uuidlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from ctxdash.core.atomic import ActionError, copy_file, explain, write_bytes
from ctxdash.core.checkpoints.chain import Chain, ForkError, Rec, decode, find_cut, parse
from ctxdash.core.checkpoints.resumable import is_lower_uuid, resume_problems, validate_fork
from ctxdash.core.claude.discover import project_folders
from ctxdash.core.safepath import open_regular

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


def _encode(obj: Any) -> bytes:
    """Compact JSON; text msgspec cannot write (a lone surrogate) as ``\\uXXXX`` escapes."""
    try:
        return msgspec.json.encode(obj)
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode()


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
    #: What was lost that the user should know of (unreadable lines, unpaired tool calls).
    warnings: list[str] = msgspec.field(default_factory=list)


def _iso(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _new_id(new_id: str | None) -> str:
    if new_id is None:
        return str(uuidlib.uuid4())
    if not is_lower_uuid(new_id):
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
        if key not in obj or out.count(needle + _encode(obj[key])) != 1:
            return _encode(new)
        out = out.replace(needle + _encode(obj[key]), needle + _encode(value))
    return out if decode(out)[0] == new else _encode(new)


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
        _encode({"type": "custom-title", "customTitle": title, "sessionId": new_id}),
        _encode(provenance),
    ]


def _write(target: Path, lines: list[bytes]) -> None:
    try:
        write_bytes(target, b"\n".join(lines) + b"\n", exclusive=True)
    except ActionError as err:
        raise ForkError(str(err)) from err


class _Pairs(NamedTuple):
    """Tool calls and results of the kept lines that lost their other half."""

    #: New ``message.content`` of lines that keep other blocks.
    content: dict[int, list[Any]]
    #: Lines left with nothing (they go; their children are re-linked), with the reason.
    gone: dict[int, str]
    #: The tool calls answered in the fork.
    paired: set[str]


def _unpaired(chain: Chain, kept: set[int]) -> _Pairs:
    """A result whose call is not kept, a call whose result is not (a line of the pair was
    unreadable, or off the chain): the blocks go, and a line left empty goes too."""
    lines = [r for r in chain.main if r.pos in kept]
    uses = {u for r in lines for u in r.uses}
    results = {t for r in lines for t in r.results}
    pairs = _Pairs({}, {}, uses & results)
    for r in lines:
        lost = {u for u in r.uses if u not in results} | {t for t in r.results if t not in uses}
        if not lost:
            continue
        blocks = [b for b in r.obj["message"]["content"] if not _tool_block(b, lost)]
        if blocks:
            pairs.content[r.pos] = blocks
        else:
            pairs.gone[r.pos] = "unanswered-tool-use" if r.uses else "orphan-tool-result"
    return pairs


def _tool_block(block: Any, ids: set[str]) -> bool:
    """A ``tool_use`` or ``tool_result`` block of one of ``ids``."""
    if not isinstance(block, dict):
        return False
    kind = block.get("type")
    if kind == "tool_use":
        return _str_in(block.get("id"), ids)
    return kind == "tool_result" and _str_in(block.get("tool_use_id"), ids)


def _emit(
    recs: list[Rec],
    chain: Chain,
    kept: set[int],
    pairs: _Pairs,
    cut: Rec,
    new_id: str,
    replace: bool,
) -> tuple[list[bytes], dict[str, int], int]:
    """The fork's lines, the dropped lines by reason, the content-replacement lines kept."""
    lines: list[bytes] = []
    dropped: dict[str, int] = {}
    replacements = 0
    for r in recs:
        changes: dict[str, Any] = {}
        reason = None
        if r.problem:
            reason = "malformed"
        elif r.side:
            reason = "sidechain"
        elif r.conv and r.pos not in kept:
            reason = pairs.gone.get(r.pos) or ("after-cut" if r.pos > cut.pos else "off-chain")
        elif r.conv:
            if r.obj.get("parentUuid", ...) != (parent := chain.kept_parent(r, kept)):
                changes["parentUuid"] = parent
            if r.pos in pairs.content:
                changes["message"] = {**r.obj["message"], "content": pairs.content[r.pos]}
        elif r.type == "content-replacement" and replace and r.pos <= cut.pos:
            items = r.obj.get("replacements")
            listed = items if isinstance(items, list) else []
            mine = [
                x
                for x in listed
                if isinstance(x, dict) and _str_in(x.get("toolUseId"), pairs.paired)
            ]
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


def _folders(transcript: Path, recs: list[Rec], old_id: str) -> tuple[Path, Path]:
    """The project folder the fork goes into, and the original's persisted tool results."""
    cwd = next((r.obj["cwd"] for r in recs if r.conv and _text(r.obj.get("cwd"))), None)
    folder = session_folder(transcript, cwd)
    beside = folder == transcript.parent  # not a copy: its results are under its own name
    return folder, folder / (transcript.stem if beside else old_id) / "tool-results"


def session_folder(transcript: Path, cwd: str | None) -> Path:
    """The project folder a session made from ``transcript`` goes into.

    A transcript in a ``projects/<folder>/`` of Claude Code: that folder. A copy elsewhere (a
    snapshot, an archive): the project folder of the session's working directory ``cwd``,
    where ``claude --resume`` looks.

    Raises:
        ForkError: a copy that names no working directory, or whose Claude Code folder does
            not exist.
    """
    if transcript.parent.parent.name == "projects":
        return transcript.parent
    if not cwd:
        raise ForkError(
            f"{transcript}: not in a Claude Code projects folder, and it names no working "
            "directory to find one; copy it into the session's project folder and fork that"
        )
    folders = project_folders(cwd)
    folder = next((f for f in folders if f.is_dir()), folders[0])
    if not folder.parent.parent.is_dir():
        raise ForkError(
            f"{transcript} is a copy, and Claude Code's folder {folder.parent.parent}, where its "
            "session would go, does not exist"
        )
    return folder


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _unbroken(chain: Chain, recs: list[Rec], cut: Rec) -> None:
    """Refuse when the chain above the cut stops after a line that cannot be read.

    Such a line's own ``uuid`` may not be readable from its bytes, so its children cannot be
    linked past it: a fork would silently start there.
    """
    gap = chain.missing_above(cut)
    # Any unreadable line before the gap: one cut short can show the id of something nested
    # in it (a tool's input) instead of its own.
    unread = [r for r in recs if r.problem and gap and r.pos < gap[0].pos]
    if not unread:
        return
    line = unread[-1]
    lost = sum(1 for r in chain.main if r.message and r.pos < line.pos)
    raise ForkError(
        f"line {line.pos + 1} cannot be read ({line.problem}) and the conversation runs through "
        f"it: a fork would lose the {lost} earlier message(s). Fork at a message before it "
        "(--at UUID), or mend the line"
    )


def _warnings(recs: list[Rec], pairs: _Pairs) -> list[str]:
    """What the fork lost that the user should hear of, one sentence each."""
    out = []
    if unread := [r for r in recs if r.problem]:
        where = "; ".join(f"line {r.pos + 1}: {r.problem}" for r in unread[:3])
        more = f"; and {len(unread) - 3} more" if len(unread) > 3 else ""
        out.append(f"{len(unread)} unreadable line(s) left out ({where}{more})")
    if cut := len(pairs.gone) + len(pairs.content):
        out.append(
            f"{cut} line(s) lost tool calls or results whose other half is unreadable or not "
            f"kept ({len(pairs.gone)} of them left out)"
        )
    return out


def _str_in(value: Any, ids: set[str]) -> bool:
    """``value`` is one of ``ids`` (a list or an object from a transcript is none of them)."""
    return isinstance(value, str) and value in ids


def _result(
    new_id: str,
    target: Path,
    lines: list[bytes],
    source: dict[str, Any],
    dropped: dict[str, int],
    warnings: list[str] | None = None,
) -> ForkResult:
    return ForkResult(
        session_id=new_id,
        path=str(target),
        resume_command=f"claude --resume {new_id}",
        lines=len(lines),
        forked_from={k: (str(v) if v is not None else None) for k, v in source.items()},
        dropped=dropped,
        warnings=warnings or [],
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
    recs, _ = parse(_read(transcript))
    chain = Chain(recs)
    cut, kept = chain.settle(find_cut(chain, recs, at, last))
    pairs = _unpaired(chain, kept)
    kept -= pairs.gone.keys()
    cut = chain.last_kept_message(cut, kept)
    _unbroken(chain, recs, cut)
    old_id = transcript.stem
    if not is_lower_uuid(old_id.lower()):  # a copy: the session id its lines record
        recorded = (r.obj.get("sessionId") for r in recs)
        old_id = next((v for v in recorded if isinstance(v, str) and is_lower_uuid(v)), old_id)
    folder, results_dir = _folders(transcript, recs, old_id)
    target = folder / f"{new_id}.jsonl"
    if target.exists():
        raise ForkError(f"{target}: already exists (not overwritten)")
    replace = results_dir.is_dir()
    lines, dropped, replacements = _emit(recs, chain, kept, pairs, cut, new_id, replace)
    origin = {"sessionId": old_id, "transcript": str(transcript), "uuid": cut.uuid}
    name = title or f"Fork of {_title(recs) or old_id[:8]}"
    lines += _tail_lines(new_id, name, origin, now)
    if problems := resume_problems(b"\n".join(lines) + b"\n", new_id):
        raise ForkError(
            f"the fork would not resume ({'; '.join(problems[:3])}); nothing was written"
        )
    new_dir = folder / new_id
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
    return _result(new_id, target, lines, source, dropped, _warnings(recs, pairs))


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
    lines = [_encode(line), *_tail_lines(new_id, name, origin, now)]
    target = Path(project_dir) / f"{new_id}.jsonl"
    _write(target, lines)
    return _result(new_id, target, lines, source, {})
