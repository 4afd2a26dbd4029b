"""Tests for ctxdash.core.claude.memory: which memory files Claude Code loads, in which order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ctxdash.core.claude import memory
from ctxdash.core.claude.memory import (
    MemoryFile,
    discover_memory,
    memory_paths_to_watch,
    memory_signature,
    project_key,
)
from ctxdash.core.claude.memory_text import import_tokens, strip_block_comments


def words(text: str) -> int:
    """The fake token counter: one token a word of the file's own content.

    The line Claude Code puts before each file, and the sentence before the first, count
    nothing here: these tests are about the files (the framing has tests of its own).
    """
    if text.startswith(memory.LEAD_IN):
        return 0
    if text.startswith("Contents of "):
        text = text.split(":\n\n", 1)[1]
    return len(text.split())


class Tree:
    """A fake machine under ``tmp_path``: home, Claude root, managed dir and a git project."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "home"
        self.claude_root = self.home / ".claude"
        self.managed = base / "managed"
        self.proj = base / "work" / "proj"
        (self.proj / ".git").mkdir(parents=True)

    def write(self, rel: str | Path, text: str | bytes = "") -> Path:
        path = self.base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def auto_memory(self, root: Path | None = None) -> str:
        key = project_key(str(root or self.proj))
        return f"home/.claude/projects/{key}/memory/MEMORY.md"

    def discover(
        self, cwd: Path | None = None, count: Callable[[str], int] = words, **kwargs: object
    ) -> list[MemoryFile]:
        found = discover_memory(
            cwd or self.proj,
            count=count,
            claude_root=self.claude_root,
            home=self.home,
            managed_dir=self.managed,
            **kwargs,  # type: ignore[arg-type]
        )
        # Ignore anything the real filesystem above tmp_path might hold.
        return [f for f in found if f.path.startswith(str(self.base) + os.sep)]

    def rel(self, files: list[MemoryFile]) -> list[str]:
        return [Path(f.path).relative_to(self.base).as_posix() for f in files]

    def get(self, files: list[MemoryFile], rel: str) -> MemoryFile:
        return next(f for f in files if f.path == str(self.base / rel))


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path.resolve())


# --- order and scopes ------------------------------------------------------------------------


def test_load_order_and_scopes(tree: Tree) -> None:
    tree.write("managed/CLAUDE.md", "managed policy")
    tree.write("managed/.claude/rules/policy.md", "policy rule")
    tree.write("home/.claude/CLAUDE.md", "user memory")
    tree.write("home/.claude/rules/b.md", "user rule b")
    tree.write("home/.claude/rules/a/deep.md", "user rule deep")
    tree.write("work/CLAUDE.md", "parent dir")
    tree.write("work/proj/CLAUDE.md", "project memory")
    tree.write("work/proj/.claude/CLAUDE.md", "dot claude")
    tree.write("work/proj/.claude/rules/style.md", "style rule")
    tree.write("work/proj/.claude/rules/notes.txt", "not markdown")
    tree.write("work/proj/CLAUDE.local.md", "local notes")
    tree.write(tree.auto_memory(), "auto memory index")

    files = tree.discover()

    assert tree.rel(files) == [
        "managed/CLAUDE.md",
        "managed/.claude/rules/policy.md",
        "home/.claude/CLAUDE.md",
        "home/.claude/rules/b.md",  # a folder's files come before its sub-folders
        "home/.claude/rules/a/deep.md",
        "work/CLAUDE.md",
        "work/proj/CLAUDE.md",
        "work/proj/.claude/CLAUDE.md",
        "work/proj/.claude/rules/style.md",
        "work/proj/CLAUDE.local.md",
        tree.auto_memory(),
    ]
    assert [f.scope for f in files] == [
        "managed", "rules", "user", "rules", "rules", "project", "project", "project",
        "rules", "local", "auto-memory",
    ]  # fmt: skip
    assert all(f.tier == 1 and f.loaded for f in files)
    assert all(f.warnings == () and f.depth == 0 and f.imported_by is None for f in files)
    assert tree.get(files, "work/proj/CLAUDE.md").tokens == 2
    assert tree.get(files, "work/proj/CLAUDE.md").lines == 1
    assert tree.get(files, "work/proj/CLAUDE.md").bytes == len("project memory")


