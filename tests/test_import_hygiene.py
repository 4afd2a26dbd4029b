"""The core never imports Textual or Rich; no module imports itself back through others."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_core_does_not_import_ui() -> None:
    code = (
        "import sys, ctxdash.core.status, ctxdash.core.claude.session_list;"
        "import ctxdash.cli.textout, ctxdash.synth;"
        "print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_import_cycles() -> None:
    """Counting imports inside functions too: a deferred import is still a dependency."""
    grimp = pytest.importorskip("grimp")  # installed with import-linter (the lint tools)
    graph = grimp.build_graph("ctxdash")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(imported=module, importer=imported):
                cycles.append((module, imported))
    assert not cycles
