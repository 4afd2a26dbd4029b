"""``ctxdash statusline``: a status-line command for Claude Code.

Claude Code runs it with a JSON payload on stdin after each assistant message and drops it if
it is slow, so it imports almost nothing: the size comes from the payload's ``current_usage``
(exact), the window from ``context_window_size``; the largest category comes from the small
summary the last ``ctxdash status`` or dashboard refresh left behind. Levels are those of the
budget (200K unless ``budget`` in ctxdash's config says otherwise; configured thresholds
apply). A payload without ``context_window`` (older Claude Code) is completed from the end of
its transcript, and so is one whose counts are all zero (right after ``/compact`` and before the
first reply). It records the payload's window and model id (which carries ``[1m]``) for the
engine. It never prints a traceback: on any problem it prints what it can and exits 0.
The payload is untrusted: every field is type-checked, numbers are bounded, the transcript's
end is read only if it is a regular file (only a figure is taken from it), text is cleaned of
control characters, and stdin is read with a size cap and a deadline.
"""

from __future__ import annotations

import os
import sys

from ctxdash.core import exchange, folders
from ctxdash.core import json_lite as json
from ctxdash.core import levels as lv
from ctxdash.core.exchange import MAX_WINDOW, SavedBudget
from ctxdash.core.exchange import count as _count

TYPE_CHECKING = False  # not from typing: importing it costs the status line milliseconds
if TYPE_CHECKING:
    from typing import Any, Literal

    #: A JSON object from an untrusted payload or file: every field is checked where used.
    Json = dict[str, Any]

#: How much of the transcript's end is read when the payload has no usage: this much first,
#: up to ``TAIL_MAX`` when no reply or compaction is found in it.
TAIL = 64 * 1024
TAIL_MAX = 4 * 1024 * 1024
_MARKS = (b'"usage"', b'"compact_boundary"')


def _obj(payload: Json, key: str) -> Json:
    """``payload[key]`` if it is an object, else ``{}`` (a string ``model`` is not one)."""
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value[:500] if isinstance(value, str) else None


def record(payload: Json) -> None:
    """Remember the true window and model id of a session (read by the budget).

    Raises:
        OSError: the state folder cannot be written.
    """
    sid = payload.get("session_id")
    if not isinstance(sid, str) or not sid:
        return
    exchange.write_status_record(
        exchange.StatusRecord(
            sid,
            transcript_path=_text(payload.get("transcript_path")),
            model_id=_text(_obj(payload, "model").get("id")),
            window=_count(_obj(payload, "context_window").get("context_window_size"), MAX_WINDOW),
            version=_text(payload.get("version")),
        )
    )


def _compact(n: float) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".rstrip("0").rstrip(".") + "K"
    return str(int(n))


def _context(usage: Json) -> int | None:
    """The request size of a ``usage`` object; ``None`` when a count is not believable."""
    counts = [
        _count(usage.get(k) or 0)
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    ]
    return None if None in counts else sum(c for c in counts if c is not None)


def _used(payload: Json) -> int | None:
    """The size Claude Code reports; ``None`` when it reports none, or zeros (right after
    ``/compact`` and before the first reply its counts are all 0)."""
    usage = _obj(payload, "context_window").get("current_usage")
    if isinstance(usage, dict):
        return _context(usage) or None
    return None


def transcript_figure(path: object) -> tuple[str, int, str | None] | None:
    """The latest figure at the end of a transcript, read backwards.

    ``("used", n, model)``: the last main-chain reply's request size (exact) and model;
    ``("compacted", n, None)``: a compaction came last, ``n`` its ``postTokens`` (what the
    summary kept, without the system prompt, tools and memory). ``None``: nothing found in the
    last ``TAIL_MAX`` bytes, or not a readable regular file.
    """
    if not isinstance(path, str) or not path or len(path) > 4096 or "\x00" in path:
        return None
    from ctxdash.core.safepath import open_regular

    try:
        with open_regular(path) as fh:  # a FIFO or a device would block: regular files only
            size = os.fstat(fh.fileno()).st_size
            span = TAIL
            while True:  # the end first; further back only when nothing is found there
                start = max(0, size - span)
                fh.seek(start)
                found = _last_figure(fh.read(size - start), cut=start > 0)
                if found is not None or start == 0 or span >= TAIL_MAX:
                    return found
                span = min(TAIL_MAX, span * 8)
    except OSError:
        return None


def _last_figure(tail: bytes, *, cut: bool) -> tuple[str, int, str | None] | None:
    """The figure of the last line of ``tail`` that has one (``cut``: its first line is a
    piece of a line, and not read)."""
    end = len(tail)
    while end > 0:
        at = max(tail.rfind(mark, 0, end) for mark in _MARKS)
        if at < 0:
            return None
        lo = tail.rfind(b"\n", 0, at) + 1
        if lo == 0 and cut:
            return None
        hi = tail.find(b"\n", at)
        found = _figure(tail[lo : hi if hi >= 0 else len(tail)])
        if found is not None:
            return found
        end = lo
    return None