def test_missing_files_are_not_listed_and_nonexistent_cwd_does_not_raise(tree: Tree) -> None:
    assert tree.discover() == []
    tree.write("home/.claude/CLAUDE.md", "user memory")
    assert tree.rel(tree.discover(tree.base / "no" / "such" / "dir")) == ["home/.claude/CLAUDE.md"]


def test_default_managed_dir_is_platform_specific() -> None:
    expected = {
        "darwin": "/Library/Application Support/ClaudeCode",
        "win32": r"C:\Program Files\ClaudeCode",
    }.get(sys.platform, "/etc/claude-code")
    assert str(memory.default_managed_dir()) == expected


# --- rules -----------------------------------------------------------------------------------


def test_rules_with_paths_frontmatter_are_tier_3(tree: Tree) -> None:
    tree.write("work/proj/.claude/rules/always.md", "always on rule")
    tree.write("work/proj/.claude/rules/described.md", "---\ndescription: x\n---\nbody here\n")
    tree.write("work/proj/.claude/rules/inline.md", "---\npaths: src/**/*.py\n---\none two\n")
    tree.write(
        "work/proj/.claude/rules/listed.md",
        '---\ndescription: api\npaths:\n  - "src/api/**"\n  - tests/**\n---\nthree words here\n',
    )

    files = tree.discover()
    always = tree.get(files, "work/proj/.claude/rules/always.md")
    described = tree.get(files, "work/proj/.claude/rules/described.md")
    inline = tree.get(files, "work/proj/.claude/rules/inline.md")
    listed = tree.get(files, "work/proj/.claude/rules/listed.md")

    assert (always.tier, always.loaded) == (1, True)
    assert (described.tier, described.loaded, described.tokens) == (1, True, 2)
    assert (inline.tier, inline.loaded, inline.tokens) == (3, False, 2)
    assert (listed.tier, listed.loaded, listed.tokens) == (3, False, 3)
    assert all(f.scope == "rules" for f in files)


def test_path_rule_read_this_session_is_tier_2(tree: Tree) -> None:
    rule = tree.write("work/proj/.claude/rules/api.md", "---\npaths: src/**\n---\nbody\n")
    (found,) = tree.discover(nested_loaded=[str(rule)])
    assert (found.scope, found.tier, found.loaded, found.tokens) == ("rules", 2, True, 1)


# --- auto memory -----------------------------------------------------------------------------


def test_auto_memory_truncated_at_200_lines(tree: Tree) -> None:
    tree.write(tree.auto_memory(), "".join(f"line{i}\n" for i in range(250)))
    (auto,) = tree.discover()
    assert auto.scope == "auto-memory"
    assert (auto.tokens, auto.lines, auto.loaded) == (200, 250, True)
    assert auto.warnings == ("truncated: only the first 200 of 250 lines are loaded",)


