"""``ctxdash statusline``: a status-line command for Claude Code (FORMATS.md §9).

Claude Code runs it with a JSON payload on stdin after each assistant message and drops it if
it is slow, so it imports almost nothing: the size comes from the payload's ``current_usage``
(exact), the window from ``context_window_size``; the largest category comes from the small
summary the last ``ctxdash status`` or dashboard refresh left behind. It records the payload's
window and model id (which carries ``[1m]``) for the engine. It never prints a traceback: on
any problem it prints what it can and exits 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

WARN, CRITICAL = 0.75, 0.9  # of the window: 150K and 180K of 200K
COLOURS = {"ok": "32", "warn": "33", "critical": "1;31"}
WORDS = {"ok": "OK", "warn": "WARN", "critical": "CRIT"}


def _state_dir() -> str:
    """ctxdash's state folder, without importing platformdirs on Linux (speed)."""
    override = os.environ.get("CTXDASH_STATE_DIR")
    if override:
        return os.path.expanduser(override)
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_STATE_HOME", "").strip()
        if not base or not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), ".local", "state")
        return os.path.join(base, "ctxdash")
    from ctxdash.core import paths

    return str(paths.state_dir())


def record(payload: dict) -> None:  # type: ignore[type-arg]
    """Remember the true window and model id of a session (read by ``ctxdash.core.feed``)."""
    sid = payload.get("session_id")
    if not isinstance(sid, str) or not sid or "/" in sid or sid.startswith("."):
        return
    data = {
        "session_id": sid,
        "transcript_path": payload.get("transcript_path"),
        "model_id": (payload.get("model") or {}).get("id"),
        "context_window_size": (payload.get("context_window") or {}).get("context_window_size"),
        "version": payload.get("version"),
    }
    folder = os.path.join(_state_dir(), "statusline")
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{sid}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data))
    os.replace(tmp, os.path.join(folder, f"{sid}.json"))


def _compact(n: float) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".rstrip("0").rstrip(".") + "K"
    return str(int(n))


def _used(payload: dict) -> int | None:
    cw = payload.get("context_window") or {}
    usage = cw.get("current_usage")
    if isinstance(usage, dict):
        return sum(
            int(usage.get(k) or 0)
            for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
    return None


def _window(payload: dict) -> int:
    cw = payload.get("context_window") or {}
    size = cw.get("context_window_size")
    if isinstance(size, int) and size > 0:
        return size
    model = (payload.get("model") or {}).get("id") or ""
    return 1_000_000 if "[1m]" in str(model).lower() else 200_000


def _summary(session_id: str | None) -> dict:
    if not session_id:
        return {}
    try:
        with open(os.path.join(_state_dir(), "budgets", f"{session_id}.json"), "rb") as fh:
            data = json.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def render(payload: dict, colour: bool = True) -> str:
    """One compact line: used / window, level, biggest category, tokens to auto-compact."""
    window = _window(payload)
    summary = _summary(payload.get("session_id"))
    used = _used(payload)
    approx = ""
    if used is None:
        used, approx = summary.get("used"), "≈"
    if not isinstance(used, int):
        return "ctx —"
    level = "critical" if used >= CRITICAL * window else "warn" if used >= WARN * window else "ok"
    word = WORDS[level]
    head = f"ctx {approx}{_compact(used)}/{_compact(window)} {100 * used / window:.0f}% {word}"
    if colour:
        head = f"\x1b[{COLOURS[level]}m{head}\x1b[0m"
    parts = [head]
    biggest = summary.get("biggest")
    if isinstance(biggest, list) and len(biggest) == 2:
        parts.append(f"{biggest[0]} {_compact(biggest[1])}")
    at = summary.get("autocompact_at")
    if isinstance(at, int) and summary.get("window") == window:
        parts.append(f"compact≈{_compact(max(0, at - used))}")
    return " · ".join(parts)


def run(argv_wrap: str | None, stdin: bytes) -> str:
    """Build the status line for a payload; never raises."""
    try:
        payload = json.loads(stdin or b"{}")
        if not isinstance(payload, dict):
            payload = {}
    except ValueError:
        payload = {}
    with contextlib.suppress(OSError):
        record(payload)
    colour = not os.environ.get("NO_COLOR")
    ours = render(payload, colour)
    if not argv_wrap:
        return ours
    import subprocess

    try:
        other = (
            subprocess.run(
                argv_wrap, shell=True, input=stdin, capture_output=True, timeout=5, check=False
            )
            .stdout.decode("utf-8", "replace")
            .rstrip("\n")
        )
    except (OSError, subprocess.SubprocessError):
        other = ""
    return f"{other} │ {ours}" if other else ours


def main(wrap: str | None = None) -> int:
    """Entry point of ``ctxdash statusline``."""
    try:
        line = run(wrap, sys.stdin.buffer.read())
    except Exception as err:  # noqa: BLE001 - a status line must never show a traceback
        line = f"ctx ? ({type(err).__name__})"
    sys.stdout.write(line + "\n")
    return 0


def quote(command: str) -> str:
    """Shell-quote a command for ``--wrap``."""
    import shlex

    return shlex.quote(command)
