"""Discover every memory file Claude Code loads for a session.

The list comes back in context order: managed policy, user, the project walk from the
filesystem root down to the launch directory, auto memory, then sub-directory ``CLAUDE.md``
files. Each ``@import`` follows its importer. Every file carries a *tier* (how it is
loaded): 1 always loaded, 2 loaded by the current work, 3 related (``paths:`` rules),
4 on demand. Filesystem errors become warnings; nothing here raises for them.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

from ctxdash.core.claude.memory_text import (
    count_lines,
    has_paths,
    import_tokens,
    split_frontmatter,
    strip_block_comments,
    truncate_auto_memory,
)
from ctxdash.core.safepath import usable_dir

MAX_FILE_BYTES = 4 * 1024 * 1024
LINE_BUDGET = 500
NESTED_MAX_DEPTH = 3
NESTED_MAX_DIRS = 2_000
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__"})

#: The sentence Claude Code puts before the memory files it loads at start (one message).
LEAD_IN = (
    "Codebase and user instructions are shown below. Be sure to adhere to these instructions. "
    "IMPORTANT: These instructions OVERRIDE any default behavior and you MUST follow them "
    "exactly as written."
)
#: What Claude Code says of each kind of file in the line before its content.
_KIND_NOTE = {
    "project": " (project instructions, checked into the codebase)",
    "local": " (user's private project instructions, not checked in)",
    "auto-memory": " (user's auto-memory, persists across conversations)",
    "managed": " (organization-managed policy instructions)",
    "user": " (user's private global instructions for all projects)",
    "nested": "",  # sent on its own when a file below it is read: no note
}


def injected_text(path: str, kind: str, body: str) -> str:
    """A memory file as Claude Code sends it: a line naming the file, then its content."""
    return f"Contents of {path}{_KIND_NOTE.get(kind, '')}:\n\n{body.strip()}"


_TRAILING_PUNCT = ".,;:!?)]}'\""


class MemoryFile(msgspec.Struct, frozen=True, kw_only=True):
    """One memory file and what it costs.

    Attributes:
        path: Absolute path.
        scope: ``managed``, ``user``, ``project``, ``local``, ``rules``, ``auto-memory``,
            ``nested`` or ``import``.
        tier: 1 always loaded; 2 loaded by the current work; 3 related (rules with
            ``paths:`` frontmatter); 4 on demand (sub-directory files not loaded yet).
        loaded: Whether its tokens are in the context now.
        tokens: Tokens of the injected content: the line naming the file and its content
            (comments stripped, MEMORY.md truncated). The first file loaded at start also
            carries the sentence that leads the files in (:data:`LEAD_IN`).
        lines: Lines in the file on disk.
        bytes: Size of the file on disk.
        imported_by: Path of the file that ``@imported`` it.
        depth: Import hops from the root file.
        warnings: Problems worth showing, e.g. ``"1,204 lines (over 500)"``.
    """

    path: str
    scope: str
    tier: int
    loaded: bool
    tokens: int
    lines: int
    bytes: int
    imported_by: str | None = None
    depth: int = 0
    warnings: tuple[str, ...] = ()


# --- project directory names: Claude Code's encoding of the cwd ------------------------------


def _utf16_units(text: str) -> list[int]:
    raw = text.encode("utf-16-le", "surrogatepass")
    return [raw[i] | raw[i + 1] << 8 for i in range(0, len(raw), 2)]


def _java_hash(text: str) -> int:
    h = 0
    for unit in _utf16_units(text):
        h = (h * 31 + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def project_key(path: str) -> str:
    """Claude Code's encoding of a directory into a ``projects/`` folder name.

    Args:
        path: The directory. It is resolved with ``realpath`` only when it exists.

    Returns:
        Every UTF-16 unit outside ``[A-Za-z0-9]`` replaced by ``-``; names over 200
        characters are cut to 200 and suffixed with ``-`` + base36 of the Java string hash.
    """
    if os.path.exists(path):
        path = os.path.realpath(path)
    path = unicodedata.normalize("NFC", path)
    name = "".join(
        chr(u) if 48 <= u <= 57 or 65 <= u <= 90 or 97 <= u <= 122 else "-"
        for u in _utf16_units(path)
    )
    return name if len(name) <= 200 else f"{name[:200]}-{_base36(abs(_java_hash(path)))}"


# --- text processing -------------------------------------------------------------------------


# --- filesystem helpers ----------------------------------------------------------------------


def _real(path: str | Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):  # a NUL in a path taken from a transcript
        return os.fspath(path)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _read(path: Path, warnings: list[str]) -> tuple[str | None, int]:
    """The file's text (``None`` when skipped or unreadable) and its size."""
    size = 0
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            warnings.append("skipped: over 4 MiB")
            return None, size
        raw = path.read_bytes()
    except OSError as exc:
        warnings.append(f"unreadable: {exc.strerror or exc}")
        return None, size
    try:
        return raw.decode("utf-8"), len(raw)
    except UnicodeDecodeError:
        warnings.append("not valid UTF-8 (decoded with replacements)")
        return raw.decode("utf-8", "replace"), len(raw)


