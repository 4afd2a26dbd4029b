"""Find Claude Code transcripts: the session a user means, every session, subagent files.

Sessions live in ``<root>/projects/<project-dir-name>/<session-id>.jsonl``; subagents inline
(``isSidechain`` lines), in ``agent-<id>.jsonl`` beside the session (2.0.28–2.1.1), or in
``<session-id>/subagents/**/agent-<id>.jsonl`` (2.1.2 and later).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import msgspec

from ctxdash.core import paths
from ctxdash.core.claude.memory import project_key
from ctxdash.core.safepath import is_regular, open_regular
from ctxdash.core.transcript.records import KNOWN_TYPES, Line, decode_line

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


#: Longest session argument (id, prefix or path) worth looking up.
MAX_ARGUMENT = 4096


class SessionNotFound(Exception):
    """The session the user named does not exist; the message says where ctxdash looked."""


class NoSessionYet(SessionNotFound):
    """This project has no session yet; ``folders`` are where Claude Code will write one."""

    def __init__(self, message: str, folders: list[Path]) -> None:
        super().__init__(message)
        self.folders = folders


class NotATranscript(SessionNotFound):
    """The file the user named is not a Claude Code transcript (empty, binary, plain text)."""


#: What ``--resume`` leaves in a project folder: files that are no session to show.
EMPTY = "an empty file; Claude Code leaves one when a session is resumed"
TITLES_ONLY = "only title lines, no conversation; Claude Code 1.0.x leaves one on --resume"
LEFTOVERS = frozenset({EMPTY, TITLES_ONLY})
#: Records that only name a session.
TITLE_TYPES = frozenset({"summary", "custom-title", "ai-title"})
#: How much of a file's head is read to tell a transcript from anything else.
HEAD_BYTES = 1024 * 1024


def transcript_problem(path: Path) -> str | None:
    """Why ``path`` is not a Claude Code transcript, or ``None`` when it looks like one.

    A transcript is JSON Lines whose lines carry a ``type`` Claude Code writes; one such line
    in the first megabyte is enough (the rest may be damaged: those lines are skipped and
    counted later). A first line longer than that is given the benefit of the doubt when it
    starts like a JSON object with a ``type``.
    """
    try:
        with open_regular(path) as fh:
            head = fh.read(HEAD_BYTES)
    except (OSError, ValueError):
        return None  # reading it fails later, with the reason
    if not head.strip():
        return EMPTY
    lines = head.split(b"\n")
    complete = lines[:-1] if len(head) == HEAD_BYTES else lines
    titles = False
    for raw in complete:
        rec = decode_line(raw) if raw.strip() else None
        if isinstance(rec, Line) and rec.type in KNOWN_TYPES:
            if rec.type not in TITLE_TYPES:
                return None  # one record of a session settles it
            titles = True
    if titles:
        return TITLES_ONLY if len(head) < HEAD_BYTES else None
    if not complete and head.lstrip().startswith(b"{") and b'"type"' in head:
        return None
    if b"\x00" in head:
        return "a binary file"
    return "no line in it is a Claude Code record"


class SubagentFile(msgspec.Struct, kw_only=True):
    """A subagent transcript and how Claude Code laid it out."""

    path: str
    agent_id: str
    layout: str  # "flat" (2.0.28–2.1.1) or "nested" (2.1.2+)
    agent_type: str | None = None
    description: str | None = None


def project_dirs(roots: list[Path] | None = None) -> Iterator[Path]:
    """Every ``projects/*`` folder under the Claude roots."""
    for root in roots or paths.claude_roots():
        try:
            entries = list(os.scandir(root / "projects"))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield Path(entry.path)


def main_transcripts(project: Path) -> list[os.DirEntry[str]]:
    """Main session files of one project folder (not ``agent-*.jsonl``)."""
    try:
        entries = list(os.scandir(project))
    except OSError:
        return []
    # One entry that cannot be inspected (a loop of symbolic links) must not hide the rest.
    return [
        e
        for e in entries
        if e.name.endswith(".jsonl") and not e.name.startswith("agent-") and _is_file(e)
    ]


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def all_transcripts(roots: list[Path] | None = None) -> list[tuple[Path, os.stat_result]]:
    """Every main transcript with its stat, newest first."""
    found = []
    for project in project_dirs(roots):
        for entry in main_transcripts(project):
            try:
                found.append((Path(entry.path), entry.stat()))
            except OSError:
                continue
    found.sort(key=lambda item: item[1].st_mtime, reverse=True)
    return found


def _first_line(path: Path, limit: int = 65536) -> Line | None:
    try:
        with open_regular(path) as fh:
            head = fh.read(limit)
    except (OSError, ValueError):
        return None
    for raw in head.split(b"\n")[:20]:
        rec = decode_line(raw)
        if isinstance(rec, Line) and rec.type in ("user", "assistant", "system", "attachment"):
            return rec
    return None


def cwd_of(path: Path, limit: int = 16384) -> str | None:
    """The working directory recorded in a transcript's first lines (without parsing it)."""
    try:
        with open_regular(path) as fh:
            head = fh.read(limit)
    except (OSError, ValueError):
        return None
    for raw in head.split(b"\n"):
        if b'"cwd"' in raw:
            rec = decode_line(raw)
            if isinstance(rec, Line) and rec.cwd:
                return rec.cwd
    return None


def is_sidechain_file(path: Path) -> bool:
    """The resume picker hides files whose first conversation line is a sidechain."""
    first = _first_line(path)
    return bool(first and first.isSidechain)


def project_dir_for(cwd: str | Path, roots: list[Path] | None = None) -> Path | None:
    """The project folder of a working directory, or of its nearest parent that has one."""
    if os.environ.get("CLAUDE_CODE_PROJECT_DIR_NAME") and os.environ.get("CLAUDE_CONFIG_DIR"):
        for root in roots or paths.claude_roots():
            candidate = root / "projects" / os.environ["CLAUDE_CODE_PROJECT_DIR_NAME"]
            if candidate.is_dir():
                return candidate
    here = Path(os.path.abspath(cwd))
    for directory in [here, *here.parents]:
        key = project_key(str(directory))
        for root in roots or paths.claude_roots():
            candidate = root / "projects" / key
            if candidate.is_dir() and main_transcripts(candidate):
                return candidate
    return None


def newest_session(project: Path) -> Path | None:
    """The most recently written main session of a project folder."""
    entries = sorted(main_transcripts(project), key=lambda e: e.stat().st_mtime, reverse=True)
    for entry in entries:
        path = Path(entry.path)
        if not is_sidechain_file(path):
            return path
    return None


def resolve_session(
    session: str | None,
    *,
    cwd: str | Path | None = None,
    roots: list[Path] | None = None,
    anywhere: bool = True,
) -> Path:
    """Turn what the user typed (id, id prefix, path, nothing) into a transcript path.

    Nothing typed means this directory's project (or a parent's); with ``anywhere`` the
    newest session of any project when this one has none.

    Raises:
        SessionNotFound: with a message that says where ctxdash looked (``NoSessionYet``
            when ``anywhere`` is off and the project has no session).
    """
    roots = roots or paths.claude_roots()
    where = ", ".join(str(r / "projects") for r in roots)
    if session and (len(session) > MAX_ARGUMENT or "\x00" in session):
        raise SessionNotFound(f"not a session id or path ({len(session):,} characters)")
    if session:
        found = _named_session(session, roots, where)
        problem = transcript_problem(found)
        if problem:
            raise NotATranscript(f"{found}: not a Claude Code transcript ({problem})")
        return found
    here = project_dir_for(cwd or os.getcwd(), roots)
    if here is not None:
        newest = newest_session(here)
        if newest is not None:
            return newest
    if not anywhere:
        folders = project_folders(cwd or os.getcwd(), roots)
        raise NoSessionYet(
            f"no session of {os.path.abspath(cwd or os.getcwd())} yet; "
            f"waiting for Claude Code to write one in {folders[0]}",
            folders,
        )
    for path, _ in all_transcripts(roots):
        if not is_sidechain_file(path):
            return path
    raise SessionNotFound(f"no Claude Code sessions found in {where}")


def project_folders(cwd: str | Path, roots: list[Path] | None = None) -> list[Path]:
    """Where Claude Code writes the sessions of ``cwd``: one folder per Claude root."""
    key = project_key(os.path.abspath(cwd))
    return [root / "projects" / key for root in roots or paths.claude_roots()]


def first_session(folders: list[Path]) -> Path | None:
    """The newest main transcript in ``folders`` with a line Claude Code writes, if any."""
    for folder in folders:
        entries = []
        for entry in main_transcripts(folder):
            with contextlib.suppress(OSError):
                entries.append((entry.stat().st_mtime, entry))
        entries.sort(key=lambda pair: pair[0], reverse=True)
        for _, entry in entries:
            path = Path(entry.path)
            if transcript_problem(path) is None and not is_sidechain_file(path):
                return path
    return None


def _named_session(session: str, roots: list[Path], where: str) -> Path:
    """The transcript a path, a session id or an id prefix names."""
    candidate = Path(session).expanduser()
    try:
        named_file = candidate.suffix == ".jsonl" or os.sep in session or candidate.exists()
        if named_file and candidate.is_file():
            # Absolute: actions file their output under the project folder the path names.
            return Path(os.path.abspath(candidate))
    except OSError as err:  # a name too long, a loop of symbolic links
        raise SessionNotFound(f"{session[:80]}: {err.strerror or err}") from None
    if named_file:
        raise SessionNotFound(f"no transcript at {candidate}")
    matches = []
    for project in project_dirs(roots):
        exact = project / f"{session}.jsonl"
        if exact.is_file():
            return exact
        matches += [Path(e.path) for e in main_transcripts(project) if e.name.startswith(session)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SessionNotFound(f"'{session}' matches {len(matches)} sessions; give more of it")
    raise SessionNotFound(f"no session '{session}' in {where}")


def _subagent(path: Path, layout: str) -> SubagentFile:
    """A subagent file with what its ``.meta.json`` sidecar says (2.1.70+), if anything."""
    kind = desc = None
    meta = path.with_name(path.name.removesuffix(".jsonl") + ".meta.json")
    try:
        with open_regular(meta) as fh:
            data = msgspec.json.decode(fh.read(1024 * 1024))
    except (OSError, ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        kind = data.get("agentType") if isinstance(data.get("agentType"), str) else None
        desc = data.get("description") if isinstance(data.get("description"), str) else None
    return SubagentFile(
        path=str(path),
        agent_id=path.stem.removeprefix("agent-"),
        layout=layout,
        agent_type=kind,
        description=desc,
    )


#: The prompt of the sidechains Claude Code 2.0.x starts on its own at every process start to
#: warm its prompt cache: not subagents the session ran.
WARMUP_PROMPT = b'"Warmup"'


def is_warmup(first: Line | None) -> bool:
    """Whether a subagent file is one of Claude Code's cache warm-up sidechains."""
    msg = first.message if first is not None else None
    return (
        msg is not None
        and first is not None
        and first.type == "user"
        and (bytes(msg.content).strip() == WARMUP_PROMPT)
    )


def subagent_files(transcript: Path, session_id: str | None) -> list[SubagentFile]:
    """Subagent transcripts of a main session, in both file layouts (no warm-ups)."""
    sid = session_id or transcript.stem
    nested = transcript.parent / sid / "subagents"
    # Only regular files: a FIFO or a device link among them would block every reader.
    try:
        nested_files = sorted(p for p in nested.rglob("agent-*.jsonl") if is_regular(p))
    except OSError:
        nested_files = []
    found = [_subagent(p, "nested") for p in nested_files if not is_warmup(_first_line(p))]
    try:
        flat = sorted(p for p in transcript.parent.glob("agent-*.jsonl") if is_regular(p))
    except OSError:
        flat = []
    for path in flat:
        first = _first_line(path)
        if first is not None and first.sessionId == sid and not is_warmup(first):
            found.append(_subagent(path, "flat"))
    return found
