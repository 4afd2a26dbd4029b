"""``ctxdash statusline``: a status-line command for Claude Code.

Claude Code runs it with a JSON payload on stdin after each assistant message and drops it if
it is slow, so it imports almost nothing: the size comes from the payload's ``current_usage``
(exact), the window from ``context_window_size``; the largest category comes from the small
summary the last ``ctxdash status`` or dashboard refresh left behind. Levels are those of the
budget (200K unless ``budget`` in ctxdash's config says otherwise; configured thresholds
apply). A payload without ``context_window`` (older Claude Code) is completed from the end of
its transcript. It records the payload's window and model id (which carries ``[1m]``) for the
engine. It never prints a traceback: on any problem it prints what it can and exits 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from ctxdash.core import levels as lv

#: How much of the transcript's end is read when the payload has no usage.
TAIL = 256 * 1024
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


def _context(usage: dict) -> int:  # type: ignore[type-arg]
    return sum(
        int(usage.get(k) or 0)
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )


def _used(payload: dict) -> int | None:  # type: ignore[type-arg]
    cw = payload.get("context_window") or {}
    usage = cw.get("current_usage")
    if isinstance(usage, dict):
        return _context(usage)
    return None


def _from_transcript(payload: dict) -> tuple[int | None, str | None]:  # type: ignore[type-arg]
    """The last main-chain reply's size and model, from the end of the transcript."""
    path = payload.get("transcript_path")
    if not isinstance(path, str) or not path or not os.path.isfile(path):
        return None, None  # a FIFO or a device would block: regular files only
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - TAIL))
            lines = fh.read(TAIL).split(b"\n")
    except OSError:
        return None, None
    for raw in reversed(lines[1:] if size > TAIL else lines):
        if b'"compact_boundary"' in raw:
            return None, None  # compacted since: the size is not in the file yet
        if b'"assistant"' not in raw or b'"usage"' not in raw:
            continue
        try:
            rec = json.loads(raw)
        except ValueError:
            continue
        msg = rec.get("message") if isinstance(rec, dict) else None
        if (
            rec.get("type") != "assistant"
            or rec.get("isSidechain")
            or rec.get("isApiErrorMessage")
            or not isinstance(msg, dict)
            or not isinstance(msg.get("usage"), dict)
            or msg.get("model") == "<synthetic>"
        ):
            continue
        model = msg.get("model")
        return _context(msg["usage"]), model if isinstance(model, str) else None
    return None, None


def _window(payload: dict, model_hint: str | None = None) -> int:  # type: ignore[type-arg]
    cw = payload.get("context_window") or {}
    size = cw.get("context_window_size")
    if isinstance(size, int) and size > 0:
        return size
    model = str((payload.get("model") or {}).get("id") or model_hint or "")
    if "[1m]" in model.lower():
        return 1_000_000
    if not model:
        return 200_000
    from ctxdash.core.models import model_info  # only for payloads without a window

    return model_info(model).native_window


def _config() -> dict:  # type: ignore[type-arg]
    """``budget`` and ``thresholds`` from ctxdash's config file (empty when unusable)."""
    path = os.environ.get("CTXDASH_CONFIG")
    if not path:
        folder = os.environ.get("CTXDASH_CONFIG_DIR")
        if not folder and sys.platform.startswith("linux"):
            base = os.environ.get("XDG_CONFIG_HOME", "").strip()
            if not base or not os.path.isabs(base):
                base = os.path.join(os.path.expanduser("~"), ".config")
            folder = os.path.join(base, "ctxdash")
        if not folder:
            from ctxdash.core import paths

            folder = str(paths.config_dir())
        path = os.path.join(os.path.expanduser(folder), "config.toml")
    try:
        with open(os.path.expanduser(path), "rb") as fh:
            data = fh.read()
    except OSError:
        return {}
    import tomllib

    try:
        config = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return config if isinstance(config, dict) else {}


def _number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if value > 0 else None


def _levels(window: int) -> tuple[int, int, int]:
    """The budget and its warn and critical levels, as ``ctxdash status`` computes them."""
    config = _config()
    setting = config.get("budget")
    if not (setting == "window" or (isinstance(setting, int) and not isinstance(setting, bool))):
        setting = None
    budget, _ = lv.budget_size(window, setting)
    levels = config.get("thresholds") if isinstance(config.get("thresholds"), dict) else {}
    warn, critical = lv.levels(budget, _number(levels.get("warn")), _number(levels.get("critical")))
    return budget, warn, critical


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
    """One compact line: used / budget, level, window, biggest category, tokens to compact."""
    summary = _summary(payload.get("session_id"))
    used = _used(payload)
    model = None
    approx = ""
    if used is None and not isinstance(payload.get("context_window"), dict):
        used, model = _from_transcript(payload)
    if used is None:
        used, approx = summary.get("used"), "≈"
    if not isinstance(used, int):
        return "ctx —"
    window = _window(payload, model)
    budget, warn, critical = _levels(window)
    level = lv.level_name(used, warn, critical)
    word = WORDS[level]
    head = f"ctx {approx}{_compact(used)}/{_compact(budget)} {100 * used / budget:.0f}% {word}"
    if colour:
        head = f"\x1b[{COLOURS[level]}m{head}\x1b[0m"
    parts = [head]
    if window != budget:
        parts.append(f"{_compact(window)} window")
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