def default_managed_dir() -> Path:
    """The managed-policy folder for this platform."""
    if sys.platform == "darwin":
        return Path("/Library/Application Support/ClaudeCode")
    if sys.platform == "win32":
        return Path(r"C:\Program Files\ClaudeCode")
    return Path("/etc/claude-code")


def _rule_files(rules_dir: Path) -> list[Path]:
    """Every ``*.md`` under a rules folder, sorted, following symlinks without looping."""
    found: list[Path] = []
    seen: set[str] = set()
    for root, dirs, files in os.walk(rules_dir, followlinks=True):
        if _real(root) in seen:
            dirs[:] = []
            continue
        seen.add(_real(root))
        dirs.sort()
        found.extend(Path(root, f) for f in sorted(files) if f.endswith(".md"))
    return found


def _git_roots(start: Path) -> tuple[Path | None, Path | None]:
    """The working-tree root holding ``start`` and the main checkout's root (worktrees)."""
    for directory in (start, *start.parents):
        dot_git = directory / ".git"
        try:
            if dot_git.is_dir():
                return directory, directory
            if not dot_git.is_file():
                continue
            text = dot_git.read_text("utf-8", "replace").strip()
        except OSError:
            continue
        if not text.startswith("gitdir:"):
            return directory, directory
        git_dir = (directory / text[len("gitdir:") :].strip()).resolve()
        try:
            common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
        except OSError:
            return directory, directory
        return directory, common.parent if common.name == ".git" else directory
    return None, None


def _walk_subdirs(cwd: Path) -> Iterable[Path]:
    """Sub-directories of ``cwd`` (depth-first, sorted), bounded in depth and count."""
    budget = NESTED_MAX_DIRS
    stack: list[tuple[Path, int]] = [(cwd, 0)]
    while stack and budget > 0:
        directory, depth = stack.pop()
        if depth:
            budget -= 1
            yield directory
        if depth >= NESTED_MAX_DEPTH:
            continue
        try:
            with os.scandir(directory) as entries:
                names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
        names = [n for n in names if not n.startswith(".") and n not in _SKIP_DIRS]
        stack.extend((directory / n, depth + 1) for n in reversed(names))


# --- discovery -------------------------------------------------------------------------------


