"""The window, the auto-compact point and the alert levels of a session.

The window is the model's context size: 200K, or 1M for 1M-native models, a ``[1m]`` model
setting, ``/model … (1M context)`` or a request over 200K. The auto-compact point follows
Claude Code's formula by version (``W − min(max output, 20K) − 13K`` since 2.1.21, ``W − max
output − 13K`` before) with its environment and settings modifiers, then is corrected by what
the transcript shows (a size reached without compacting, an automatic compaction). The alert
levels belong to the budget (:mod:`ctxdash.core.levels`), not to the window.
"""

from __future__ import annotations

import math

import msgspec

from ctxdash.core import levels as lv
from ctxdash.core.claude.models import K200, M, ModelInfo, parse_version
from ctxdash.core.claude.settings import ClaudeEnv
from ctxdash.core.config import Config
from ctxdash.core.numbers import compact

#: Reserved by Claude Code below the output reservation (13,000 tokens).
AUTOCOMPACT_MARGIN = 13_000
#: Blocking limit margin when auto-compact is off.
BLOCKING_MARGIN = 3_000
#: Claude Code ≥ 2.1.21 caps the output reservation here.
OUTPUT_CAP = 20_000


class WindowInfo(msgspec.Struct, kw_only=True):
    """How big the window is and why ctxdash thinks so."""

    size: int
    source: str


class Autocompact(msgspec.Struct, kw_only=True):
    """The estimated auto-compact point (``source``: ``formula``, ``observed peak`` or
    ``observed compaction``; ``formula_at`` is what the formula alone said)."""

    at: int
    enabled: bool
    reserve: int
    note: str
    source: str = "formula"
    formula_at: int = 0


class Thresholds(msgspec.Struct, kw_only=True):
    """Token levels of the budget (warn, critical) and the estimated auto-compact point."""

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
    """Claude Code's auto-compact threshold by its formula (see the module docstring)."""
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
        return Autocompact(
            at=at, enabled=False, reserve=window - at, note="auto-compact off", formula_at=at
        )
    at = w - reserve_out - AUTOCOMPACT_MARGIN
    pct = env.int_var("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE")
    if pct and 1 <= pct <= 100:
        at = min(math.floor((w - reserve_out) * pct / 100), at)
        note = f"estimated, CLAUDE_AUTOCOMPACT_PCT_OVERRIDE={pct}"
    if window >= M and w == window:
        note = "estimated: compacts at or before"
    return Autocompact(at=at, enabled=True, reserve=window - at, note=note, formula_at=at)


def learn_autocompact(
    ac: Autocompact,
    window: int,
    *,
    peak: int,
    auto_compactions: list[int],
    max_output: int,
) -> Autocompact:
    """Correct the formula's estimate with what the transcript shows.

    Every request Claude Code sent was below its threshold (it compacts before sending one
    that is not), so the largest request seen (``peak``) is a lower bound. An automatic
    compaction's ``preTokens`` is an upper bound. When the estimate is outside these bounds
    it was wrong: the next of Claude Code's known formulas above the peak is taken (or the
    compaction size), and the note says so.
    """
    if not ac.enabled:
        return ac
    at, note, source = ac.at, ac.note, "formula"
    upper = min((p for p in auto_compactions if p > 0), default=None)
    if upper is not None and upper < at and upper > peak:
        at, source = upper, "observed compaction"
        note = f"auto-compacted at {compact(upper)}; the estimate {compact(ac.at)} was too high"
    elif peak >= at:
        candidates = sorted(
            {
                window - max_output - AUTOCOMPACT_MARGIN,
                window - min(max_output, OUTPUT_CAP) - AUTOCOMPACT_MARGIN,
                window - min(max_output, OUTPUT_CAP) - BLOCKING_MARGIN,
            }
        )
        above = [c for c in candidates if c > peak] or [window]  # past every formula
        if upper is not None:
            above = [c for c in above if c <= upper] or [upper]
        at = max(above[0], min(window, peak + 1))
        source = "observed peak"
        note = (
            f"reached {compact(peak)} without compacting; the estimate {compact(ac.at)} was too low"
        )
    if at == ac.at:
        return ac
    return Autocompact(
        at=at,
        enabled=True,
        reserve=window - at,
        note=note,
        source=source,
        formula_at=ac.formula_at or ac.at,
    )


def budget_of(window: int, config: Config) -> tuple[int, str]:
    """The budget (default 200K, ``budget`` in the config) and where it came from."""
    return lv.budget_size(window, config.budget)


def thresholds(budget: int, config: Config, autocompact_at: int) -> Thresholds:
    """Warn/critical levels: 75% and 90% of the budget (150K/180K of 200K), or configured."""
    warn, critical = lv.levels(budget, config.thresholds.warn, config.thresholds.critical)
    return Thresholds(warn=warn, critical=critical, autocompact=autocompact_at)


def level_of(used: int, t: Thresholds) -> str:
    """``ok``, ``warn`` or ``critical``."""
    return lv.level_name(used, t.warn, t.critical)


class Limits(msgspec.Struct, kw_only=True, frozen=True):
    """A session's window, auto-compact point, budget and levels, decided together."""

    window: WindowInfo
    autocompact: Autocompact
    budget: int
    budget_source: str
    thresholds: Thresholds


def session_limits(
    info: ModelInfo,
    *,
    env: ClaudeEnv,
    config: Config,
    version: str | None,
    override: int | None = None,
    max_request: int = 0,
    set_model_1m: bool | None = None,
    reported: int | None = None,
    peak: int = 0,
    auto_compactions: list[int] | None = None,
    learn: bool = True,
) -> Limits:
    """The one way from a session's evidence to its limits (``ctxdash status``, the dashboard
    and the session list agree): the window, the auto-compact point corrected by what the
    transcript showed (``learn``; not for subagents, which never compact on their own), the
    budget and its levels."""
    win = decide_window(
        info,
        env=env,
        config=config,
        override=override,
        max_request=max_request,
        set_model_1m=set_model_1m,
        reported=reported,
    )
    ac = autocompact(win.size, info, version, env)
    if learn:
        ac = learn_autocompact(
            ac,
            win.size,
            peak=peak,
            auto_compactions=auto_compactions or [],
            max_output=env.int_var("CLAUDE_CODE_MAX_OUTPUT_TOKENS") or info.max_output,
        )
    budget, source = budget_of(win.size, config)
    return Limits(
        window=win,
        autocompact=ac,
        budget=budget,
        budget_source=source,
        thresholds=thresholds(budget, config, ac.at),
    )
