"""What Claude Code's own settings and environment say about the window and auto-compact.

Read from the settings files (user, project, project-local, then managed: the last wins),
their ``env`` blocks, ``~/.claude.json`` and the process environment. Every file is optional
and read leniently: a broken settings file is Claude Code's business, not a reason to fail.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import msgspec

from ctxdash.core import paths

_JSON = msgspec.json.Decoder()

MANAGED_DIRS = {
    "darwin": Path("/Library/Application Support/ClaudeCode"),
    "win32": Path("C:/Program Files/ClaudeCode"),
}


def managed_dir() -> Path:
    """Claude Code's managed-policy folder for this platform."""
    override = os.environ.get("CTXDASH_CLAUDE_MANAGED_DIR")
    if override:
        return Path(override)
    return MANAGED_DIRS.get(sys.platform, Path("/etc/claude-code"))


class ClaudeEnv(msgspec.Struct, kw_only=True):
    """The merged view of settings and environment that matters to ctxdash."""

    model: str | None = None
    env: dict[str, str] = msgspec.field(default_factory=dict)
    auto_compact_window: int | None = None
    auto_compact_enabled: bool = True
    mcp_servers: list[str] = msgspec.field(default_factory=list)
    sources: list[str] = msgspec.field(default_factory=list)

    def var(self, name: str) -> str | None:
        """An environment variable as Claude Code would see it (process env wins)."""
        return os.environ.get(name) or self.env.get(name)

    def int_var(self, name: str) -> int | None:
        """An integer environment variable, ``None`` when unset or not a number."""
        value = self.var(name)
        try:
            return int(str(value).strip()) if value else None
        except ValueError:
            return None

    def flag(self, name: str) -> bool:
        """A boolean environment variable (``1``/``true``)."""
        return str(self.var(name) or "").strip().lower() in ("1", "true", "yes", "on")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = _JSON.decode(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # ValueError: a NUL in a path from a transcript
        return None
    return value if isinstance(value, dict) else None


def settings_files(root: Path, cwd: str | None) -> list[Path]:
    """Settings files from lowest to highest precedence."""
    files = [root / "settings.json"]
    if cwd:
        proj = Path(cwd)
        files += [proj / ".claude" / "settings.json", proj / ".claude" / "settings.local.json"]
    files.append(managed_dir() / "managed-settings.json")
    return files


def load_claude_env(root: Path, cwd: str | None) -> ClaudeEnv:
    """Merge Claude Code's settings for a session's config root and working directory."""
    out = ClaudeEnv()
    for path in settings_files(root, cwd):
        data = _read_json(path)
        if data is None:
            continue
        out.sources.append(str(path))
        if isinstance(data.get("model"), str):
            out.model = data["model"]
        if isinstance(data.get("env"), dict):
            out.env.update({str(k): str(v) for k, v in data["env"].items()})
        acw = data.get("autoCompactWindow")
        if isinstance(acw, int):
            out.auto_compact_window = acw
        if data.get("autoCompactEnabled") is False:
            out.auto_compact_enabled = False
    state = _read_json(paths.claude_global_config(root)) or {}
    if state.get("autoCompactEnabled") is False:
        out.auto_compact_enabled = False
    servers = list((state.get("mcpServers") or {}).keys())
    if cwd:
        proj = (state.get("projects") or {}).get(cwd) or {}
        servers += list((proj.get("mcpServers") or {}).keys())
        mcp = _read_json(Path(cwd) / ".mcp.json") or {}
        servers += list((mcp.get("mcpServers") or {}).keys())
    out.mcp_servers = sorted(set(map(str, servers)))
    if os.environ.get("ANTHROPIC_MODEL"):
        out.model = os.environ["ANTHROPIC_MODEL"]
    return out
