"""What ctxdash knows about Claude models: window, 1M option, output, tokenizer, thinking.

Model ids are matched by family and version, not by exact string, so a model that did not
exist when this was written still gets a sensible answer: anything newer than the known
200K-class models is assumed 1M-native and on the new tokenizer, as Claude Code assumes.
"""

from __future__ import annotations

import re

import msgspec

M = 1_000_000
K200 = 200_000

_ID = re.compile(
    r"claude-(?:(?P<fam1>opus|sonnet|haiku|fable|mythos)-(?P<v1>\d+(?:[-.]\d{1,2})?)"
    r"|(?P<v2>\d+(?:[-.]\d)?)-(?P<fam2>opus|sonnet|haiku))"
)


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Facts about one model id."""

    id: str
    family: str  # opus, sonnet, haiku, fable, mythos, unknown
    version: float  # 4.5, 5.0 … (0.0 when unknown)
    native_window: int  # the window without any [1m] opt-in
    supports_1m: bool  # a 200K model that can run with 1M via [1m]
    max_output: int  # default max output tokens
    tokenizer: str  # "old" (pre-4.7) or "new"
    keeps_thinking: bool  # API keeps prior thinking in context by default


def _parse(model: str) -> tuple[str, float]:
    m = _ID.search(model.lower())
    if not m:
        low = model.lower()
        for fam in ("opus", "sonnet", "haiku", "fable", "mythos"):
            if fam in low:
                return fam, 0.0
        return "unknown", 0.0
    fam = m.group("fam1") or m.group("fam2")
    raw = (m.group("v1") or m.group("v2")).replace("-", ".")
    major, _, minor = raw.partition(".")
    if minor and len(minor) > 2:  # a date, not a minor version
        minor = ""
    try:
        return fam, float(f"{major}.{minor or 0}")
    except ValueError:
        return fam, 0.0


def model_info(model: str | None) -> ModelInfo:
    """Window, output and tokenizer facts for a model id (``None`` → a 200K default)."""
    model = (model or "").strip()
    fam, ver = _parse(model)
    old = fam == "unknown" or (ver and ver < 3.5) or model.startswith("claude-3")
    if old:
        # Claude 3.x and unknown ids: 200K; unknown non-3.x ids get the new tokenizer.
        native, one_m, out = K200, False, 32_000
        tok = "new" if fam == "unknown" and model and not model.startswith("claude-3") else "old"
    elif fam in ("fable", "mythos"):
        native, one_m, out, tok = M, False, 64_000, "new"
    elif fam == "haiku":
        new = ver >= 5
        native, one_m, out, tok = (M if new else K200), False, 32_000, ("new" if new else "old")
    elif fam == "sonnet":
        if ver >= 5:
            native, one_m, out, tok = M, False, 64_000, "new"
        else:
            native, one_m, out, tok = K200, True, 32_000, "old"
    else:  # opus
        if ver >= 4.7 or ver == 0.0:
            native, one_m, out, tok = M, False, 64_000, ("new" if ver else "old")
        else:
            native, one_m = K200, ver >= 4.6
            out, tok = (64_000 if ver >= 4.6 else 32_000), "old"
    keeps = not old and (
        (fam == "opus" and ver >= 4.5)
        or (fam == "sonnet" and ver >= 4.6)
        or fam in ("fable", "mythos")
        or ver >= 5
    )
    return ModelInfo(
        id=model,
        family=fam,
        version=ver,
        native_window=native,
        supports_1m=one_m,
        max_output=out,
        tokenizer=tok,
        keeps_thinking=keeps,
    )


def parse_version(version: str | None) -> tuple[int, int, int]:
    """``"2.1.112"`` → ``(2, 1, 112)``; unknown → ``(0, 0, 0)``."""
    if not version:
        return (0, 0, 0)
    parts = re.findall(r"\d+", version)[:3]
    nums = [int(p) for p in parts] + [0] * (3 - len(parts))
    return (nums[0], nums[1], nums[2])


def claude_code_keeps_thinking(version: str | None, info: ModelInfo) -> bool:
    """Whether the thinking of earlier, finished turns stays in context.

    Claude Code sends every thinking block it holds; the API decides what counts. Claude Code
    2.1.112 and later ask it to keep all thinking; older versions get the model's default
    (kept on Opus 4.5+, Sonnet 4.6+ and newer models, dropped on earlier ones). The thinking
    of the turn in progress (its tool loop) counts either way.
    """
    return parse_version(version) >= (2, 1, 112) or info.keeps_thinking
