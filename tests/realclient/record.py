"""Record transcripts the real Claude Code wrote, with what it sent, as test fixtures.

``python -m tests.realclient.record [VERSION ...]`` runs the print-mode scenarios on each
version (default: the current one) against the stand-in (cl100k count) and writes
``tests/data/realclient/<version>/``: the ``projects/`` tree Claude Code wrote (transcripts,
subagent files and their ``.meta.json``) and ``truth.json``, the rows each transcript's last
request really sent. ``tests/test_recorded.py``
checks ctxdash against them on every run, with or without npm.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from tests.realclient import client, scenarios

DATA = Path(__file__).resolve().parents[1] / "data" / "realclient"


def record(version: str = client.CURRENT) -> Path:
    out = DATA / version
    # A fixed folder, so that the recorded paths do not change from one recording to the next.
    tmp = Path(tempfile.gettempdir()) / "ctxdash-recorded"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        run = scenarios.run_version(version, tmp, "cl100k")
        assert run.home is not None
        projects = run.home / ".claude" / "projects"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(projects, out / "projects", ignore=shutil.ignore_patterns("memory"))
        truth = {
            str(case.transcript.relative_to(projects)): {
                "scenario": case.name,
                "used": case.used,
                "sent": case.sent,
                "cwd": case.status["cwd"],
            }
            for case in run.cases
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (out / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return out


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:] or [client.CURRENT]:
        print(record(name))
