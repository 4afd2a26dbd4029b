"""The core never imports Textual or Rich."""

from __future__ import annotations

import subprocess
import sys


def test_core_does_not_import_ui() -> None:
    code = (
        "import sys, ctxdash.core.status, ctxdash.core.claude.session_list;"
        "import ctxdash.cli.textout, ctxdash.synth;"
        "print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
