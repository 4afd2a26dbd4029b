"""What ``claude --resume`` needs of a transcript: one session id, an unbroken chain, paired
tool calls. A fork is checked with it before it is written (and tests check forks with it).
"""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path

from ctxdash.core.atomic import explain
from ctxdash.core.checkpoints.chain import Rec, parse
from ctxdash.core.transcript.records import CONVERSATION_TYPES

__all__ = ["is_lower_uuid", "resume_problems", "validate_fork"]


def is_lower_uuid(value: str) -> bool:
    """``value`` is a UUID as Claude Code writes session ids (lowercase, with dashes)."""
    try:
        return str(uuidlib.UUID(value)) == value
    except ValueError:
        return False


def validate_fork(path: Path) -> list[str]:
    """Problems ``claude --resume`` would hit with this transcript (empty when fine)."""
    path = Path(path)
    problems: list[str] = []
    if path.suffix != ".jsonl" or not is_lower_uuid(path.stem):
        problems.append(f"{path.name}: the file name is not <lowercase uuid>.jsonl")
    try:
        data = path.read_bytes()
    except OSError as err:
        return [*problems, explain(err, path)]
    return problems + resume_problems(data, path.stem)


def resume_problems(data: bytes, session_id: str) -> list[str]:
    """Problems ``claude --resume`` would hit with a transcript holding ``data``."""
    problems: list[str] = []
    recs, bad = parse(data)
    if bad:
        problems.append(f"{bad} line(s) are not JSON objects")
        recs = [r for r in recs if r.problem is None]
    ids = sorted({str(r.obj["sessionId"]) for r in recs if "sessionId" in r.obj})
    if ids and ids != [session_id]:
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
