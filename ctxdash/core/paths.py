"""Where ctxdash keeps its own files, and where Claude Code keeps its files.

Every location can be redirected by an environment variable so tests (and users)
can keep ctxdash away from real data.
"""

from __future__ import annotations

import os
from pathlib import Path

from ctxdash.core import folders


def config_dir() -> Path:
    """ctxdash's configuration folder (``config.toml``, ``themes/``)."""
    return Path(folders.own("config"))


def config_file() -> Path:
    """The TOML configuration file."""
    return Path(folders.config_file())


def cache_dir() -> Path:
    """Disposable state: parse caches, the tokenizer cache."""
    return Path(folders.own("cache"))


def data_dir() -> Path:
    """Data the user keeps: snapshots, summaries, archives."""
    return Path(folders.own("data"))


def state_dir() -> Path:
    """Small runtime state: status-line payloads, hook records."""
    return Path(folders.own("state"))


def user_themes_dir() -> Path:
    """User theme files (``*.toml``)."""
    return config_dir() / "themes"


def home() -> Path:
    """The user's home folder (``HOME`` is honoured, so tests can fake it)."""
    return Path(os.environ.get("HOME") or Path.home())


def claude_roots() -> list[Path]:
    """Claude Code configuration roots, in priority order.

    ``CLAUDE_CONFIG_DIR`` (a comma-separated list is accepted) wins; otherwise both
    ``~/.claude`` and ``~/.config/claude`` (used by Claude Code 1.0.30-1.0.31) are searched.
    """
    env = os.environ.get("CLAUDE_CONFIG_DIR", "").strip()
    if env:
        return [Path(p.strip()).expanduser() for p in env.split(",") if p.strip()]
    return [home() / ".claude", home() / ".config" / "claude"]


def claude_global_config(root: Path) -> Path:
    """Claude Code's own global state file (``~/.claude.json``) for a root."""
    if os.environ.get("CLAUDE_CONFIG_DIR"):
        legacy = root / ".config.json"
        return legacy if legacy.exists() else root / ".claude.json"
    return home() / ".claude.json"
