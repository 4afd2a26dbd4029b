"""Install a pinned Claude Code from npm and run it offline against the stand-in API.

Versions live in :data:`VERSIONS` (one place). Each is installed once into its own folder of
the cache (``$CTXDASH_CLAUDE_CACHE``, default ``~/.cache/ctxdash-claude``); a version that
cannot be installed (no npm, no registry) raises :class:`Unavailable` with the reason, and
the tests skip with it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

#: The Claude Code release ctxdash is verified against first.
CURRENT = "2.1.332"
#: Every version the harness runs (oldest first).
VERSIONS = ("1.0.128", "2.0.76", "2.1.39", "2.1.114", CURRENT)
#: The versions also driven interactively in tmux (1.0.x's ``/context`` prints no
#: "Autocompact buffer" line for the driver to wait for).
INTERACTIVE = ("2.0.76", "2.1.39", "2.1.114", CURRENT)
#: Any key works with the stand-in; Claude Code approves it by its last 20 characters.
API_KEY = "sk-ant-api03-ctxdash-standin-0123456789abcdefghijklmn"
#: Seconds one ``npm install`` may take.
INSTALL_TIMEOUT = 600

CACHE = Path(
    os.environ.get("CTXDASH_CLAUDE_CACHE") or Path.home() / ".cache" / "ctxdash-claude"
).resolve()


class Unavailable(Exception):
    """This Claude Code version cannot be run here (the message says why)."""


def binary(version: str) -> Path:
    """The ``claude`` executable of ``version``, installing it first if needed."""
    folder = CACHE / version
    exe = folder / "node_modules" / ".bin" / "claude"
    if exe.exists() and _works(exe, version):
        return exe
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
                str(folder),
                f"@anthropic-ai/claude-code@{version}",
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"npm install of {version} took over {INSTALL_TIMEOUT} s") from None
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        raise Unavailable(f"npm install of {version} failed: {last[0][:200]}")
    if not exe.exists() or not _works(exe, version):
        raise Unavailable(f"Claude Code {version} installed but does not run here")
    return exe


def _works(exe: Path, version: str) -> bool:
    try:
        out = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return version in out


@dataclass
class Claude:
    """One Claude Code install, a private home and the stand-in's address."""

    exe: Path
    home: Path
    base_url: str

    @property
    def config_dir(self) -> Path:
        return self.home / ".claude"

    @property
    def projects(self) -> Path:
        return self.config_dir / "projects"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TERM", "TZ")}
        return {
            **keep,
            "HOME": str(self.home),
            "ANTHROPIC_BASE_URL": self.base_url,
            "ANTHROPIC_API_KEY": API_KEY,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "IS_SANDBOX": "1",
        }

    def trust(self, cwd: Path) -> None:
        """Pre-seed ``~/.claude.json``: onboarding done, the key approved, ``cwd`` trusted."""
        path = self.home / ".claude.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        data.update(
            hasCompletedOnboarding=True,
            theme="dark",
            customApiKeyResponses={"approved": [API_KEY[-20:]], "rejected": []},
        )
        data.setdefault("projects", {})[str(cwd)] = {
            "hasTrustDialogAccepted": True,
            "hasCompletedProjectOnboarding": True,
            # 1.0.x reads these lists without a default.
            "allowedTools": [],
            "mcpContextUris": [],
            "mcpServers": {},
            "enabledMcpjsonServers": [],
            "disabledMcpjsonServers": [],
            "ignorePatterns": [],
        }
        path.write_text(json.dumps(data))

    def run(self, cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``claude ARGS`` in ``cwd`` (print mode callers pass ``-p``)."""
        self.trust(cwd)
        return subprocess.run(
            [str(self.exe), "--dangerously-skip-permissions", *args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def transcripts(self) -> list[Path]:
        """Main transcripts written so far, oldest first."""
        found = [p for p in self.projects.glob("*/*.jsonl") if not p.name.startswith("agent-")]
        return sorted(found, key=lambda p: p.stat().st_mtime)


class Tmux:
    """An interactive Claude Code in a detached tmux session (keys in, screen out)."""

    def __init__(self, claude: Claude, cwd: Path, name: str) -> None:
        self.claude, self.cwd, self.name = claude, cwd, name

    def __enter__(self) -> Tmux:
        if shutil.which("tmux") is None:
            raise Unavailable("tmux is not installed")
        self.claude.trust(self.cwd)
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.claude.env().items())
        command = f"env -i {env} {shlex.quote(str(self.claude.exe))} --dangerously-skip-permissions"
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                "120",
                "-y",
                "50",
                "-c",
                str(self.cwd),
                command,
            ],
            check=True,
        )
        # Bypass mode asks once for consent: "No, exit" is selected; pick "Yes, I accept"
        # (numbered "2." in some versions, where only the number moves the selection).
        if self.wait_for("Yes, I accept", timeout=30, fail=False):
            time.sleep(1.0)  # the menu takes keys only once it is drawn
            if "2. Yes, I accept" in self.screen():
                self.keys("2")
                time.sleep(0.5)
                if "Yes, I accept" in self.screen():
                    self.keys("Enter")
            else:
                self.keys("Down", "Enter")
        self.wait_for("bypass permissions on", timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        """Type a line and submit it (a slash command's menu is closed by the pause)."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)
        time.sleep(0.5)
        self.keys("Enter")

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name, "-S", "-300"],
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(self, text: str, *, timeout: float = 60, fail: bool = True) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.screen():
                return True
            time.sleep(0.3)
        if fail:
            raise AssertionError(f"{text!r} never appeared:\n{self.screen()[-3000:]}")
        return False
