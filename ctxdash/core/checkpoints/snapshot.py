"""Snapshots: freeze a session's state so it can be compared and recovered.

A snapshot is a folder under ``<data dir>/snapshots/<project>/<session id>/<UTC time>/``:

* ``snapshot.json``: the session-state structure (``session_id``, ``model``, ``created_at``,
  ``context_window`` with ``total``/``used``/``available``/``position_percent``) plus the whole
  budget and the work state a person needs to pick up again;
* ``transcript.jsonl`` and ``subagents/``: copies of the files as they were, so nothing is lost
  if Claude Code later compacts or rewrites them.

Folders are never reused or overwritten; every file is written atomically. A folder a killed
run left behind (temporary copies, no ``snapshot.json``) is removed by the next snapshot.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from ctxdash.core import jsonfile, paths
from ctxdash.core.atomic import (
    ActionError,
    copy_file,
    explain,
    unique_dir,
    within,
    write_bytes,
)
from ctxdash.core.budget import Budget
from ctxdash.core.checkpoints.workstate import WorkState
from ctxdash.core.safepath import component, open_regular

FORMAT = "ctxdash-snapshot/1"
REQUIRED = ("format", "session_id", "created_at", "context_window", "budget")
#: A snapshot folder without ``snapshot.json`` untouched this long was abandoned (a killed run).
STALE_SECONDS = 600
#: A ``snapshot.json`` is a few hundred KB; a file over this is none (and is not read whole).
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024


class ContextWindow(msgspec.Struct, kw_only=True):
    """Where the session stands in its budget: total, used, available, position (%).

    ``total`` is the budget the user plans to spend (200K by default, also on a 1M window),
    so ``available`` is what is left of it; ``window`` is the model's whole window.
    """

    total: int
    used: int
    available: int
    position_percent: float
    #: The model's window (0 in snapshots written before it was recorded).
    window: int = 0


class Snapshot(msgspec.Struct, kw_only=True):
    """What ``snapshot.json`` holds."""

    format: str
    session_id: str
    model: str | None
    created_at: str
    context_window: ContextWindow
    persistence: dict[str, Any]
    work_state: WorkState
    budget: Budget
    transcript_copy: str | None
    subagent_copies: list[str]
    source_transcript: str


class SnapshotInfo(msgspec.Struct, kw_only=True):
    """One line of ``ctxdash snapshots``."""

    path: str
    session_id: str
    created_at: str
    used: int
    window: int
    level: str


_DECODER = msgspec.json.Decoder(Snapshot)


def snapshots_root() -> Path:
    """Where snapshots live."""
    return paths.data_dir() / "snapshots"


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def take_snapshot(
    budget: Budget,
    work: WorkState,
    *,
    now: datetime | None = None,
    copy_files: bool = True,
) -> tuple[Path, Snapshot]:
    """Write a new snapshot folder; returns its ``snapshot.json`` and the content.

    Raises:
        ActionError: the transcript vanished, no permission, disk full (nothing half-written:
            the folder is removed again).
    """
    now = now or datetime.now(UTC)
    sweep_abandoned(snapshots_root())
    # The session id comes from the transcript: one safe name, checked to stay under the root.
    project = component(Path(budget.transcript).parent.name, "unknown-project")
    root = snapshots_root()
    parent = within(root / project / component(budget.session_id, "session"), root)
    folder = unique_dir(parent, _stamp(now))
    try:
        transcript_copy = None
        subagents: list[str] = []
        if copy_files:
            transcript_copy = str(copy_file(Path(budget.transcript), folder / "transcript.jsonl"))
            for sub in budget.subagents:
                if sub.path:
                    dest = folder / "subagents" / component(Path(sub.path).name, "agent.jsonl")
                    subagents.append(str(copy_file(Path(sub.path), dest)))
        snap = Snapshot(
            format=FORMAT,
            session_id=str(budget.session_id),
            model=budget.model,
            created_at=now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            context_window=ContextWindow(
                total=budget.budget,
                used=budget.used,
                available=budget.budget_left,
                position_percent=round(100 * budget.used / budget.budget, 1),
                window=budget.window,
            ),
            persistence={
                "auto_load_history": True,
                "context_preservation": "critical_only",
                "cache_enabled": True,
            },
            work_state=work,
            budget=budget,
            transcript_copy=transcript_copy,
            subagent_copies=subagents,
            source_transcript=budget.transcript,
        )
        target = write_bytes(folder / "snapshot.json", jsonfile.encode(snap), exclusive=True)
    except BaseException:
        _remove_tree(folder)
        raise
    return target, snap


def _remove_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def sweep_abandoned(root: Path, *, now: float | None = None) -> list[Path]:
    """Remove snapshot folders a killed run left without ``snapshot.json``; return them.

    Only folders nothing was written to for :data:`STALE_SECONDS` go: a snapshot being taken
    right now keeps touching its temporary copy.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        folders = [f for f in root.glob("*/*/*") if f.is_dir() and not f.is_symlink()]
    except OSError:
        return []
    for folder in folders:
        if (folder / "snapshot.json").exists():
            continue
        try:
            newest = max(p.lstat().st_mtime for p in [folder, *folder.rglob("*")])
        except OSError:
            continue
        if now - newest >= STALE_SECONDS:
            _remove_tree(folder)
            removed.append(folder)
    return removed


