"""The window, the auto-compact point and the alert levels of a session.

FORMATS.md §6 (window per model and the ``[1m]`` evidence) and §4.3 (the auto-compact
formula by Claude Code version and its environment/settings modifiers).
"""

from __future__ import annotations

import math

import msgspec

from ctxdash.core.claude_env import ClaudeEnv
from ctxdash.core.config import Config
from ctxdash.core.models import K200, M, ModelInfo, parse_version

#: Reserved by Claude Code under the output reservation (``13000``, FORMATS.md §4.3).
AUTOCOMPACT_MARGIN = 13_000
#: Blocking limit margin when auto-compact is off.
BLOCKING_MARGIN = 3_000
#: Claude Code ≥ 2.1.21 caps the output reservation here.
OUTPUT_CAP = 20_000
#: Levels on a 200K window (PRACTICE.md §1): warn and critical, in tokens.
WARN_200K, CRITICAL_200K = 150_000, 180_000


class WindowInfo(msgspec.Struct, kw_only=True):
    """How big the window is and why ctxdash thinks so."""

    size: int
    source: str


class Autocompact(msgspec.Struct, kw_only=True):
    """The estimated auto-compact point."""

    at: int
    enabled: bool
    reserve: int
    note: str


class Thresholds(msgspec.Struct, kw_only=True):
    """Token levels: warn, critical, and the estimated auto-compact point."""

    warn: int
    critical: int
    autocompact: int


def decide_window(
    info: ModelInfo,
    *,
    env: ClaudeEnv,
    config: Config,
    override: int | None = None,
    max_request: int = 0,
    set_model_1m: bool | None = None,
    reported: int | None = None,
) -> WindowInfo:
    """Pick the window size, most trusted evidence first."""
    if override:
        return WindowInfo(size=override, source="flag")
    for prefix, size in sorted(config.models.items(), key=lambda kv: -len(kv[0])):
        if info.id.startswith(prefix):
            return WindowInfo(size=size, source=f"config models.{prefix}")
    if config.window:
        return WindowInfo(size=config.window, source="config window")
    if reported:
        return WindowInfo(size=reported, source="status line")
    if max_request > K200:
        return WindowInfo(size=max(M, info.native_window), source="a request over 200K")
    if env.flag("CLAUDE_CODE_DISABLE_1M_CONTEXT"):
        return WindowInfo(size=K200, source="CLAUDE_CODE_DISABLE_1M_CONTEXT")
    if info.native_window >= M:
        return WindowInfo(size=info.native_window, source=f"{info.family} is 1M-native")
    if info.supports_1m:
        if set_model_1m:
            return WindowInfo(size=M, source="/model chose 1M context")
        if env.model and "[1m]" in env.model.lower() and set_model_1m is None:
            return WindowInfo(size=M, source="[1m] in the configured model")
    return WindowInfo(size=info.native_window, source="model default")


def autocompact(window: int, info: ModelInfo, version: str | None, env: ClaudeEnv) -> Autocompact:
    """Claude Code's auto-compact threshold, estimated (FORMATS.md §4.3)."""
    w = window
    acw = env.int_var("CLAUDE_CODE_AUTO_COMPACT_WINDOW") or env.auto_compact_window
    note = "estimated"
    if acw and acw >= 100_000:
        w = min(acw, window)
        note = f"estimated, auto-compact window {w:,}"
    max_out = env.int_var("CLAUDE_CODE_MAX_OUTPUT_TOKENS") or info.max_output
    newer = parse_version(version) >= (2, 1, 21) or version is None
    reserve_out = min(max_out, OUTPUT_CAP) if newer else max_out
    if env.flag("DISABLE_AUTO_COMPACT") or not env.auto_compact_enabled:
        at = w - reserve_out - BLOCKING_MARGIN
        return Autocompact(at=at, enabled=False, reserve=window - at, note="auto-compact off")
    at = w - reserve_out - AUTOCOMPACT_MARGIN
    pct = env.int_var("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE")
    if pct and 1 <= pct <= 100:
        at = min(math.floor((w - reserve_out) * pct / 100), at)
        note = f"estimated, CLAUDE_AUTOCOMPACT_PCT_OVERRIDE={pct}"
    if window >= M and w == window:
        note = "estimated: compacts at or before"
    return Autocompact(at=at, enabled=True, reserve=window - at, note=note)


def thresholds(window: int, config: Config, autocompact_at: int) -> Thresholds:
    """Warn/critical levels: 150K/180K of 200K, the same fractions elsewhere, or configured."""

    def level(value: int | float | None, default_200k: int) -> int:
        if value is None:
            return default_200k if window == K200 else round(window * default_200k / K200)
        if isinstance(value, float) and value < 1:
            return round(window * value)
        return int(value)

    warn = level(config.thresholds.warn, WARN_200K)
    critical = max(warn, level(config.thresholds.critical, CRITICAL_200K))
    return Thresholds(warn=warn, critical=critical, autocompact=autocompact_at)


def level_of(used: int, t: Thresholds) -> str:
    """``ok``, ``warn`` or ``critical``."""
    if used >= t.critical:
        return "critical"
    if used >= t.warn:
        return "warn"
    return "ok"
