"""Paths built from untrusted data, and files opened without ever blocking.

* :func:`component` turns a session id, a project name or an agent id read from a transcript
  (or a hook payload) into one harmless file-name component: no separators, no ``..``, no
  control characters, bounded length.
* :func:`inside` checks that a path stays under the folder it was built for (``..`` and
  symbolic links resolved) before anything is written there.
* :func:`open_regular` opens a file for reading only if it is a regular file, without ever
  blocking (a FIFO or a device among transcripts must not hang a hook or the status line).

The status line imports this module: it imports nothing costly (no ``re``, no ``pathlib``).
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # not from typing: importing it costs the status line milliseconds
if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO

#: Longest component ctxdash builds (file systems allow 255 bytes; suffixes are added later).
MAX_COMPONENT = 120
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+=-")


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a folder where a file was expected."""

    def __init__(self, path: Path | str, kind: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", str(path))


class PathEscape(ValueError):
    """A path built from untrusted data would leave the folder it was meant for."""


def component(value: object, fallback: str = "unknown") -> str:
    """One safe file-name component made from untrusted ``value``.

    Characters other than letters, digits and ``. _ @ + = -`` become ``_``; leading dots are
    dropped (no ``..``, no hidden files); an over-long value is cut and given a short hash so
    two long values stay distinct. Empty or unusable values give ``fallback``.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    safe = "".join(c if c in _SAFE else "_" for c in text[:4096]).lstrip(".")
    if len(text) > MAX_COMPONENT:
        import hashlib

        digest = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=6).hexdigest()
        safe = f"{safe[: MAX_COMPONENT - 13]}-{digest}"
    return safe or fallback


def is_inside(path: Path | str, root: Path | str, *, resolve: bool = True) -> bool:
    """Whether ``path`` is ``root`` or below it.

    With ``resolve`` symbolic links are followed (a file handed over by someone else); without
    it only ``..`` and absolute parts are resolved (a path ctxdash is about to create).
    """

    def norm(p: Path | str) -> str:
        text = os.fspath(p)
        return os.path.realpath(text) if resolve else os.path.normpath(os.path.abspath(text))

    try:
        real = norm(path)
        base = norm(root)
    except (OSError, ValueError, TypeError):
        return False
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def inside(path: Path, root: Path) -> Path:
    """``path`` itself if it stays under ``root`` (``..`` and absolute parts resolved).

    Raises:
        PathEscape: it would land elsewhere.
    """
    if not is_inside(path, root, resolve=False):
        raise PathEscape(f"{path}: outside {root}, refused")
    return path


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a plain file"


def is_regular(path: Path | str) -> bool:
    """Whether ``path`` is a regular file (symbolic links followed); never raises."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def open_regular(path: Path | str) -> BinaryIO:
    """Open ``path`` for binary reading if, and only if, it is a regular file.

    The open itself never blocks (``O_NONBLOCK``: a FIFO without a writer would otherwise wait
    for ever); the type is checked on the open descriptor, so a swap after a check cannot fool
    it.

    Raises:
        NotRegularFile: a FIFO, device, socket or folder.
        OSError: missing, no permission, a symbolic-link loop, a name too long.
        ValueError: a NUL character in the path.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, _kind(mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def usable_dir(text: object) -> bool:
    """Whether a working directory read from a transcript can name a folder at all.

    A path with a NUL character, a relative path or an absurdly long one names nothing on
    disk: lookups based on it (memory files, settings) are skipped instead of failing.
    """
    return (
        isinstance(text, str)
        and 0 < len(text) < 4096
        and "\x00" not in text
        and os.path.isabs(text)
    )
