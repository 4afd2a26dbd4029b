"""The tools the benchmark compares ctxdash with, each in a folder of the benchmark's own.

``python -m ctxdash.bench --install-peers`` installs them (this needs the network, once):

* ccusage, pinned, from npm (``npm install --prefix <dir>/npm ccusage@VERSION``); its
  native binary is run directly when the platform package is there, as its npm wrapper does;
* claude-monitor, pinned, from PyPI into a virtual environment of its own.

They are never dependencies of ctxdash, and nothing here runs outside the benchmark.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ctxdash.core import paths

CCUSAGE = "20.0.24"
CLAUDE_MONITOR = "4.0.0"


@dataclass(frozen=True)
class Peer:
    """One installed peer: how to run it on a Claude config root."""

    name: str
    argv: list[str]

    def summarise(self, claude_root: Path, home: Path) -> tuple[list[str], dict[str, str]]:
        """Command and environment that summarise every transcript under ``claude_root``."""
        env = dict(os.environ, CLAUDE_CONFIG_DIR=str(claude_root), HOME=str(home), NO_COLOR="1")
        if self.name.startswith("ccusage"):
            return [*self.argv, "session", "--json", "--offline"], env
        return [
            *self.argv,
            "--once",
            "--output",
            "json",
            "--data-paths",
            str(claude_root / "projects"),
        ], env


def default_dir() -> Path:
    """Where the peers are installed unless ``--peers DIR`` says otherwise."""
    return paths.cache_dir() / "bench-peers"


def find(folder: Path) -> list[Peer]:
    """The peers installed under ``folder``."""
    found = []
    npm = folder / "npm" / "node_modules"
    native = sorted((npm / "@ccusage").glob("ccusage-*/bin/ccusage"))
    if native and os.access(native[0], os.X_OK):
        found.append(Peer(f"ccusage {CCUSAGE}", [str(native[0])]))
    elif (npm / ".bin" / "ccusage").exists():
        found.append(Peer(f"ccusage {CCUSAGE}", [str(npm / ".bin" / "ccusage")]))
    monitor = folder / "claude-monitor" / "bin" / "claude-monitor"
    if monitor.exists():
        found.append(Peer(f"claude-monitor {CLAUDE_MONITOR}", [str(monitor)]))
    return found


def install(folder: Path) -> list[str]:
    """Install the pinned peers into ``folder``; returns one line per peer that failed."""
    problems = []
    folder.mkdir(parents=True, exist_ok=True)
    steps = {
        "ccusage": [
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder / "npm"),
             f"ccusage@{CCUSAGE}"],
        ],
        "claude-monitor": [
            [sys.executable, "-m", "venv", str(folder / "claude-monitor")],
            [str(folder / "claude-monitor" / "bin" / "python"), "-m", "pip", "install", "-q",
             f"claude-monitor=={CLAUDE_MONITOR}"],
        ],
    }  # fmt: skip
    for name, commands in steps.items():
        for argv in commands:
            try:
                done = subprocess.run(argv, capture_output=True, timeout=600, check=False)
            except (OSError, subprocess.SubprocessError) as err:
                problems.append(f"{name}: {err}")
                break
            if done.returncode != 0:
                tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
                problems.append(f"{name}: {' '.join(argv[:3])} failed {tail}")
                break
    # The npm wrapper makes its native binary executable on its first run; do it here, so
    # the benchmark runs the binary itself from the start.
    for binary in (folder / "npm" / "node_modules" / "@ccusage").glob("ccusage-*/bin/ccusage"):
        binary.chmod(0o755)
    return problems
