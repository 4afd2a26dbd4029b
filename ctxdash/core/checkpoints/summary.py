"""A compressed, extractive markdown summary of a session, to take right before ``/clear``.

Deterministic and offline (no model call): :func:`build_summary` lays out a
:class:`~ctxdash.core.checkpoints.workstate.WorkState` as markdown sections and keeps items by
priority until the token budget (``ratio`` × the current context, 0.3 by default, at most
``max_tokens``) is used. Every item carries a ``[msg:<uuid prefix>]`` pointer back to its
transcript line; :func:`archive_transcript` keeps a copy of the full transcript so the
pointers stay valid.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from ctxdash.core.atomic import ActionError, copy_file, explain, within, write_text
from ctxdash.core.checkpoints.workstate import ErrorItem, Pointer, WorkState
from ctxdash.core.exchange import summaries_dir
from ctxdash.core.plain import clean
from ctxdash.core.safepath import component

#: Section titles, in the order they appear.
SECTIONS = (
    "Goal",
    "Latest asks",
    "Where we are",
    "Next step",
    "Decisions and conclusions",
    "Errors",
    "Files",
    "Commands",
    "Open todos",
    "Sources",
)


class Summary(msgspec.Struct, kw_only=True):
    """The summary and how it fits its budget."""

    markdown: str
    tokens: int
    source_tokens: int
    ratio: float
    budget: int
    dropped: list[str] = []

    @property
    def over_budget(self) -> bool:
        """True when even the title and the latest ask exceed the budget."""
        return self.tokens > self.budget


@dataclass(slots=True)
class _Item:
    """One bullet (or block) of a section; ``pos`` orders it inside its section."""

    section: str
    text: str
    label: str
    pos: int = 0


def pointer(p: Pointer | None) -> str:
    """`` [msg:1a2b3c4d]`` for a pointer with a uuid, else ""."""
    return f" [msg:{p.uuid[:8]}]" if p is not None and p.uuid else ""


def _code(text: str) -> str:
    """``text`` as an inline code span (doubled backticks when it holds one)."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _bullet(text: str, p: Pointer | None = None) -> str:
    """A list item; continuation lines are indented so they stay in the item."""
    lines = text.strip().splitlines() or [""]
    body = "\n".join([lines[0], *("  " + ln if ln.strip() else "" for ln in lines[1:])])
    return f"- {body}{pointer(p)}\n"


