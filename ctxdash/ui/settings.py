"""How the dashboard app runs: what the CLI, the tests and the benchmark set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ctxdash.core.config import Config


@dataclass
class AppSettings:
    """How the app runs; the CLI and the tests build it the same way."""

    config: Config = field(default_factory=Config)
    session: str | None = None
    transcript: Path | None = None
    window: int | None = None
    watch: bool = True
    force_polling: bool = False
    debounce_ms: int = 60
    demo: bool = False
    demo_interval: float = 0.8
    demo_phase: float | None = None
    """Seconds each demo phase stays on screen at least (``None``: the demo's own default)."""
    seed: int = 7
    theme: str | None = None
