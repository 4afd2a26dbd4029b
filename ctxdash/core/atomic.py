"""Write files so that nothing is ever half-written or overwritten by accident.

Every write goes through here: a new private (0600) temporary file in the target folder,
filled (and synced, for what a user keeps), then renamed into place (atomic on POSIX and
Windows). :func:`replace_bytes` is the light form for state and cache files (the status line
imports this module: it imports nothing costly, no ``tempfile``, ``shutil``, ``pathlib`` or
``typing``); :func:`write_bytes` is the form for actions: ``exclusive=True`` refuses to replace
an existing file, and errors become :class:`ActionError` with a sentence a user can act on.
"""

from __future__ import annotations

import errno
import os

from ctxdash.core.safepath import PathEscape, inside, open_regular

TYPE_CHECKING = False  # not from typing: importing it costs the status line milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Protocol

    class Digest(Protocol):
        """What :func:`copy_file` needs of a ``hashlib`` object."""

        def update(self, data: bytes, /) -> None: ...


_NEW = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class ActionError(Exception):
    """An action failed; the message says why in one sentence. Nothing was left behind."""


def within(path: Path, root: Path) -> Path:
    """``path`` if it stays under ``root`` (a folder built from transcript data).

    Raises:
        ActionError: it would land outside ``root``.
    """
    try:
        return inside(path, root)
    except PathEscape as err:
        raise ActionError(str(err)) from None


def explain(err: OSError, path: Path) -> str:
    """A one-line reason for an OS error on ``path``."""
    if err.errno == errno.ENOSPC:
        return f"{path}: the disk is full"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"{path}: permission denied"
    if err.errno == errno.ENOENT:
        return f"{path}: not found (vanished?)"
    if err.errno == errno.EISDIR:
        return f"{path}: is a folder, not a file"
    if err.errno == errno.EROFS:
        return f"{path}: read-only file system"
    if err.errno == errno.ELOOP:
        return f"{path}: a loop of symbolic links"
    if err.errno == errno.ENAMETOOLONG:
        return f"{str(path)[:60]}…: name too long"
    return f"{path}: {err.strerror or err}"


def _temp(path: str) -> tuple[int, str]:
    """A new private (0600) temporary file beside ``path``: its descriptor and name.

    Raises:
        OSError: the folder cannot be written.
    """
    folder, name = os.path.split(path)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(tmp, _NEW, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", folder)


def _fill(fd: int, data: bytes, sync: bool) -> None:
    """Write ``data`` to a new file's descriptor and close it (flushed to disk if ``sync``)."""
    with open(fd, "wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())


def _discard(tmp: str) -> None:
    """Remove a temporary file that was not renamed into place (if it is still there)."""
    try:  # noqa: SIM105 - contextlib would cost the status line an import
        os.unlink(tmp)
    except OSError:
        pass


def replace_bytes(path: str | os.PathLike[str], data: bytes, *, sync: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, replacing it; the file is private (0600).

    The light form, for state and cache files: the folder is created (0700) if missing,
    nothing is synced unless ``sync``.

    Raises:
        OSError: the folder cannot be created or written, the disk is full.
    """
    target = os.fspath(path)
    os.makedirs(os.path.dirname(target) or ".", mode=0o700, exist_ok=True)
    fd, tmp = _temp(target)
    try:
        _fill(fd, data, sync)
        os.replace(tmp, target)
    finally:
        _discard(tmp)


def write_bytes(
    path: Path,
    data: bytes,
    *,
    exclusive: bool = False,
    sync: bool = True,
    check: Callable[[], None] | None = None,
) -> Path:
    """Write ``data`` to ``path`` atomically (the new file is private: 0600).

    Args:
        exclusive: fail if ``path`` exists (checked again at the final link, not only before).
        sync: flush to disk before the rename (off for small, disposable state files).
        check: called just before the rename; raising :class:`ActionError` there abandons
            the write (a file someone else may change: re-read it at the last moment).

    Raises:
        ActionError: the folder cannot be created or written, the disk is full, ``check``
            refused, or (with ``exclusive``) the file exists.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ActionError(explain(err, path.parent)) from err
    if exclusive and path.exists():
        raise ActionError(f"{path}: already exists (not overwritten)")
    try:
        fd, tmp = _temp(str(path))
    except OSError as err:  # a read-only folder, a full disk
        raise ActionError(explain(err, path.parent)) from err
    try:
        _fill(fd, data, sync)
        if check is not None:
            check()
        if exclusive:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile
            except FileExistsError as err:
                raise ActionError(f"{path}: already exists (not overwritten)") from err
            except OSError:
                if path.exists():
                    raise ActionError(f"{path}: already exists (not overwritten)") from None
                os.replace(tmp, path)  # file systems without hard links
        else:
            os.replace(tmp, path)
    except OSError as err:
        raise ActionError(explain(err, path)) from err
    finally:
        _discard(tmp)
    return path


def write_text(path: Path, text: str, *, exclusive: bool = False) -> Path:
    """:func:`write_bytes` for UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"), exclusive=exclusive)


def copy_file(src: Path, dest: Path, *, digest: Digest | None = None) -> Path:
    """Copy ``src`` to a new file ``dest`` atomically (never replacing ``dest``).

    The copy is taken from the bytes as they are now; ``src`` is only read, once: a ``hashlib``
    object given as ``digest`` is updated with the bytes copied.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ActionError(explain(err, dest.parent)) from err
    if dest.exists():
        raise ActionError(f"{dest}: already exists (not overwritten)")
    try:
        fd, tmp = _temp(str(dest))
    except OSError as err:
        raise ActionError(explain(err, dest.parent)) from err
    try:
        with open(fd, "wb") as fh, open_regular(src) as source:
            while chunk := source.read(1024 * 1024):
                if digest is not None:
                    digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except OSError as err:
        raise ActionError(explain(err, src if not src.exists() else dest)) from err
    finally:
        _discard(tmp)
    return dest


def unique_dir(parent: Path, stem: str) -> Path:
    """A new folder ``parent/stem`` (``stem-2``, ``stem-3`` … if taken); never reuses one."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ActionError(explain(err, parent)) from err
    for n in range(1, 10_000):
        candidate = parent / (stem if n == 1 else f"{stem}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
        except OSError as err:
            raise ActionError(explain(err, candidate)) from err
    raise ActionError(f"{parent}: too many folders named {stem}")
