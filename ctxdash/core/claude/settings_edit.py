"""Safe, reversible edits of Claude Code's ``settings.json`` (hooks and status line).

Every edit is a :class:`Change` planned first (:func:`plan_install`, :func:`plan_uninstall`),
shown with :func:`render_diff`, then written by :func:`apply`: the old file is backed up, the new
text written atomically, and a manifest under ``state_dir()/installed/`` records exactly what
ctxdash added, so uninstall takes back only that — byte for byte when nobody touched the file.
A file that is not valid JSON (or not an object) is refused and never overwritten.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import hashlib
import json
import os
import re
import shlex
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctxdash.core import paths
from ctxdash.core.atomic import ActionError, explain, write_bytes

MANIFEST_VERSION = 1
#: what :func:`plan_uninstall` can take back
PARTS = ("hooks", "statusLine")
_NAMES = ("ctxdash", "ctxdash.exe")
_STATUSLINE_MODULES = ("ctxdash.integration.statusline", "ctxdash.statusline")
Json = dict[str, Any]


@dataclass(slots=True)
class Change:
    """A planned edit of one settings file; :func:`apply` writes it."""

    path: Path
    old_text: str | None  #: the file as read (None: it did not exist)
    new_text: str | None  #: what to write (None: remove the file)
    changed: bool
    summary: list[str] = field(default_factory=list)
    #: the manifest to store after writing; None removes it (uninstall).
    manifest: Json | None = None


def settings_path(scope: str, *, cwd: Path | None = None) -> Path:
    """The settings file of ``scope`` "user" (honours ``CLAUDE_CONFIG_DIR``) or "project"."""
    if scope == "user":
        roots = paths.claude_roots()
        return (roots[0] if roots else paths.home() / ".claude") / "settings.json"
    if scope == "project":
        return (cwd or Path.cwd()) / ".claude" / "settings.json"
    raise ValueError(f"unknown settings scope {scope!r} (use 'user' or 'project')")


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def is_ctxdash_command(command: object) -> bool:
    """True for ``ctxdash …``, ``/abs/path/ctxdash …``, ``python -m ctxdash …`` and the
    status line's ``python -m ctxdash.integration.statusline …`` /
    ``python -c '…ctxdash.integration.statusline…'`` (and ``ctxdash.statusline``, where the
    status line lived before 0.2, so that older installs are still recognised and removed)."""
    words = _words(command) if isinstance(command, str) else []
    names = [w.replace("\\", "/").rsplit("/", 1)[-1] for w in words[:3]]
    if names and names[0] in _NAMES:
        return True
    if len(names) < 3 or not names[0].startswith("python"):
        return False
    if names[1] == "-c":
        return any(f"from {m} import" in words[2] for m in _STATUSLINE_MODULES)
    return names[1] == "-m" and names[2] in ("ctxdash", *_STATUSLINE_MODULES)


def wrapped_command(command: str) -> str | None:
    """The command a ``ctxdash statusline --wrap CMD`` line wraps, if any."""
    words = _words(command)
    for i, word in enumerate(words):
        if word == "--wrap" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--wrap="):
            return word.removeprefix("--wrap=")
    return None


def manifest_path(path: Path) -> Path:
    """Where the install record for the settings file ``path`` lives."""
    key = hashlib.sha1(str(path.expanduser().resolve()).encode("utf-8")).hexdigest()
    return paths.state_dir() / "installed" / f"{key}.json"


def load_manifest(path: Path) -> Json | None:
    """The install record for ``path``, or None (missing or unreadable)."""
    try:
        data = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and isinstance(data.get("hooks"), dict)
    return data if ok and data.get("version") == MANIFEST_VERSION else None


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dump(obj: Json) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def _read_text(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ActionError(explain(err, path)) from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ActionError(f"{path}: not UTF-8 text; ctxdash left it untouched") from err


def _read(path: Path) -> tuple[str | None, Json]:
    """The file's text and parsed object (``{}`` when missing or blank)."""
    text = _read_text(path)
    if text is None or not text.strip():
        return text, {}
    try:
        obj = json.loads(text.removeprefix("\ufeff"))
        why = "" if isinstance(obj, dict) else f"top level is a {type(obj).__name__}, not an object"
    except json.JSONDecodeError as err:
        obj, why = {}, f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
    if why:
        raise ActionError(f"{path}: {why}; fix it by hand — ctxdash left it untouched")
    return text, obj