def test_auto_memory_truncated_at_25_kb(tree: Tree) -> None:
    line = "word " * 99 + "end\n"  # 499 bytes, 100 words
    tree.write(tree.auto_memory(), line * 100)
    (auto,) = tree.discover()
    assert auto.tokens == 100 * (25_000 // len(line))
    assert auto.warnings
    assert auto.warnings[0].startswith("truncated")


def test_auto_memory_short_file_has_no_warning(tree: Tree) -> None:
    tree.write(tree.auto_memory(), "just a few words\n")
    (auto,) = tree.discover()
    assert (auto.tokens, auto.warnings) == (4, ())


def test_auto_memory_keyed_on_git_root(tree: Tree) -> None:
    sub = tree.proj / "src" / "pkg"
    sub.mkdir(parents=True)
    tree.write(tree.auto_memory(tree.proj), "from the git root")
    files = tree.discover(sub)
    assert tree.rel(files) == [tree.auto_memory(tree.proj)]


def test_linked_worktree_skips_main_checkout_parents(tree: Tree) -> None:
    main = tree.base / "main"
    (main / ".git" / "worktrees" / "wt").mkdir(parents=True)
    tree.write("main/.git/worktrees/wt/commondir", "../..\n")
    tree.write("main/trees/wt/.git", "gitdir: ../../.git/worktrees/wt\n")
    tree.write("main/CLAUDE.md", "main checkout")
    tree.write("main/trees/CLAUDE.md", "between")
    tree.write("main/trees/wt/CLAUDE.md", "worktree")
    tree.write(tree.auto_memory(main), "shared auto memory")

    files = tree.discover(main / "trees" / "wt")

    assert tree.rel(files) == ["main/trees/wt/CLAUDE.md", tree.auto_memory(main)]


# --- what a file costs: its content as Claude Code sends it ----------------------------------


def test_each_file_is_counted_with_the_line_that_names_it(tree: Tree) -> None:
    tree.write("home/.claude/CLAUDE.md", "user memory")
    tree.write("home/.claude/rules/r.md", "user rule")
    tree.write("work/proj/CLAUDE.md", "project memory @notes.md\n\n")
    tree.write("work/proj/notes.md", "imported notes")
    tree.write("work/proj/.claude/rules/style.md", "style rule")
    tree.write("work/proj/CLAUDE.local.md", "local notes")
    tree.write(tree.auto_memory(), "auto memory index")
    counted: list[str] = []

    def count(text: str) -> int:
        counted.append(text)
        return len(text)

    files = tree.discover(count=count)
    notes = {
        "home/.claude/CLAUDE.md": "user's private global instructions for all projects",
        "home/.claude/rules/r.md": "user's private global instructions for all projects",
        "work/proj/CLAUDE.md": "project instructions, checked into the codebase",
        "work/proj/notes.md": "project instructions, checked into the codebase",
        "work/proj/.claude/rules/style.md": "project instructions, checked into the codebase",
        "work/proj/CLAUDE.local.md": "user's private project instructions, not checked in",
        tree.auto_memory(): "user's auto-memory, persists across conversations",
    }
    assert tree.rel(files) == list(notes)
    lead = memory.LEAD_IN + "\n\n"
    assert counted.count(lead) == 1  # the sentence before the files, once
    for file, note in zip(files, notes.values(), strict=True):
        body = Path(file.path).read_text().strip()
        sent = f"Contents of {file.path} ({note}):\n\n{body}"
        assert sent in counted
        # The first file loaded at start carries the sentence that leads them in.
        extra = len(lead) if file is files[0] else 0
        assert file.tokens == len(sent) + extra, file.path


def test_the_framing_is_what_the_real_client_records() -> None:
    """Claude Code 2.1.332 records the instructions it sends: the lead-in sentence, then each
    file named by its kind, exactly as ctxdash counts them from disk."""
    data = Path(__file__).parent / "data" / "realclient" / "2.1.332" / "projects"
    found = 0
    for transcript in data.glob("*/*.jsonl"):
        for line in transcript.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            attachment = record.get("attachment") or {}
            if record.get("type") != "attachment" or attachment.get("type") != "instructions":
                continue
            kinds = {"Project": "project", "Local": "local", "User": "user"}
            files = "\n\n".join(
                memory.injected_text(f["path"], kinds[f["type"]], f["content"])
                for f in attachment["files"]
            )
            sent = f"<system-reminder>\n{memory.LEAD_IN}\n\n{files}\n</system-reminder>"
            assert record["rendered"][0]["content"] == sent
            found += 1
    assert found


# --- imports ---------------------------------------------------------------------------------


def test_imports_relative_and_home(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "See @docs/a.md and @~/shared.md.\n")
    tree.write("work/proj/docs/a.md", "doc a imports @b.md\n")
    tree.write("work/proj/docs/b.md", "doc b\n")
    tree.write("home/shared.md", "shared notes\n")
    tree.write("work/proj/CLAUDE.local.md", "local\n")

    files = tree.discover()

    assert tree.rel(files) == [
        "work/proj/CLAUDE.md",
        "work/proj/docs/a.md",
        "work/proj/docs/b.md",
        "home/shared.md",
        "work/proj/CLAUDE.local.md",
    ]
    root, a, b, shared, local = files
    assert [f.scope for f in (a, b, shared)] == ["import"] * 3
    assert (a.imported_by, a.depth) == (root.path, 1)
    assert (b.imported_by, b.depth) == (a.path, 2)
    assert (shared.imported_by, shared.depth) == (root.path, 1)
    assert all(f.tier == 1 and f.loaded and not f.warnings for f in files)
    assert local.scope == "local"


def test_imports_inherit_tier_of_importer(tree: Tree) -> None:
    tree.write("work/proj/.claude/rules/api.md", "---\npaths: src/**\n---\nsee @../api.md\n")
    tree.write("work/proj/.claude/api.md", "api notes")
    rule, imported = tree.discover()
    assert (imported.scope, imported.tier, imported.loaded, imported.tokens) == (
        "import",
        3,
        False,
        2,
    )
    assert imported.imported_by == rule.path


def test_import_hop_limit(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "@h1.md")
    for hop in range(1, 7):
        tree.write(f"work/proj/h{hop}.md", f"hop {hop} @h{hop + 1}.md")

    files = tree.discover()

    assert tree.rel(files) == ["work/proj/CLAUDE.md"] + [f"work/proj/h{n}.md" for n in range(1, 6)]
    assert [f.depth for f in files] == [0, 1, 2, 3, 4, 5]
    assert all(f.loaded and not f.warnings for f in files[:5])
    fifth = files[5]
    assert not fifth.loaded
    assert fifth.tokens == 3  # the cost is still shown
    assert fifth.warnings == ("not loaded: import depth 5 is over 4 hops",)


def test_import_hop_limit_is_configurable(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "@h1.md")
    tree.write("work/proj/h1.md", "@h2.md")
    tree.write("work/proj/h2.md", "end")
    files = tree.discover(max_import_hops=1)
    assert [f.loaded for f in files] == [True, True, False]


def test_import_cycle_is_reported_once_and_terminates(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "@a.md")
    tree.write("work/proj/a.md", "@b.md")
    tree.write("work/proj/b.md", "@a.md @CLAUDE.md")

    files = tree.discover()

    assert tree.rel(files) == ["work/proj/CLAUDE.md", "work/proj/a.md", "work/proj/b.md"]
    assert tree.get(files, "work/proj/b.md").warnings == (
        "import cycle: a.md -> b.md -> a.md",
        "import cycle: CLAUDE.md -> a.md -> b.md -> CLAUDE.md",
    )


def test_self_import_is_a_cycle(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "me again @CLAUDE.md")
    (root,) = tree.discover()
    assert root.warnings == ("import cycle: CLAUDE.md -> CLAUDE.md",)


def test_file_reached_twice_is_listed_once(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "@a.md @b.md @CLAUDE.local.md")
    tree.write("work/proj/a.md", "@b.md")
    tree.write("work/proj/b.md", "shared")
    tree.write("work/proj/CLAUDE.local.md", "local")

    files = tree.discover()

    assert tree.rel(files) == [
        "work/proj/CLAUDE.md",
        "work/proj/a.md",
        "work/proj/b.md",
        "work/proj/CLAUDE.local.md",
    ]
    assert tree.get(files, "work/proj/b.md").imported_by == str(tree.proj / "a.md")
    assert tree.get(files, "work/proj/CLAUDE.local.md").scope == "import"
    assert not any(f.warnings for f in files)


def test_missing_import_warns_on_importer(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "See @docs/missing.md, @~/nope.md and @alice.\n")
    (root,) = tree.discover()
    assert root.warnings == ("missing import: @docs/missing.md", "missing import: @~/nope.md")


def test_imports_in_code_and_comments_are_ignored(tree: Tree) -> None:
    for name in ("fenced", "tilde", "span", "double", "comment"):
        tree.write(f"work/proj/{name}.md", name)
    tree.write(
        "work/proj/CLAUDE.md",
        "```md\n@fenced.md\n```\n"
        "~~~\n@tilde.md\n~~~\n"
        "Use `@span.md` or ``x @double.md y`` here.\n"
        "<!-- @comment.md -->\n",
    )
    (root,) = tree.discover()
    assert root.warnings == ()


def test_emails_and_non_paths_are_ignored(tree: Tree) -> None:
    tree.write("work/proj/example.com", "not imported")
    tree.write("work/proj/CLAUDE.md", "Mail alice@example.com or @ or @@ or @! or x@y.\n")
    (root,) = tree.discover()
    assert root.warnings == ()


def test_import_tokens() -> None:
    text = "a @x.md b\n`@no.md` `s`@no1.md\n```\n@no2.md\n```\n@my\\ file.md#part (@no3.md) @y.md."
    assert import_tokens(text) == ["x.md", "my file.md", "y.md."]


# --- content ---------------------------------------------------------------------------------


def test_html_block_comments_are_stripped(tree: Tree) -> None:
    tree.write(
        "work/proj/CLAUDE.md",
        "one two <!-- inline stays -->\n<!--\nhidden words here\n-->\n  <!-- also hidden -->\n"
        "three\n```\n<!-- kept in code -->\n```\n",
    )
    (root,) = tree.discover()
    # one two <!-- inline stays --> three ``` <!-- kept in code --> ```
    assert root.tokens == 7 + 1 + 6
    assert root.lines == 9


def test_strip_block_comments() -> None:
    assert strip_block_comments("a\n<!-- x -->\nb\n") == "a\nb\n"
    assert strip_block_comments("<!-- x --> rest\n") == " rest\n"
    assert strip_block_comments("a\n<!-- never closed\nb\n") == "a\n<!-- never closed\nb\n"


def test_long_file_warning(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", "x\n" * 1204)
    (root,) = tree.discover()
    assert root.warnings == ("1,204 lines (over 500)",)
    assert root.loaded
    assert root.lines == 1204


def test_file_over_4_mib_is_skipped(tree: Tree) -> None:
    size = 4 * 1024 * 1024 + 1
    tree.write("work/proj/CLAUDE.md", b"a" * size)
    (root,) = tree.discover()
    assert (root.loaded, root.tokens, root.bytes) == (False, 0, size)
    assert root.warnings == ("skipped: over 4 MiB",)


def test_unreadable_file_chmod(tree: Tree) -> None:
    path = tree.write("work/proj/CLAUDE.md", "secret")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reading")
        (root,) = tree.discover()
    finally:
        path.chmod(0o644)
    assert (root.loaded, root.tokens) == (False, 0)
    assert root.warnings == ("unreadable: Permission denied",)


def test_unreadable_file_never_raises(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    tree.write("work/proj/CLAUDE.md", "secret")
    tree.write("work/proj/CLAUDE.local.md", "fine")

    original = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "CLAUDE.md":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)

    root, local = tree.discover()
    assert (root.loaded, root.tokens, root.warnings) == (
        False,
        0,
        ("unreadable: Permission denied",),
    )
    assert (local.loaded, local.tokens) == (True, 1)


def test_invalid_utf8_is_decoded_with_replacement(tree: Tree) -> None:
    tree.write("work/proj/CLAUDE.md", b"caf\xe9 ok\n")
    (root,) = tree.discover()
    assert (root.loaded, root.tokens) == (True, 2)
    assert root.warnings == ("not valid UTF-8 (decoded with replacements)",)


def test_duplicates_by_realpath(tree: Tree) -> None:
    target = tree.write("work/proj/CLAUDE.md", "once")
    (tree.proj / ".claude").mkdir()
    (tree.proj / ".claude" / "CLAUDE.md").symlink_to(target)
    assert tree.rel(tree.discover()) == ["work/proj/CLAUDE.md"]


# --- nested (sub-directory) files -------------------------------------------------------------


def test_nested_tier_2_and_tier_4(tree: Tree) -> None:
    pkg = tree.write("work/proj/pkg/CLAUDE.md", "loaded nested")
    tree.write("work/proj/lib/CLAUDE.local.md", "not yet")
    tree.write("work/proj/a/b/c/CLAUDE.md", "depth three")
    deep = tree.write("work/proj/a/b/c/d/CLAUDE.md", "depth four")
    tree.write("work/proj/a/b/c/e/CLAUDE.md", "depth four, not loaded")
    tree.write("work/proj/node_modules/x/CLAUDE.md", "skipped")
    tree.write("work/proj/.hidden/CLAUDE.md", "skipped")
    tree.write("work/proj/__pycache__/CLAUDE.md", "skipped")

    files = tree.discover(nested_loaded=[str(pkg), str(deep)])

    assert tree.rel(files) == [
        "work/proj/pkg/CLAUDE.md",
        "work/proj/a/b/c/d/CLAUDE.md",
        "work/proj/a/b/c/CLAUDE.md",
        "work/proj/lib/CLAUDE.local.md",
    ]
    assert all(f.scope == "nested" for f in files)
    assert [(f.tier, f.loaded) for f in files] == [(2, True), (2, True), (4, False), (4, False)]
    assert files[2].tokens == 2  # the cost of loading it is still shown


def test_nested_walk_is_bounded(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "NESTED_MAX_DIRS", 3)
    for name in "abcdef":
        tree.write(f"work/proj/{name}/CLAUDE.md", name)
    assert tree.rel(tree.discover()) == [f"work/proj/{n}/CLAUDE.md" for n in "abc"]


# --- project_key -----------------------------------------------------------------------------


def _java_string_hash(text: str) -> int:
    """Java's String.hashCode over UTF-16 code units, written independently of the module."""
    units = [int.from_bytes(text.encode("utf-16-le")[i : i + 2], "little")
             for i in range(0, len(text.encode("utf-16-le")), 2)]  # fmt: skip
    h = 0
    for unit in units:
        h = ((31 * h + unit + 2**31) % 2**32) - 2**31
    return h


def _to_base36(n: int) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    digits = []
    while n:
        digits.append(alphabet[n % 36])
        n //= 36
    return "".join(reversed(digits)) or "0"


def test_project_key_examples() -> None:
    assert project_key("/Users/alice/my_app.v2") == "-Users-alice-my-app-v2"
    assert project_key(r"C:\work\proj") == "C--work-proj"
    assert project_key("/x/caf\u00e9 \U0001f600") == "-x-caf----"


def test_project_key_long_path_gets_hash_suffix() -> None:
    path = "/nonexistent/" + "segment_" * 30
    expected = "-nonexistent-" + "segment-" * 30
    assert len(expected) > 200
    suffix = _to_base36(abs(_java_string_hash(path)))
    assert project_key(path) == f"{expected[:200]}-{suffix}"
    assert project_key("/a" * 100) == "-a" * 100  # exactly 200: no suffix


def test_project_key_resolves_existing_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real_dir"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert project_key(str(tmp_path / "link")) == project_key(str(real.resolve()))


# --- watching --------------------------------------------------------------------------------


def test_memory_signature_changes_on_edit(tree: Tree) -> None:
    path = tree.write("work/proj/CLAUDE.md", "v1")
    files = tree.discover()
    before = memory_signature(files)
    path.write_text("version two")
    assert memory_signature(files) != before
    path.unlink()
    assert memory_signature(files) == ((str(path), -1, -1),)


def test_memory_paths_to_watch(tree: Tree) -> None:
    tree.write("work/proj/.claude/rules/sub/r.md", "rule")
    tree.write("home/.claude/CLAUDE.md", "user")
    tree.write("work/proj/CLAUDE.md", "@../docs/x.md")
    tree.write("work/docs/x.md", "doc")
    files = tree.discover()

    watched = memory_paths_to_watch(
        tree.proj, tree.claude_root, managed_dir=tree.managed, files=files
    )

    assert tree.claude_root in watched
    assert tree.proj in watched
    assert tree.proj / ".claude" / "rules" in watched
    assert tree.proj / ".claude" / "rules" / "sub" in watched
    assert tree.base / "work" / "docs" in watched
    assert tree.managed not in watched  # does not exist
    assert len(watched) == len(set(watched))


# --- hygiene ---------------------------------------------------------------------------------


def test_module_never_imports_textual_or_rich() -> None:
    code = (
        "import sys, ctxdash.core.claude.memory\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_live_monitor_scans_memory_once_per_change_and_as_status_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctxdash import synth
    from ctxdash.core import gather as gather_module
    from ctxdash.core.config import Config
    from ctxdash.core.monitor import Monitor
    from ctxdash.core.status import session_budget
    from ctxdash.core.transcript.tokens import HeuristicCounter

    home = synth.build_claude_home(tmp_path / "claude", seed=3, name="basic")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home.root))
    scans: list[str] = []
    real = gather_module.discover_memory

    def counted(*args: Any, **kwargs: Any) -> list[MemoryFile]:
        scans.append("scan")
        return real(*args, **kwargs)

    monkeypatch.setattr(gather_module, "discover_memory", counted)
    monitor = Monitor(home.transcript, config=Config(), counter=HeuristicCounter())
    first = monitor.refresh(None)
    assert len(scans) == 1
    assert first.memory_files
    again = monitor.refresh({home.transcript})  # the transcript grew: memory is kept
    assert len(scans) == 1
    assert again.memory_files == first.memory_files
    monitor.refresh({home.transcript.parent / "CLAUDE.md"})  # a memory file changed
    assert len(scans) == 2
    status = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert status.memory_files == first.memory_files  # one rule: the same files, same tokens
