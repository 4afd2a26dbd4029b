"""The product never cites documents a user does not have: it states the rule itself."""

from __future__ import annotations

import re
from pathlib import Path

from ctxdash.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
CITATION = re.compile(r"PRACTICE|FORMATS|PEERS\.md|STYLE\.md|\.\./shared")


def _help_texts() -> str:
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for sub in getattr(action, "choices", {}).values():
            texts.append(sub.format_help())
    return "\n".join(texts)


def test_readme_help_and_code_cite_no_developer_documents() -> None:
    files = [*sorted(ROOT.glob("*.md")), *sorted((ROOT / "ctxdash").rglob("*.py"))]
    files += sorted((ROOT / "themes").rglob("*"))
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        if path.is_file()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CITATION.search(line)
    ]
    assert found == []
    assert not CITATION.search(_help_texts())


def test_quickstart_enters_the_clone_and_shows_progress() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert "\ncd " in quick
    assert "pip install -q" not in quick