def _hooks_of(settings: Json, path: Path) -> Json | None:
    hooks = settings.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise ActionError(f'{path}: "hooks" is not an object; ctxdash left the file untouched')
    return hooks


def _entries(groups: object) -> set[tuple[str, str]]:
    """Every (matcher, command) in a list of matcher groups (bad shapes are skipped)."""
    found: set[tuple[str, str]] = set()
    for group in groups if isinstance(groups, list) else []:
        for hook in group.get("hooks", []) if isinstance(group, dict) else []:
            if isinstance(hook, dict) and isinstance(hook.get("command"), str):
                found.add((str(group.get("matcher") or ""), hook["command"]))
    return found


def _commands(groups: object) -> set[str]:
    return {command for _, command in _entries(groups)}


def plan_install(
    path: Path,
    *,
    hooks: dict[str, list[Json]],
    status_line: Json | None = None,
    wrap_existing_status_line: bool = True,
) -> Change:
    """Plan adding ``hooks`` (and ``status_line``) to ``path``; idempotent.

    Raises:
        ActionError: the file is not a JSON object, or a command is not ctxdash's.
    """
    old_text, settings = _read(path)
    prior = load_manifest(path) if old_text is not None else None
    manifest: Json = {"hooks": {}, "created_events": [], "created_hooks_key": False}
    manifest |= copy.deepcopy(prior or {})
    manifest |= {"version": MANIFEST_VERSION, "settings_path": str(path.expanduser().resolve())}
    manifest.setdefault("status_line", None)
    manifest.setdefault("status_line_previous", None)
    if prior is None:  # a byte-exact restore goes back to the state before the first edit
        manifest |= {"restorable": True, "original_exists": old_text is not None}
        manifest["original_text"] = old_text
    elif _sha(old_text) != prior.get("installed_sha256"):  # edited since: restore surgically
        manifest |= {"restorable": False, "original_exists": True, "original_text": None}
    summary: list[str] = []
    current = _hooks_of(settings, path)
    for event, groups in hooks.items():
        for command in _commands(groups):
            if not is_ctxdash_command(command):
                raise ActionError(f"refusing to install a hook that is not ctxdash's: {command!r}")
        existing = current.get(event) if current is not None else None
        if existing is not None and not isinstance(existing, list):
            raise ActionError(f'{path}: hooks "{event}" is not a list; ctxdash left it untouched')
        present = _entries(existing)
        for group in groups:
            key = str(group.get("matcher") or "")
            new = [h for h in group.get("hooks", []) if (key, h.get("command")) not in present]
            if not new:
                continue
            if current is None:
                current = settings["hooks"] = {}
                manifest["created_hooks_key"] = True
            if existing is None:
                existing = current[event] = []
                if event not in manifest["created_events"]:
                    manifest["created_events"].append(event)
            added = copy.deepcopy({**group, "hooks": new})
            existing.append(added)
            manifest["hooks"].setdefault(event, []).append(copy.deepcopy(added))
            present |= _entries([added])
            summary += [f"add {event} hook: {h['command']}" for h in new]
    if status_line is not None:
        _install_status_line(settings, manifest, status_line, wrap_existing_status_line, summary)
    new_text = _dump(settings) if summary else old_text
    manifest["installed_sha256"] = _sha(new_text)
    return Change(path, old_text, new_text, bool(summary), summary, manifest)


def _install_status_line(
    settings: Json, manifest: Json, wanted: Json, wrap: bool, summary: list[str]
) -> None:
    """Point ``statusLine`` at ctxdash, wrapping (and remembering) a previous command."""
    cur = settings.get("statusLine")
    cur_cmd = cur.get("command") if isinstance(cur, dict) else None
    inner: str | None = None
    if is_ctxdash_command(cur_cmd):
        inner = wrapped_command(str(cur_cmd))
        if manifest["status_line"] is None:  # ours, but not recorded: rebuild what it wrapped
            manifest["status_line_previous"] = _plain(inner)
    else:
        manifest["status_line_previous"] = copy.deepcopy(cur)
        if wrap and isinstance(cur_cmd, str) and cur_cmd.strip():
            inner = cur_cmd
    new = dict(wanted)
    if inner:
        new["command"] = f"{wanted['command']} --wrap {shlex.quote(inner)}"
    manifest["status_line"] = copy.deepcopy(new)
    if cur != new:
        settings["statusLine"] = new
        summary.append(f"set statusLine: {new['command']}")