def _figure(line: bytes) -> tuple[str, int, str | None] | None:
    try:
        rec = json.loads(line)
    except ValueError:
        return None
    if not isinstance(rec, dict) or rec.get("isSidechain"):
        return None
    if rec.get("type") == "system" and rec.get("subtype") == "compact_boundary":
        meta = rec.get("compactMetadata")
        post = _count(meta.get("postTokens")) if isinstance(meta, dict) else None
        return "compacted", post or 0, None
    msg = rec.get("message")
    if (
        rec.get("type") != "assistant"
        or rec.get("isApiErrorMessage")
        or not isinstance(msg, dict)
        or not isinstance(msg.get("usage"), dict)
        or msg.get("model") == "<synthetic>"
    ):
        return None
    total = _context(msg["usage"])
    if total is None:
        return None  # a count not believable: not a figure to show
    model = msg.get("model")
    return "used", total, model if isinstance(model, str) else None


def _fallback(payload: Json, saved: SavedBudget) -> tuple[int | None, str | None, str]:
    """``(used, model, "≈" or "")`` when the payload has no size: from the transcript."""
    found = transcript_figure(payload.get("transcript_path"))
    if found is not None and found[0] == "used":
        return found[1], found[2], ""
    if found is not None:  # compacted, no reply yet: the next request's size is estimated
        if saved.fresh and saved.used is not None:
            return saved.used, None, "≈"
        return found[1] + (saved.kept or 0), None, "≈"
    return saved.used, None, "≈"


def _window(payload: Json, model_hint: str | None = None) -> int:
    size = _count(_obj(payload, "context_window").get("context_window_size"), MAX_WINDOW)
    if size:
        return size
    model = str(_obj(payload, "model").get("id") or model_hint or "")[:200]
    if "[1m]" in model.lower():
        return 1_000_000
    if not model:
        return 200_000
    from ctxdash.core.claude.models import model_info  # only for payloads without a window

    return model_info(model).native_window


def _config() -> Json:
    """``budget`` and ``thresholds`` from ctxdash's config file (empty when unusable)."""
    path = folders.config_file()
    try:
        with open(path, "rb") as fh:
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
    levels = _obj(config, "thresholds")
    warn, critical = lv.levels(budget, _number(levels.get("warn")), _number(levels.get("critical")))
    return budget, warn, critical


def render(payload: Json, colour: bool = True) -> str:
    """One compact line: used / budget, level, window, biggest category, tokens to compact."""
    saved = exchange.read_saved_budget(payload.get("session_id"), payload.get("transcript_path"))
    saved = saved or SavedBudget()
    used = _used(payload)
    model = None
    approx = ""
    if used is None:
        used, model, approx = _fallback(payload, saved)
    if used is None:
        return "ctx —"
    window = _window(payload, model)
    budget, warn, critical = _levels(window)
    level = lv.level_name(used, warn, critical)
    word = lv.word(level, short=True)
    head = f"ctx {approx}{_compact(used)}/{_compact(budget)} {100 * used / budget:.0f}% {word}"
    if colour:
        head = f"\x1b[{lv.ANSI[level]}m{head}\x1b[0m"
    parts = [head]
    if window != budget:
        parts.append(f"{_compact(window)} window")
    if saved.biggest is not None:
        from ctxdash.core.plain import one_line  # labels name tools and paths: no controls

        label, tokens = saved.biggest
        parts.append(f"{one_line(label)[:60]} {_compact(tokens)}")
    if saved.autocompact_at is not None and saved.window == window:
        parts.append(f"to compact≈{_compact(max(0, saved.autocompact_at - used))}")
    return " · ".join(parts)


def run(argv_wrap: str | None, stdin: bytes) -> str:
    """Build the status line for a payload; never raises."""
    try:
        payload = json.loads(stdin or b"{}")
        if not isinstance(payload, dict):
            payload = {}
    except ValueError:
        payload = {}
    try:  # noqa: SIM105 - contextlib would cost the status line an import
        record(payload)
    except OSError:
        pass
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
    from ctxdash.core.bounded import read_bounded

    try:
        line = run(wrap, read_bounded(sys.stdin.buffer))
    except Exception as err:  # noqa: BLE001 - a status line must never show a traceback
        line = f"ctx ? ({type(err).__name__})"
    sys.stdout.write(line + "\n")
    return 0


def parse_wrap(args: list[str]) -> str | None | Literal[False]:
    """The ``--wrap`` command of ``statusline [--wrap CMD]`` arguments; ``None`` without one,
    ``False`` for anything else (left to the full command line parser)."""
    if not args:
        return None
    if len(args) == 2 and args[0] == "--wrap":
        return args[1]
    if len(args) == 1 and args[0].startswith("--wrap="):
        return args[0].removeprefix("--wrap=")
    return False


#: What ``ctxdash statusline install`` has Claude Code run (``python -c FAST statusline``):
#: this module alone, without the command line, ``runpy`` or the ``re`` module that a
#: console-script launcher imports.
FAST = "import sys; from ctxdash.integration.statusline import cli; sys.exit(cli())"


def cli() -> int:
    """``python -c FAST statusline [--wrap CMD]``, or
    ``python -m ctxdash.integration.statusline``."""
    args = sys.argv[1:]
    wrap = parse_wrap(args[1:] if args[:1] == ["statusline"] else args)
    if wrap is False:
        sys.stderr.write("usage: python -m ctxdash.integration.statusline [--wrap CMD]\n")
        return 2
    return main(wrap or None)


if __name__ == "__main__":
    raise SystemExit(cli())
