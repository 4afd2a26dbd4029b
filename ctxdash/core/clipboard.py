"""Copy text to the clipboard, and say honestly what happened.

Terminal apps copy with the OSC 52 escape sequence, but inside tmux that only works when
tmux's ``set-clipboard`` is ``on``: with ``external`` (tmux's default) or ``off`` tmux drops
it. So ctxdash also puts the text in tmux's paste buffer (``tmux load-buffer -w -``, which
forwards it to the terminal's clipboard unless ``set-clipboard`` is ``off``), and uses a
clipboard tool when one is there: ``wl-copy`` (Wayland), ``xclip`` (X11), ``pbcopy`` (macOS).
Every command has a short timeout: copying must never hang the dashboard.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping

import msgspec

TIMEOUT = 2.0


class CopyResult(msgspec.Struct, kw_only=True):
    """Whether the text reached a clipboard, by which ways, and one sentence for the user."""

    copied: bool
    ways: list[str]
    message: str


def _tools(env: Mapping[str, str], platform: str) -> list[tuple[str, list[str]]]:
    tools = []
    if env.get("WAYLAND_DISPLAY"):
        tools.append(("wl-copy", ["wl-copy"]))
    if env.get("DISPLAY"):
        tools.append(("xclip", ["xclip", "-selection", "clipboard"]))
    if platform == "darwin":
        tools.append(("pbcopy", ["pbcopy"]))
    return tools


def _run(command: list[str], text: str | None = None) -> subprocess.CompletedProcess[bytes]:
    # No pipes on stdout/stderr: xclip and wl-copy leave a child serving the selection.
    return subprocess.run(
        command,
        input=None if text is None else text.encode("utf-8"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=TIMEOUT,
        check=False,
    )


def tmux_set_clipboard(which: Callable[[str], str | None] = shutil.which) -> str | None:
    """tmux's ``set-clipboard`` option (``on``, ``external``, ``off``), or ``None``."""
    if not which("tmux"):
        return None
    try:
        out = subprocess.run(
            ["tmux", "show-options", "-gv", "set-clipboard"],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.decode("utf-8", "replace").strip()
    return value if out.returncode == 0 and value else None


def copy_text(
    text: str,
    *,
    osc52: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess[bytes]] = _run,
    tmux_option: Callable[[], str | None] | None = None,
) -> CopyResult:
    """Copy ``text`` every way that can work here; never raises, never hangs."""
    env = os.environ if env is None else env
    ways: list[str] = []
    for name, command in _tools(env, platform):
        if not which(command[0]):
            continue
        try:
            if run(command, text).returncode == 0:
                ways.append(name)
                break
        except (OSError, subprocess.SubprocessError):
            continue
    in_tmux = bool(env.get("TMUX")) and bool(which("tmux"))
    option = (tmux_option or (lambda: tmux_set_clipboard(which)))() if in_tmux else None
    if in_tmux:
        for command in (["tmux", "load-buffer", "-w", "-"], ["tmux", "load-buffer", "-"]):
            try:
                if run(command, text).returncode == 0:
                    ways.append("tmux buffer")
                    break
            except (OSError, subprocess.SubprocessError):
                continue
    terminal = osc52 is not None and (not in_tmux or option == "on")
    if osc52 is not None and (terminal or (in_tmux and option is None)):
        try:
            osc52(text)
            ways.append("OSC 52")
        except Exception:  # noqa: BLE001, S110 - the terminal write is best effort
            pass
    return CopyResult(copied=bool(ways), ways=ways, message=_message(ways, in_tmux, option))


def _message(ways: list[str], in_tmux: bool, option: str | None) -> str:
    native = [w for w in ways if w not in ("tmux buffer", "OSC 52")]
    if native:
        extra = " and tmux's paste buffer" if "tmux buffer" in ways else ""
        return f"Copied to the clipboard ({native[0]}){extra}."
    if "tmux buffer" in ways:
        if option in ("on", "external"):
            return (
                "Copied into tmux's paste buffer (prefix ]) and passed on to the terminal's "
                f"clipboard, if the terminal accepts it (tmux set-clipboard is {option})."
            )
        return (
            "Copied into tmux's paste buffer only (prefix ] pastes it): tmux set-clipboard is "
            f"{option or 'unknown'} and no clipboard tool (wl-copy, xclip, pbcopy) was found."
        )
    if "OSC 52" in ways:
        return (
            "Sent to the terminal's clipboard (OSC 52); if nothing arrives, the terminal "
            "does not allow it and no clipboard tool (wl-copy, xclip, pbcopy) was found."
        )
    reason = "tmux refused it" if in_tmux else "no clipboard tool or terminal clipboard"
    return f"Not copied: {reason}."
