"""Copying says what really happened: tmux set-clipboard, clipboard tools, OSC 52."""

from __future__ import annotations

import subprocess
from typing import Any

from ctxdash.core.clipboard import copy_text


class Fake:
    """Records commands; each command's exit code is configurable."""

    def __init__(self, codes: dict[str, int] | None = None) -> None:
        self.calls: list[tuple[list[str], str | None]] = []
        self.codes = codes or {}

    def __call__(self, command: list[str], text: str | None = None) -> Any:
        self.calls.append((command, text))
        return subprocess.CompletedProcess(command, self.codes.get(" ".join(command[:2]), 0))


def _which(*present: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_tmux_external_uses_the_paste_buffer_and_says_so() -> None:
    run, sent = Fake(), []
    result = copy_text(
        "claude --resume x",
        osc52=sent.append,
        env={"TMUX": "/tmp/tmux-0/default,1,0"},
        platform="linux",
        which=_which("tmux"),
        run=run,
        tmux_option=lambda: "external",
    )
    assert run.calls == [(["tmux", "load-buffer", "-w", "-"], "claude --resume x")]
    assert sent == []  # tmux would drop OSC 52 from an application
    assert result.copied
    assert "tmux's paste buffer" in result.message
    assert "external" in result.message


def test_tmux_off_without_tools_is_only_the_buffer() -> None:
    result = copy_text(
        "x",
        osc52=lambda _: None,
        env={"TMUX": "1"},
        platform="linux",
        which=_which("tmux"),
        run=Fake(),
        tmux_option=lambda: "off",
    )
    assert result.ways == ["tmux buffer"]
    assert "paste buffer only" in result.message


def test_old_tmux_without_load_buffer_w_falls_back() -> None:
    calls = []

    def flaky(command: list[str], text: str | None = None) -> Any:
        calls.append(command)
        code = 1 if "-w" in command else 0
        return subprocess.CompletedProcess(command, code)

    result = copy_text(
        "x",
        env={"TMUX": "1"},
        platform="linux",
        which=_which("tmux"),
        run=flaky,
        tmux_option=lambda: "external",
    )
    assert calls == [["tmux", "load-buffer", "-w", "-"], ["tmux", "load-buffer", "-"]]
    assert result.copied


def test_a_clipboard_tool_is_used_first() -> None:
    run = Fake()
    result = copy_text(
        "x",
        osc52=lambda _: None,
        env={"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
        platform="linux",
        which=_which("wl-copy", "xclip"),
        run=run,
    )
    assert run.calls[0][0] == ["wl-copy"]
    assert result.message == "Copied to the clipboard (wl-copy)."
    failing = Fake({"wl-copy": 1})
    result = copy_text(
        "x",
        env={"WAYLAND_DISPLAY": "w", "DISPLAY": ":0"},
        platform="linux",
        which=_which("wl-copy", "xclip"),
        run=failing,
    )
    assert result.ways == ["xclip"]
    mac = copy_text("x", env={}, platform="darwin", which=_which("pbcopy"), run=Fake())
    assert mac.ways == ["pbcopy"]


def test_no_clipboard_at_all_says_not_copied() -> None:
    result = copy_text("x", env={}, platform="linux", which=_which(), run=Fake())
    assert not result.copied
    assert result.message.startswith("Not copied")


def test_plain_terminal_is_osc52_and_hedged() -> None:
    sent: list[str] = []
    result = copy_text("x", osc52=sent.append, env={}, platform="linux", which=_which())
    assert sent == ["x"]
    assert "OSC 52" in result.message
    assert "if nothing arrives" in result.message


def test_a_hanging_tool_times_out() -> None:
    def hang(command: list[str], text: str | None = None) -> Any:
        raise subprocess.TimeoutExpired(command, 2)

    result = copy_text(
        "x", env={"DISPLAY": ":0"}, platform="linux", which=_which("xclip"), run=hang
    )
    assert not result.copied