class _Collector:
    """Reads files, follows imports and keeps each real path once."""

    def __init__(self, count: Callable[[str], int], home: Path, max_hops: int) -> None:
        self.count = count
        self.home = home
        self.max_hops = max_hops
        self.seen: set[str] = set()
        self.files: list[MemoryFile] = []

    def add(
        self,
        path: Path,
        scope: str,
        tier: int,
        loaded: bool,
        *,
        kind: str | None = None,
        rule: bool = False,
        auto_memory: bool = False,
        parent: str | None = None,
        stack: tuple[str, ...] = (),
    ) -> None:
        """List ``path`` (if it is a file not listed yet), then everything it imports.

        ``kind`` is the scope Claude Code names the file by (``project``, ``user``…): its
        ``scope`` unless it is a rule or an import, which take the kind of their folder or of
        the file importing them.
        """
        kind = kind or scope
        key = _real(path)
        if key in self.seen or not _is_file(path):
            return
        self.seen.add(key)
        path, depth, warnings = Path(os.path.abspath(path)), len(stack), []
        if depth > self.max_hops:
            warnings.append(f"not loaded: import depth {depth} is over {self.max_hops} hops")
            loaded = False
        text, size = _read(path, warnings)
        body = text or ""
        if rule:
            frontmatter, body = split_frontmatter(body)
            if has_paths(frontmatter) and tier == 1:
                tier, loaded = 3, False
        if auto_memory:
            body, note = truncate_auto_memory(body)
            if note:
                warnings.append(note)
        body = strip_block_comments(body)
        lines = count_lines(text or "")
        if lines > LINE_BUDGET:
            warnings.append(f"{lines:,} lines (over {LINE_BUDGET})")
        children: list[Path] = []
        if text is not None and depth <= self.max_hops:  # deeper files import nothing
            children = self._resolve_imports(path, body, (*stack, key), warnings)
        self.files.append(MemoryFile(
            path=str(path), scope=scope, tier=tier, loaded=loaded and text is not None,
            tokens=self.count(injected_text(str(path), kind, body)) if text is not None else 0,
            lines=lines, bytes=size,
            imported_by=parent, depth=depth, warnings=tuple(warnings),
        ))  # fmt: skip
        for child in children:  # a file reached twice is listed once, at its first place
            self.add(
                child, "import", tier, loaded, kind=kind, parent=str(path), stack=(*stack, key)
            )

    def _resolve_imports(
        self, path: Path, body: str, stack: tuple[str, ...], warnings: list[str]
    ) -> list[Path]:
        """Files ``body`` imports that are still to list; warn about missing ones and cycles."""
        children: list[Path] = []
        for token in import_tokens(body):
            target = self._locate(path.parent, token)
            if target is None:
                if "/" in token or "." in token.strip(_TRAILING_PUNCT) or token[0] == "~":
                    warnings.append(f"missing import: @{token.rstrip(_TRAILING_PUNCT)}")
                continue
            key = _real(target)
            if key in stack:
                names = [os.path.basename(p) for p in stack[stack.index(key) :]]
                warnings.append("import cycle: " + " -> ".join([*names, names[0]]))
            elif key not in self.seen and target not in children:
                children.append(target)
        return children

    def _locate(self, base: Path, token: str) -> Path | None:
        """The file an import token names, trying it without trailing punctuation too."""
        for candidate in dict.fromkeys((token, token.rstrip(_TRAILING_PUNCT))):
            if candidate == "~" or candidate.startswith("~/"):
                target = self.home / candidate[2:]
            else:
                target = base / candidate
            if candidate and _is_file(target):
                return Path(os.path.abspath(target))
        return None


def _launch_dir(cwd: str | Path) -> Path:
    text = unicodedata.normalize("NFC", os.fspath(cwd))
    return Path(os.path.realpath(text) if os.path.exists(text) else os.path.abspath(text))


def _project_dirs(cwd: Path) -> list[Path]:
    """Directories of the project walk, root first, minus main-checkout parents of a worktree."""
    dirs = [*reversed(cwd.parents), cwd]
    top, main = _git_roots(cwd)
    if top is None or main is None or top == main or not top.is_relative_to(main):
        return dirs
    return [d for d in dirs if not (d in top.parents and d.is_relative_to(main))]


def auto_memory_path(cwd: str | Path, claude_root: Path) -> Path:
    """Where the auto-memory ``MEMORY.md`` of the project holding ``cwd`` lives."""
    launch = _launch_dir(cwd)
    root = _git_roots(launch)[1] or launch
    return claude_root / "projects" / project_key(str(root)) / "memory" / "MEMORY.md"