def plan_uninstall(path: Path, *, parts: Collection[str] = PARTS) -> Change:
    """Plan removing what ctxdash added to ``path`` (byte-exact restore when untouched since).

    ``parts`` limits the removal to ``"hooks"`` or ``"statusLine"``; the rest stays recorded.
    """
    old_text, settings = _read(path)
    m = load_manifest(path)
    # The parts ctxdash actually installed: removing all of them is a full uninstall.
    installed = {"hooks"} if m and any(m.get("hooks", {}).values()) else set()
    if m and m.get("status_line") is not None:
        installed.add("statusLine")
    full = set(PARTS) <= set(parts) or (bool(installed) and installed <= set(parts))
    if old_text is None:
        return Change(path, None, None, False, ["nothing to remove: the file does not exist"])
    intact = m is not None and _sha(old_text) == m.get("installed_sha256")
    if full and m and intact and m.get("restorable"):
        new_text = m.get("original_text") if m.get("original_exists") else None
        note = "restore the file as it was before" if new_text is not None else "remove the file"
        return Change(path, old_text, new_text, new_text != old_text, [f"{note} (ctxdash's)"])
    summary = [] if m else ["no install record: removing entries recognised as ctxdash's"]
    removed = False
    hooks = (_hooks_of(settings, path) if "hooks" in parts else None) or {}
    for event in list(hooks):
        targets = _commands(m["hooks"].get(event)) if m else None
        groups = hooks[event]
        if (targets is not None and not targets) or not isinstance(groups, list):
            continue
        before = len(summary)
        kept: list[Any] = []
        for group in groups:
            subs = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(subs, list):
                kept.append(group)
                continue
            keep = [h for h in subs if not _ours(h, targets)]
            summary += [f"remove {event} hook: {h['command']}" for h in subs if _ours(h, targets)]
            if keep:
                kept.append(group if len(keep) == len(subs) else {**group, "hooks": keep})
        if len(summary) > before:
            removed = True
            hooks[event] = kept
            if not kept and (m is None or event in m.get("created_events", [])):
                del hooks[event]
    if hooks == {} and removed and (m is None or m.get("created_hooks_key")):
        del settings["hooks"]
    cur = settings.get("statusLine")
    cur_cmd = cur.get("command") if isinstance(cur, dict) else None
    mine = m is None or m.get("status_line") is not None
    if "statusLine" in parts and is_ctxdash_command(cur_cmd) and mine:
        inner = wrapped_command(str(cur_cmd))
        prev = m.get("status_line_previous") if m else _plain(inner)
        if prev is None:
            del settings["statusLine"]
        else:
            settings["statusLine"] = prev
        removed = True
        summary.append("restore the previous statusLine" if prev else "remove statusLine")
    rest = _remaining(m, parts) if m and not full else None
    if not removed:
        summary = summary or ["nothing of ctxdash's found"]
        return Change(path, old_text, old_text, False, summary, None if full else m)
    created = m is not None and not m.get("original_exists", True)
    new_text = None if created and not settings else _dump(settings)
    if rest is not None:  # still restorable later: this file is again exactly ctxdash's output
        restorable = intact and bool(m and m.get("restorable"))
        rest |= {"installed_sha256": _sha(new_text), "restorable": restorable}
    return Change(path, old_text, new_text, True, summary, rest)


def _remaining(m: Json, parts: Collection[str]) -> Json | None:
    """The manifest after removing ``parts``; None when nothing of ctxdash's is left."""
    rest = copy.deepcopy(m)
    if "hooks" in parts:
        rest["hooks"] = {}
    if "statusLine" in parts:
        rest |= {"status_line": None, "status_line_previous": None}
    return rest if rest["hooks"] or rest.get("status_line") else None


