"""A whole fake Claude config root: projects, sessions, memory files, settings."""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ctxdash.synth.basics import DEFAULT_BASE_TIME, ENCODE, Expected, encode_project_dir
from ctxdash.synth.content import memory_texts
from ctxdash.synth.scenarios import scenario
from ctxdash.synth.session import SessionWriter


@dataclass(slots=True)
class ClaudeHome:
    """What :func:`build_claude_home` wrote."""

    root: Path
    cwd: str
    project_dir: Path
    transcript: Path
    expected: Expected
    subagent_files: dict[str, Path] = field(default_factory=dict)
    other_sessions: list[Path] = field(default_factory=list)
    settings: Path | None = None
    memory_files: list[Path] = field(default_factory=list)


def _stamp_mtime(path: Path, w: SessionWriter) -> None:
    t = (w.ctx.t0_ms + w.ctx.ms) / 1000
    os.utime(path, (t, t))


def build_claude_home(
    root: Path,
    *,
    seed: int = 0,
    name: str = "basic",
    cwd: str | None = None,
    memory: bool = True,
    settings_model: str | None = None,
    extra_sessions: int = 0,
    base_time: datetime = DEFAULT_BASE_TIME,
    **options: Any,
) -> ClaudeHome:
    """Write a fake Claude config root: ``root/projects/<encoded cwd>/<sessionId>.jsonl``.

    ``cwd`` defaults to ``root.parent / "work" / "demo_app"`` (created). With ``memory`` the
    CLAUDE.md files of :func:`memory_texts` are written and counted in the static size.
    Subagent files, their sidecars and persisted tool results land in the project dir;
    ``settings.json`` gets ``"model"`` when the scenario (``sonnet_1m_suffix``) or
    ``settings_model`` asks. ``extra_sessions`` older "basic" sessions share the project dir.
    """
    cwd = cwd or str(root.parent / "work" / "demo_app")
    project = root / "projects" / encode_project_dir(cwd)
    project.mkdir(parents=True, exist_ok=True)
    startup, nested = memory_texts(cwd, root)
    written: list[Path] = []
    if memory:
        for p, text in {**startup, **nested}.items():
            Path(p).parent.mkdir(parents=True, exist_ok=True)
            Path(p).write_text(text, encoding="utf-8")
            written.append(Path(p))
    else:
        Path(cwd).mkdir(parents=True, exist_ok=True)
    others = []
    for i in range(extra_sessions):
        old = scenario(
            "basic",
            seed=seed + 1_000 + i,
            cwd=cwd,
            memory=startup if memory else None,
            base_time=base_time - timedelta(days=i + 1),
        )
        path = project / f"{old.session_id}.jsonl"
        path.write_bytes(old.content())
        _stamp_mtime(path, old)
        others.append(path)
    sid = options.pop("session_id", None)
    sid = sid or str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
    transcript = project / f"{sid}.jsonl"
    with transcript.open("wb") as fh:
        w = scenario(
            name,
            seed=seed,
            cwd=cwd,
            base_time=base_time,
            out=fh,
            session_id=sid,
            memory=startup if memory else None,
            nested_memory=nested,
            **options,
        )
    _stamp_mtime(transcript, w)
    agents = {}
    for rel, data in w.files().items():
        dest = project / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        if dest.name.startswith("agent-") and dest.suffix == ".jsonl":
            agents[dest.stem.removeprefix("agent-")] = dest
    settings = None
    if model := settings_model or w.settings_model:
        settings = root / "settings.json"
        settings.write_bytes(ENCODE({"model": model}) + b"\n")
    return ClaudeHome(
        root, cwd, project, transcript, w.expected(), agents, others, settings, written
    )