def discover_memory(
    cwd: str | Path,
    *,
    count: Callable[[str], int],
    claude_root: Path,
    home: Path | None = None,
    managed_dir: Path | None = None,
    nested_loaded: Iterable[str] = (),
    max_import_hops: int = 4,
) -> list[MemoryFile]:
    """Every memory file Claude Code loads (or could load) for a session launched in ``cwd``.

    Args:
        cwd: The session's launch directory.
        count: Token counter for a piece of text.
        claude_root: Claude Code's configuration root (``~/.claude``).
        home: Home folder for ``~`` in imports; defaults to ``Path.home()``.
        managed_dir: Managed-policy folder; defaults to the platform's.
        nested_loaded: Absolute paths of files reported by ``nested_memory`` attachments.
        max_import_hops: How many ``@import`` hops Claude Code follows.

    Returns:
        The files in context order, then sub-directory files: those loaded this session
        (tier 2) first, then the ones not loaded yet (tier 4).
    """
    launch = _launch_dir(cwd)
    managed = managed_dir if managed_dir is not None else default_managed_dir()
    nested_loaded = tuple(nested_loaded)
    loaded_now = {_real(p) for p in nested_loaded}
    out = _Collector(count, home if home is not None else Path.home(), max_import_hops)

    def add_rules(rules_dir: Path, kind: str) -> None:  # a `paths:` rule read now is tier 2
        for rule in _rule_files(rules_dir):
            tier = 2 if _real(rule) in loaded_now else 1
            out.add(rule, "rules", tier, True, kind=kind, rule=True)

    out.add(managed / "CLAUDE.md", "managed", 1, True)
    add_rules(managed / ".claude" / "rules", "managed")
    out.add(claude_root / "CLAUDE.md", "user", 1, True)
    add_rules(claude_root / "rules", "user")
    # A working directory with a NUL (or a relative one) from a transcript names no project.
    usable = usable_dir(os.fspath(cwd))
    for directory in _project_dirs(launch) if usable else []:
        out.add(directory / "CLAUDE.md", "project", 1, True)
        out.add(directory / ".claude" / "CLAUDE.md", "project", 1, True)
        add_rules(directory / ".claude" / "rules", "project")
        out.add(directory / "CLAUDE.local.md", "local", 1, True)
    if usable:
        out.add(auto_memory_path(launch, claude_root), "auto-memory", 1, True, auto_memory=True)

    for path in nested_loaded:  # in the order the session loaded them
        out.add(Path(path), "nested", 2, True)
    for directory in _walk_subdirs(launch) if usable else []:
        out.add(directory / "CLAUDE.md", "nested", 4, False)
        out.add(directory / "CLAUDE.local.md", "nested", 4, False)
    return _with_lead_in(out.files, count)


def _with_lead_in(files: list[MemoryFile], count: Callable[[str], int]) -> list[MemoryFile]:
    """The files, the first one loaded at start carrying the lead-in sentence's tokens.

    (Where Claude Code records what it sends, the first file's row holds that sentence too.)
    """
    for i, file in enumerate(files):
        if file.loaded and file.tier == 1:
            lead = count(LEAD_IN + "\n\n")
            files[i] = msgspec.structs.replace(file, tokens=file.tokens + lead)
            break
    return files


def memory_signature(files: Iterable[MemoryFile]) -> tuple[tuple[str, int, int], ...]:
    """A cheap fingerprint (path, mtime_ns, size) of discovered files, to detect edits."""
    signature: list[tuple[str, int, int]] = []
    for file in files:
        try:
            st = os.stat(file.path)
            signature.append((file.path, st.st_mtime_ns, st.st_size))
        except OSError:
            signature.append((file.path, -1, -1))
    return tuple(signature)


def memory_paths_to_watch(
    cwd: str | Path,
    claude_root: Path,
    *,
    managed_dir: Path | None = None,
    files: Iterable[MemoryFile] = (),
) -> list[Path]:
    """Existing directories where a memory file can appear or change.

    Watch each one non-recursively; pass ``files`` (from :func:`discover_memory`) to add
    the folders of imports and of rules in sub-folders.

    Args:
        cwd: The session's launch directory.
        claude_root: Claude Code's configuration root.
        managed_dir: Managed-policy folder; defaults to the platform's.
        files: Already discovered files.

    Returns:
        Unique existing directories, in a stable order.
    """
    launch = _launch_dir(cwd)
    managed = managed_dir if managed_dir is not None else default_managed_dir()
    candidates = [managed, managed / ".claude" / "rules", claude_root, claude_root / "rules"]
    for directory in _project_dirs(launch) if usable_dir(os.fspath(cwd)) else []:
        candidates += [directory, directory / ".claude", directory / ".claude" / "rules"]
    if usable_dir(os.fspath(cwd)):
        candidates.append(auto_memory_path(launch, claude_root).parent)
    candidates += [Path(f.path).parent for f in files]
    result: list[Path] = []
    for path in dict.fromkeys(candidates):
        try:
            if path.is_dir():
                result.append(path)
        except OSError:
            continue
    return result
