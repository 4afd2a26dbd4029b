"""ctxdash's own configuration: ``config.toml`` in the platformdirs config folder.

Example::

    window = 1000000            # force the window size (tokens)
    budget = 200000             # what you plan to spend (default 200000; "window" = all of it)
    notify = false              # desktop notifications (dashboard)
    tmux = false                # tmux display-message on alerts (dashboard inside tmux)

    [thresholds]
    warn = 150000               # tokens, or a fraction of the budget (0.75)
    critical = 180000

    [models]                    # window per model id (prefix match)
    "claude-sonnet-4-5" = 1000000

    [keymap]                    # dashboard key overrides: binding id = keys
    snapshot = "s"
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ctxdash.core import paths


class ConfigError(Exception):
    """The configuration file exists but cannot be used; the message names the key."""


class Thresholds(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Alert levels: tokens (``150000``) or fractions of the budget (``0.75``)."""

    warn: int | float | None = None
    critical: int | float | None = None


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Everything a user can set."""

    window: int | None = None
    budget: int | str | None = None
    thresholds: Thresholds = msgspec.field(default_factory=Thresholds)
    models: dict[str, int] = msgspec.field(default_factory=dict)
    top_items: int = 10
    notify: bool = False
    tmux: bool = False
    bell: bool = True
    theme: str | None = None
    keymap: dict[str, str] = msgspec.field(default_factory=dict)
    summary_ratio: float = 0.3
    summary_max_tokens: int = 15_000


def _check(cfg: Config) -> None:
    if cfg.window is not None and not 1_000 <= cfg.window <= 100_000_000:
        raise ConfigError("window: must be a token count between 1000 and 100000000")
    if isinstance(cfg.budget, str) and cfg.budget != "window":
        raise ConfigError('budget: must be a token count (200000) or "window"')
    if isinstance(cfg.budget, int) and not 1_000 <= cfg.budget <= 100_000_000:
        raise ConfigError("budget: must be a token count between 1000 and 100000000")
    for key in ("warn", "critical"):
        value = getattr(cfg.thresholds, key)
        if value is not None and (value <= 0 or (isinstance(value, float) and value >= 1)):
            raise ConfigError(
                f"thresholds.{key}: must be a token count (150000) or a fraction (0.75)"
            )
    for model, size in cfg.models.items():
        if size < 1_000:
            raise ConfigError(f"models.{model}: window must be a token count, got {size}")
    if not 0 < cfg.summary_ratio <= 1:
        raise ConfigError("summary_ratio: must be between 0 and 1")


def load_config(path: Path | None = None) -> Config:
    """Read the configuration (defaults when the file does not exist).

    Raises:
        ConfigError: unreadable file, bad TOML, unknown key or wrong type, naming the key.
    """
    path = path or paths.config_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err.strerror})") from err
    try:
        cfg = msgspec.toml.decode(data, type=Config)
    except msgspec.ValidationError as err:
        raise ConfigError(f"{path}: {_key_message(err)}") from err
    except msgspec.DecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from err
    try:
        _check(cfg)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err
    return cfg


def _key_message(err: msgspec.ValidationError) -> str:
    """msgspec says ``... - at `$.thresholds.warn``` ; users want ``thresholds.warn: ...``."""
    text = str(err)
    msg, sep, where = text.rpartition(" - at `")
    if sep:
        key = where.rstrip("`").removeprefix("$").lstrip(".") or "(top level)"
        return f"{key}: {msg}"
    if text.startswith("Object contains unknown field"):
        return text.replace("Object contains unknown field", "unknown key")
    return text
