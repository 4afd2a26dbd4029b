"""The multi-agent handoff package, validated before it is written.

It carries the handoff id, the agents, the session context (id, model, position, tokens
available), the task context (phase, completed steps, next step) and recovery information
(last checkpoint, tokens reserved, whether a fork is possible).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from ctxdash.core import jsonfile, paths
from ctxdash.core.atomic import within, write_bytes
from ctxdash.core.budget import Budget
from ctxdash.core.checkpoints.workstate import WorkState
from ctxdash.core.safepath import component

#: Hand over only with at least this many tokens available (else compress first).
MIN_AVAILABLE = 30_000


class Handoff(msgspec.Struct, kw_only=True):
    """The handoff package, plus the validation result."""

    handoff_id: str
    created_at: str
    from_agent: str
    to_agent: str
    session_context: dict[str, Any]
    task_context: dict[str, Any]
    recovery_info: dict[str, Any]
    valid: bool
    warnings: list[str]


def build_handoff(
    budget: Budget,
    work: WorkState,
    *,
    to_agent: str,
    from_agent: str = "claude-code",
    last_checkpoint: str | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Assemble and validate a handoff package for a session."""
    now = now or datetime.now(UTC)
    available = budget.budget_left  # of the budget (200K by default), not of a 1M window
    completed = [t.content for t in work.todos if t.status == "completed"]
    open_todos = [t.content for t in work.todos if t.status != "completed"]
    warnings = []
    if available < MIN_AVAILABLE:
        warnings.append(
            f"only {available:,} tokens available (< {MIN_AVAILABLE:,}): "
            "summarize first (ctxdash summary), then hand over from the fresh session"
        )
    return Handoff(
        handoff_id=str(uuid.uuid4()),
        created_at=now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        from_agent=from_agent,
        to_agent=to_agent,
        session_context={
            "session_id": budget.session_id,
            "model": budget.model,
            "context_position": round(100 * budget.used / budget.budget, 1),
            "available_tokens": available,
            "budget": budget.budget,
            "window": budget.window,
            "user_language": None,
        },
        task_context={
            "spec_id": None,
            "goal": work.goal.text if work.goal else None,
            "current_phase": work.doing,
            "completed_steps": completed,
            "open_steps": open_todos,
            "next_step": work.next_step or (open_todos[0] if open_todos else None),
            "files": [f.path for f in work.files],
        },
        recovery_info={
            "last_checkpoint": last_checkpoint,
            "recovery_tokens_reserved": budget.reserve,
            "session_fork_available": True,
            "transcript": budget.transcript,
        },
        valid=not warnings,
        warnings=warnings,
    )


def write_handoff(handoff: Handoff, project: str) -> str:
    """Write the package under the data dir; returns its path."""
    stamp = handoff.created_at.replace(":", "").replace("-", "")
    root = paths.data_dir() / "handoffs"
    name = component(f"{stamp}-{handoff.handoff_id[:8]}.json", "handoff.json")
    target = within(root / component(project, "unknown-project") / name, root)
    write_bytes(target, msgspec.json.format(jsonfile.encode(handoff)), exclusive=True)
    return str(target)