def load_snapshot(path: Path) -> Snapshot:
    """Read and validate a snapshot (a ``snapshot.json`` or its folder).

    Raises:
        ActionError: missing, unreadable, not a snapshot, or failing validation.
    """
    path = path / "snapshot.json" if path.is_dir() else path
    try:
        with open_regular(path) as fh:  # a FIFO or a device is refused, never waited on
            data = fh.read(MAX_SNAPSHOT_BYTES + 1)
    except ValueError as err:  # a NUL in the path
        raise ActionError(f"{path!r}: {err}") from err
    except OSError as err:
        raise ActionError(explain(err, path)) from err
    if len(data) > MAX_SNAPSHOT_BYTES:
        limit = MAX_SNAPSHOT_BYTES // (1024 * 1024)
        raise ActionError(f"{path}: over {limit} MB, not a ctxdash snapshot")
    try:
        snap = _DECODER.decode(data)
    except msgspec.ValidationError as err:
        raise ActionError(f"{path}: not a valid ctxdash snapshot ({err})") from err
    except msgspec.DecodeError as err:
        raise ActionError(f"{path}: not JSON ({err})") from err
    except RecursionError as err:
        raise ActionError(f"{path}: not a valid ctxdash snapshot (nested too deeply)") from err
    if snap.format != FORMAT:
        raise ActionError(f"{path}: unknown snapshot format {snap.format!r}")
    cw = snap.context_window
    # ``total`` is the budget (snapshots of earlier builds: the window).
    if cw.used != snap.budget.used or cw.total not in (snap.budget.budget, snap.budget.window):
        raise ActionError(f"{path}: inconsistent snapshot (context_window and budget differ)")
    return snap


def list_snapshots(session_id: str | None = None) -> list[SnapshotInfo]:
    """Every snapshot (of one session, if given), newest first."""
    root = snapshots_root()
    wanted = component(session_id, "") if session_id else ""
    pattern = f"*/{wanted}*/*/snapshot.json" if wanted else "*/*/*/snapshot.json"
    out = []
    for path in root.glob(pattern) if root.is_dir() else []:
        try:
            snap = load_snapshot(path)
        except ActionError:
            continue
        out.append(
            SnapshotInfo(
                path=str(path),
                session_id=snap.session_id,
                created_at=snap.created_at,
                used=snap.budget.used,
                window=snap.budget.window,
                level=snap.budget.level,
            )
        )
    out.sort(key=lambda s: s.created_at, reverse=True)
    return out


class CategoryDelta(msgspec.Struct, kw_only=True):
    """How one category changed between two snapshots."""

    name: str
    label: str
    before: int
    after: int
    delta: int


class SnapshotDiff(msgspec.Struct, kw_only=True):
    """``ctxdash diff A B``: what grew and by how much."""

    a: str
    b: str
    used_before: int
    used_after: int
    used_delta: int
    categories: list[CategoryDelta]
    new_compactions: int
    new_files: list[str]
    todos_done: list[str]


def diff_snapshots(
    a: Snapshot, b: Snapshot, *, a_path: str = "A", b_path: str = "B"
) -> SnapshotDiff:
    """Compare two snapshots category by category, largest change first."""
    before = {c.name: c for c in a.budget.categories}
    after = {c.name: c for c in b.budget.categories}
    rows = []
    for name in sorted(set(before) | set(after)):
        x = before[name].tokens if name in before else 0
        y = after[name].tokens if name in after else 0
        if x != y:
            label = (after.get(name) or before[name]).label
            rows.append(CategoryDelta(name=name, label=label, before=x, after=y, delta=y - x))
    rows.sort(key=lambda r: -abs(r.delta))
    files_a = {f.path for f in a.work_state.files}
    done_a = {t.content for t in a.work_state.todos if t.status == "completed"}
    return SnapshotDiff(
        a=a_path,
        b=b_path,
        used_before=a.budget.used,
        used_after=b.budget.used,
        used_delta=b.budget.used - a.budget.used,
        categories=rows,
        new_compactions=max(0, len(b.budget.compactions) - len(a.budget.compactions)),
        new_files=[f.path for f in b.work_state.files if f.path not in files_a],
        todos_done=[
            t.content
            for t in b.work_state.todos
            if t.status == "completed" and t.content not in done_a
        ],
    )