def _short(text: str, n: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _rel(path: str, cwd: str | None) -> str:
    if cwd and path.startswith(cwd.rstrip("/\\") + "/"):
        return path[len(cwd.rstrip("/\\")) + 1 :]
    return path


def _first_line(text: str, n: int = 200) -> str:
    lines = text.strip().splitlines() or [""]
    first = lines[0] if len(lines[0]) <= n else lines[0][: n - 1] + "…"
    return first + (" …" if len(lines) > 1 and not first.endswith("…") else "")


def _items(
    state: WorkState, *, session_id: str, transcript: Path, archive: Path | None
) -> tuple[_Item, list[_Item]]:
    """The latest ask (always kept) and the other items in priority order."""
    asks = state.latest_asks
    latest = asks[-1] if asks else None
    if latest is not None:
        first = _Item("Latest asks", _bullet(f"**(latest)** {latest.text}", latest), "", 99)
    else:
        first = _Item("Latest asks", "- (no prompt found)\n", "")
    out: list[_Item] = []
    goal = state.goal
    if goal is not None and (latest is None or goal.uuid != latest.uuid):
        out.append(_Item("Goal", _bullet(goal.text, goal), f"goal: {_short(goal.text)}"))
    archived = f"archived copy {_code(str(archive))}" if archive else "not archived"
    out.append(
        _Item(
            "Sources",
            _bullet(f"Session {_code(session_id)}, transcript {_code(str(transcript))}")
            + _bullet(f"Full transcript: {archived}")
            + _bullet("`[msg:xxxxxxxx]` = first 8 characters of the message uuid"),
            "sources",
        )
    )
    todos, open_todos = state.todos, state.open_todos
    doing_ptr = state.last_text
    if any(t.status == "in_progress" and state.doing in (t.active_form, t.content) for t in todos):
        doing_ptr = state.todos_pointer
    if state.doing:
        out.append(_Item("Where we are", _bullet(f"Doing: {state.doing}", doing_ptr), "doing", 0))
    if state.next_step:
        out.append(_Item("Next step", _bullet(state.next_step, state.last_text), "next step"))
    if todos:
        done = len(todos) - len(open_todos)
        line = f"Todos: {done} of {len(todos)} done, {len(open_todos)} open"
        out.append(_Item("Where we are", _bullet(line, state.todos_pointer), "todo status", 1))
    order = sorted(range(len(open_todos)), key=lambda i: open_todos[i].status != "in_progress")
    for i in order:
        t = open_todos[i]
        mark = " *(in progress)*" if t.status == "in_progress" else ""
        text = f"- [ ] {_short(t.content, 300)}{mark}\n"
        out.append(_Item("Open todos", text, f"todo: {_short(t.content)}", i))
    errors = list(enumerate(state.errors))
    for i, e in reversed(errors):
        if not e.resolved:
            out.append(_Item("Errors", _error(e, state.cwd), f"error: {_short(e.message)}", i))
    for i, f in reversed(list(enumerate(state.files))):
        what = "created" if f.created else "edited"
        text = _bullet(f"{what} {_code(_rel(f.path, state.cwd))}: {f.summary}", f.pointer)
        out.append(_Item("Files", text, f"file: {f.path}", i))
    for i, d in reversed(list(enumerate(state.decisions))):
        label = f"decision: {_short(d.text)}"
        out.append(_Item("Decisions and conclusions", _bullet(d.text, d), label, i))
    runs: dict[tuple[str, bool | None], list[int]] = {}
    for i, c in enumerate(state.commands):  # identical runs with the same outcome: one line
        runs.setdefault((c.command, c.failed), []).append(i)
    for (command, failed), idx in sorted(runs.items(), key=lambda kv: -kv[1][-1]):
        outcome = "no result" if failed is None else "FAILED" if failed else "ok"
        times = f" ×{len(idx)}" if len(idx) > 1 else ""
        text = _bullet(
            f"{outcome}{times}: {_code(_first_line(command))}", state.commands[idx[-1]].pointer
        )
        out.append(_Item("Commands", text, f"command: {_short(command)}", idx[-1]))
    for i, e in reversed(errors):
        if e.resolved:
            out.append(_Item("Errors", _error(e, state.cwd), f"error: {_short(e.message)}", i))
    for i, a in reversed(list(enumerate(asks[:-1]))):
        if goal is None or a.uuid != goal.uuid:
            out.append(_Item("Latest asks", _bullet(a.text, a), f"ask: {_short(a.text)}", i))
    return first, out


def _error(e: ErrorItem, cwd: str | None) -> str:
    status = "resolved" if e.resolved else "**unresolved**"
    target = f" {_code(_first_line(_rel(e.target, cwd), 120))}" if e.target else ""
    return _bullet(f"{status}, {e.tool}{target}: {e.message}", e.pointer)


def _title(state: WorkState, session_id: str, now: datetime) -> str:
    when = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = []
    if state.cwd:
        facts.append(f"cwd {_code(state.cwd)}")
    if state.git_branch:
        facts.append(f"branch {_code(state.git_branch)}")
    if state.compactions:
        facts.append(f"{state.compactions} compaction(s)")
    head = f"# Session {session_id} · {state.model or 'unknown model'} · {when}\n"
    return head + (f"\n{' · '.join(facts)}\n" if facts else "")


def _render(title: str, items: list[_Item]) -> str:
    parts = [title]
    for section in SECTIONS:
        chosen = sorted((it for it in items if it.section == section), key=lambda it: it.pos)
        if chosen:
            parts.append(f"\n## {section}\n\n" + "".join(it.text for it in chosen))
    # Read in terminals, pasted into sessions: no escape sequences or control characters.
    return clean("".join(parts))


def build_summary(
    state: WorkState,
    *,
    session_id: str,
    transcript: Path,
    archive: Path | None,
    source_tokens: int,
    ratio: float = 0.3,
    max_tokens: int = 15_000,
    count: Callable[[str], int],
    now: datetime | None = None,
) -> Summary:
    """Lay out ``state`` as markdown within ``min(ratio × source_tokens, max_tokens)`` tokens.

    Items are added by priority (goal, sources, doing, next step, open todos, unresolved
    errors, files, decisions, commands, resolved errors, older asks) until the next one would
    not fit; the title and the latest ask are always kept, even over budget. ``now`` only
    stamps the title (pass it for reproducible output).
    """
    budget = max(0, min(int(ratio * source_tokens), max_tokens))
    title = _title(state, session_id, now or datetime.now(UTC))
    first, candidates = _items(state, session_id=session_id, transcript=transcript, archive=archive)
    chosen = [first]
    used = count(_render(title, chosen))
    opened = {first.section}
    dropped: list[str] = []
    for k, item in enumerate(candidates):
        header = 0 if item.section in opened else count(f"\n## {item.section}\n\n")
        cost = header + count(item.text)
        if used + cost > budget:
            dropped = [it.label for it in candidates[k:]]
            break
        chosen.append(item)
        opened.add(item.section)
        used += cost
    markdown = _render(title, chosen)
    tokens = count(markdown)
    while tokens > budget and len(chosen) > 1:  # piecewise counts can under-estimate a little
        dropped.insert(0, chosen.pop().label)
        markdown = _render(title, chosen)
        tokens = count(markdown)
    return Summary(
        markdown=markdown,
        tokens=tokens,
        source_tokens=source_tokens,
        ratio=round(tokens / source_tokens, 4) if source_tokens else 0.0,
        budget=budget,
        dropped=dropped,
    )


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _new_file(folder: Path, stem: str, suffix: str, write: Callable[[Path], Path]) -> Path:
    """Write to ``folder/stem{suffix}``, or ``stem-2{suffix}`` … when taken; never overwrite."""
    for n in range(1, 1_000):
        target = folder / f"{stem if n == 1 else f'{stem}-{n}'}{suffix}"
        if target.exists():
            continue
        try:
            return write(target)
        except ActionError:
            if target.exists():
                continue  # appeared meanwhile
            raise
    raise ActionError(f"{folder}: too many files named {stem}")


def write_summary(
    summary: Summary,
    *,
    out: Path | None,
    data_dir: Path,
    session_id: str,
    project: str,
    now: datetime | None = None,
) -> Path:
    """Write the markdown atomically to ``out`` (never replacing it) or under the data dir.

    The default path is ``<data_dir>/summaries/<project>/<session_id>-<UTC time>.md``.

    Raises:
        ActionError: ``out`` exists, or the folder cannot be written.
    """
    if out is not None:
        return write_text(out, summary.markdown, exclusive=True)
    folder = within(summaries_dir(data_dir, project), data_dir)
    stem = f"{component(session_id, 'session')}-{_stamp(now)}"
    return _new_file(folder, stem, ".md", lambda p: write_text(p, summary.markdown, exclusive=True))


def archive_transcript(
    transcript: Path, data_dir: Path, project: str, session_id: str, *, now: datetime | None = None
) -> Path:
    """Copy the transcript to ``<data_dir>/archives/<project>/<session_id>-<hash>.jsonl``.

    The name carries a hash of the bytes copied, so summaries of the same transcript state
    share one copy; a grown transcript gets a new one. The transcript is read once: it is
    hashed while it is copied. ``now`` is kept for callers' sake.

    Raises:
        ActionError: the transcript vanished or the copy cannot be written.
    """
    del now
    folder = within(data_dir / "archives" / component(project, "unknown-project"), data_dir)
    stem = component(session_id, "session")
    digest = hashlib.sha256()
    copied = copy_file(
        transcript, folder / f".{stem}-{os.getpid()}-{time.time_ns()}.copy", digest=digest
    )
    target = folder / f"{stem}-{digest.hexdigest()[:16]}.jsonl"
    try:
        if not target.is_file():
            os.replace(copied, target)
    except OSError as err:
        raise ActionError(explain(err, target)) from err
    finally:
        copied.unlink(missing_ok=True)
    return target