def _plain(command: str | None) -> Json | None:
    return {"type": "command", "command": command} if command else None


def _ours(hook: object, targets: set[str] | None) -> bool:
    cmd = hook.get("command") if isinstance(hook, dict) else None
    return is_ctxdash_command(cmd) and (targets is None or cmd in targets)


#: Backups the older versions of ctxdash left, one per write (now: one per file).
_OLD_BACKUP = re.compile(r"\.ctxdash-backup-\d{8}T\d{6}Z(-\d+)?$")


def backup_path(target: Path) -> Path:
    """The one backup of a settings file: ``<name>.ctxdash-backup`` beside it."""
    return target.with_name(f"{target.name}.ctxdash-backup")


def _backup(target: Path, data: bytes) -> Path:
    """Keep one backup per file: the file as it was before ctxdash's latest write."""
    path = write_bytes(backup_path(target), data)
    with contextlib.suppress(OSError):
        for old in target.parent.glob(f"{target.name}.ctxdash-backup-*"):
            if _OLD_BACKUP.search(old.name) and old.is_file():
                old.unlink()
    return path


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _restore(path: Path, data: bytes | None) -> None:
    """Put a small file back as it was (``None``: it did not exist)."""
    with contextlib.suppress(OSError, ActionError):
        if data is None:
            path.unlink(missing_ok=True)
        else:
            write_bytes(path, data)


def apply(change: Change) -> Path | None:
    """Write ``change`` (backing up the old file first); return the backup path, if any.

    Raises:
        ActionError: the file changed since the plan, or a write failed.
    """
    path = change.path
    target = path.resolve() if path.is_symlink() else path  # keep a dotfiles symlink intact

    def unchanged() -> None:
        # Claude Code may write its settings at any time: checked again just before the rename.
        if _read_text(target) != change.old_text:
            raise ActionError(
                f"{path}: changed since the plan was made; nothing written, try again"
            )

    unchanged()
    record = manifest_path(path)
    backup: Path | None = None
    if change.changed:
        if change.old_text is not None:
            backup = _backup(target, change.old_text.encode("utf-8"))
        old_record = _read_bytes(record)
        if change.manifest is not None:  # record first: a failed write below is still undone
            write_bytes(record, _dump(change.manifest).encode("utf-8"))
        mode: int | None = None
        try:
            if change.new_text is None:
                unchanged()
                try:
                    target.unlink()
                except OSError as err:
                    raise ActionError(explain(err, target)) from err
            else:
                mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
                write_bytes(target, change.new_text.encode("utf-8"), check=unchanged)
        except ActionError:
            _restore(record, old_record)  # the settings were not changed: nor is the record
            raise
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(target, mode)
    if change.manifest is None:
        record.unlink(missing_ok=True)
    return backup


def render_diff(change: Change) -> str:
    """A unified diff of the old and new text (``a/settings.json`` → ``b/settings.json``)."""
    lines = difflib.unified_diff(
        (change.old_text or "").splitlines(keepends=True),
        (change.new_text or "").splitlines(keepends=True),
        "a/settings.json",
        "b/settings.json",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def status(path: Path) -> Json:
    """What of ctxdash is installed in ``path`` and whether the install record matches."""
    m = load_manifest(path)
    info: Json = {"path": str(path), "exists": path.exists(), "error": None, "hooks": {}}
    info |= {"status_line": None, "wraps": None, "installed": False, "manifest_matches": False}
    info["manifest"] = str(manifest_path(path)) if m else None
    try:
        text, settings = _read(path)
        hooks = _hooks_of(settings, path) or {}
    except ActionError as err:
        info["error"] = str(err)
        return info
    for event, groups in hooks.items():
        ours = sorted(c for c in _commands(groups) if is_ctxdash_command(c))
        if ours:
            info["hooks"][event] = ours
    sl = settings.get("statusLine")
    cmd = sl.get("command") if isinstance(sl, dict) else None
    if is_ctxdash_command(cmd):
        info["status_line"] = cmd
        info["wraps"] = wrapped_command(str(cmd))
    info["manifest_matches"] = bool(m and text and _sha(text) == m.get("installed_sha256"))
    info["installed"] = bool(info["hooks"] or info["status_line"])
    return info
