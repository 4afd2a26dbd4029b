"""Tests for the safe settings.json editor (issue 5: install, uninstall, byte-exact restore)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from ctxdash.core.atomic import ActionError
from ctxdash.core.claude import settings_edit as se

HOOKS = {
    event: [{"matcher": matcher, "hooks": [{"type": "command", "command": f"ctxdash hook {sub}"}]}]
    for event, matcher, sub in [
        ("PreCompact", "", "pre-compact"),
        ("SessionStart", "clear|compact", "session-start"),
        ("SessionEnd", "", "session-end"),
    ]
}
HOOKS["PreCompact"][0]["hooks"][0]["timeout"] = 30
STATUS = {"type": "command", "command": "ctxdash statusline", "padding": 0}


def install(path: Path, **kw: object) -> se.Change:
    change = se.plan_install(path, hooks=kw.pop("hooks", HOOKS), **kw)  # type: ignore[arg-type]
    se.apply(change)
    return change


def uninstall(path: Path) -> se.Change:
    change = se.plan_uninstall(path)
    se.apply(change)
    return change


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.ctxdash-backup*"))


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    """A user settings file with other settings and another tool's hook, 4-space indented."""
    path = tmp_path / "home" / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    data = {
        "model": "opus",
        "permissions": {"allow": ["Bash(git status)"]},
        "hooks": {
            "PreCompact": [{"matcher": "auto", "hooks": [{"type": "command", "command": "x"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
        },
        "env": {"GREETING": "héllo"},
    }
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")  # no trailing newline
    return path


def test_install_into_missing_file_then_uninstall_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "proj" / ".claude" / "settings.json"
    change = se.plan_install(path, hooks=HOOKS, status_line=STATUS)
    assert change.old_text is None
    assert change.changed
    assert se.apply(change) is None  # nothing to back up
    data = load(path)
    assert data["hooks"]["PreCompact"][0]["hooks"][0]["command"] == "ctxdash hook pre-compact"
    assert data["statusLine"] == {"type": "command", "command": "ctxdash statusline", "padding": 0}
    assert path.read_text(encoding="utf-8") == json.dumps(data, indent=2) + "\n"
    assert se.status(path)["installed"]
    assert se.status(path)["manifest_matches"]
    uninstall(path)
    assert not path.exists()
    assert not se.manifest_path(path).exists()
    assert not se.status(path)["installed"]


def test_install_keeps_other_settings_and_hooks_and_restores_bytes(existing: Path) -> None:
    original = existing.read_bytes()
    change = se.plan_install(existing, hooks=HOOKS, status_line=STATUS)
    backup = se.apply(change)
    assert backup is not None
    assert backup.read_bytes() == original
    assert backup.name == "settings.json.ctxdash-backup"
    data = load(existing)
    assert list(data) == ["model", "permissions", "hooks", "env", "statusLine"]  # order kept
    assert data["env"]["GREETING"] == "héllo"
    assert "héllo" in existing.read_text(encoding="utf-8")
    pre = data["hooks"]["PreCompact"]
    assert pre[0]["hooks"][0]["command"] == "x"  # the other tool's hook stays first
    assert pre[1]["hooks"][0]["command"] == "ctxdash hook pre-compact"
    assert data["hooks"]["Stop"][0]["hooks"][0]["command"] == "notify-send done"
    assert set(se.status(existing)["hooks"]) == {"PreCompact", "SessionStart", "SessionEnd"}
    uninstall(existing)
    assert existing.read_bytes() == original  # byte for byte, 4-space indent and all
    assert len(backups(existing)) == 1  # one per file, from before the latest change


def test_reinstall_is_idempotent(existing: Path) -> None:
    install(existing, status_line=STATUS)
    after_first = existing.read_bytes()
    manifest = se.manifest_path(existing).read_bytes()
    again = se.plan_install(existing, hooks=HOOKS, status_line=STATUS)
    assert not again.changed
    assert again.summary == []
    assert se.render_diff(again) == ""
    assert se.apply(again) is None
    assert existing.read_bytes() == after_first
    assert se.manifest_path(existing).read_bytes() == manifest
    assert len(backups(existing)) == 1


def test_second_install_adds_status_line_and_uninstall_still_restores(existing: Path) -> None:
    original = existing.read_bytes()
    install(existing)  # hooks only
    assert "statusLine" not in load(existing)
    install(existing, hooks={}, status_line=STATUS)  # e.g. `ctxdash statusline install`
    assert load(existing)["statusLine"]["command"] == "ctxdash statusline"
    uninstall(existing)
    assert existing.read_bytes() == original


def test_wraps_existing_status_line_and_restores_it(existing: Path) -> None:
    data = load(existing)
    old = {"type": "command", "command": "bash ~/bin/my line.sh 'x y'", "padding": 2}
    data["statusLine"] = old
    existing.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    original = existing.read_bytes()
    install(existing, status_line=STATUS)
    sl = load(existing)["statusLine"]
    assert sl["command"] == "ctxdash statusline --wrap " + shlex.quote(old["command"])
    assert se.wrapped_command(sl["command"]) == old["command"]
    assert sl["padding"] == 0
    assert se.status(existing)["wraps"] == old["command"]
    assert list(load(existing)).index("statusLine") == list(data).index("statusLine")
    # re-installing does not wrap ctxdash in itself
    assert not se.plan_install(existing, hooks=HOOKS, status_line=STATUS).changed
    uninstall(existing)
    assert existing.read_bytes() == original


def test_replace_without_wrapping_remembers_old(existing: Path) -> None:
    data = load(existing)
    data["statusLine"] = {"type": "command", "command": "starship prompt"}
    existing.write_text(json.dumps(data), encoding="utf-8")
    install(existing, status_line=STATUS, wrap_existing_status_line=False)
    assert load(existing)["statusLine"]["command"] == "ctxdash statusline"
    edited = load(existing)
    edited["model"] = "sonnet"  # force the surgical path
    existing.write_text(json.dumps(edited, indent=2) + "\n", encoding="utf-8")
    uninstall(existing)
    assert load(existing)["statusLine"] == {"type": "command", "command": "starship prompt"}


def test_uninstall_after_user_edits_is_surgical(existing: Path) -> None:
    install(existing, status_line=STATUS)
    data = load(existing)
    data["model"] = "sonnet"
    data["newKey"] = [1, 2]
    data["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "say hi"}]})
    existing.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    assert not se.status(existing)["manifest_matches"]
    change = se.plan_uninstall(existing)
    assert any("remove PreCompact hook" in line for line in change.summary)
    se.apply(change)
    after = load(existing)
    assert after["model"] == "sonnet"
    assert after["newKey"] == [1, 2]
    assert "statusLine" not in after
    assert set(after["hooks"]) == {"PreCompact", "Stop"}  # events ctxdash created are gone
    assert after["hooks"]["PreCompact"] == [
        {"matcher": "auto", "hooks": [{"type": "command", "command": "x"}]}
    ]
    assert len(after["hooks"]["Stop"]) == 2
    assert not se.status(existing)["installed"]


def test_uninstall_only_removes_what_was_added(existing: Path) -> None:
    # a ctxdash hook the user added by hand before installing is not ctxdash's to remove
    data = load(existing)
    data["hooks"]["UserPromptSubmit"] = [
        {"hooks": [{"type": "command", "command": "ctxdash check"}]}
    ]
    existing.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    install(existing)
    edited = load(existing)
    edited["theme"] = "dark"
    existing.write_text(json.dumps(edited, indent=2) + "\n", encoding="utf-8")
    uninstall(existing)
    after = load(existing)
    assert after["hooks"]["UserPromptSubmit"] == data["hooks"]["UserPromptSubmit"]
    assert after["theme"] == "dark"
    assert "SessionStart" not in after["hooks"]


def test_uninstall_without_record_removes_recognised_entries(existing: Path) -> None:
    install(existing, status_line=STATUS, hooks={"PreCompact": HOOKS["PreCompact"]})
    se.manifest_path(existing).unlink()
    change = se.plan_uninstall(existing)
    assert change.summary[0].startswith("no install record")
    se.apply(change)
    after = load(existing)
    assert "statusLine" not in after
    assert [g["hooks"][0]["command"] for g in after["hooks"]["PreCompact"]] == ["x"]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"hooks": []}'])
def test_invalid_file_is_refused_and_untouched(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ActionError) as info:
        se.plan_install(path, hooks=HOOKS, status_line=STATUS)
    assert str(path) in str(info.value)
    assert "untouched" in str(info.value)
    with pytest.raises(ActionError):
        se.plan_uninstall(path)
    assert path.read_text(encoding="utf-8") == content
    assert backups(path) == []
    assert se.status(path)["error"]


def test_refuses_foreign_commands(tmp_path: Path) -> None:
    hooks = {"Stop": [{"hooks": [{"type": "command", "command": "rm -rf /"}]}]}
    with pytest.raises(ActionError, match="not ctxdash's"):
        se.plan_install(tmp_path / "settings.json", hooks=hooks)


def test_recognises_ctxdash_commands() -> None:
    assert se.is_ctxdash_command("ctxdash hook pre-compact")
    assert se.is_ctxdash_command("/home/me/.local/bin/ctxdash statusline")
    assert se.is_ctxdash_command("'/opt/my tools/ctxdash' statusline")
    assert not se.is_ctxdash_command("ctxdashboard run")
    assert not se.is_ctxdash_command("echo ctxdash")
    assert se.is_ctxdash_command("/usr/bin/python3.12 -m ctxdash hook pre-compact")
    assert not se.is_ctxdash_command("python -m other ctxdash")
    fast = "import sys; from ctxdash.integration.statusline import cli; sys.exit(cli())"
    assert se.is_ctxdash_command(f"/usr/bin/python3 -c '{fast}' statusline")
    # where the status line lived before: older installs are still recognised (and removed)
    older = "import sys; from ctxdash.statusline import cli; sys.exit(cli())"
    assert se.is_ctxdash_command(f"/usr/bin/python3 -c '{older}' statusline")
    assert se.is_ctxdash_command("python3 -m ctxdash.statusline")
    assert not se.is_ctxdash_command(None)


def test_apply_refuses_if_file_changed_since_plan(existing: Path) -> None:
    change = se.plan_install(existing, hooks=HOOKS)
    existing.write_text("{}", encoding="utf-8")
    with pytest.raises(ActionError, match="changed since"):
        se.apply(change)
    assert existing.read_text(encoding="utf-8") == "{}"


def test_user_scope_honours_claude_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    assert se.settings_path("user") == home / ".claude" / "settings.json"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{tmp_path / 'cfg-a'},{tmp_path / 'cfg-b'}")
    assert se.settings_path("user") == tmp_path / "cfg-a" / "settings.json"


def test_project_scope_path(tmp_path: Path) -> None:
    assert se.settings_path("project", cwd=tmp_path) == tmp_path / ".claude" / "settings.json"
    with pytest.raises(ValueError, match="scope"):
        se.settings_path("global")


def test_diff_shows_added_lines(existing: Path) -> None:
    change = se.plan_install(existing, hooks=HOOKS, status_line=STATUS)
    diff = se.render_diff(change)
    assert diff.startswith("--- a/settings.json\n+++ b/settings.json\n")
    assert '+            "command": "ctxdash hook pre-compact",' in diff
    assert '+  "statusLine": {' in diff
    assert "\\ No newline at end of file" in diff  # the original lacked one
    assert existing.read_text(encoding="utf-8") == change.old_text  # dry run wrote nothing
    new_file = se.plan_install(existing.parent / "new.json", hooks=HOOKS)
    assert all(line.startswith(("+", "-", "@")) for line in se.render_diff(new_file).splitlines())


def test_one_backup_per_file(existing: Path) -> None:
    original = existing.read_bytes()
    old = existing.with_name(f"{existing.name}.ctxdash-backup-20260101T000000Z")
    old.write_bytes(b"{}")  # what an older ctxdash left behind
    other = existing.with_name(f"{existing.name}.ctxdash-backup-mine")
    other.write_bytes(b"{}")  # not ours: kept
    install(existing)
    installed = existing.read_bytes()
    uninstall(existing)
    install(existing)
    found = backups(existing)
    assert found == [se.backup_path(existing), other]
    assert se.backup_path(existing).read_bytes() == original  # before the latest install
    uninstall(existing)
    assert se.backup_path(existing).read_bytes() == installed


def test_symlinked_settings_stay_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "settings.json"
    real.parent.mkdir()
    real.write_text('{"model": "opus"}\n', encoding="utf-8")
    link = tmp_path / "home" / ".claude" / "settings.json"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    install(link)
    assert link.is_symlink()
    assert "hooks" in load(real)
    uninstall(link)
    assert real.read_text(encoding="utf-8") == '{"model": "opus"}\n'


@pytest.mark.parametrize("raw", [b"", b"  \n", b'\xef\xbb\xbf{\r\n  "a": 1\r\n}\r\n'])
def test_unusual_originals_restore_exactly(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    install(path, status_line=STATUS)
    assert load(path)["statusLine"]["command"] == "ctxdash statusline"
    uninstall(path)
    assert path.read_bytes() == raw


def test_status_without_install(tmp_path: Path) -> None:
    info = se.status(tmp_path / "settings.json")
    assert info["exists"] is False
    assert info["installed"] is False
    assert info["manifest"] is None


def test_file_mode_is_kept(existing: Path) -> None:
    existing.chmod(0o644)
    install(existing)
    assert existing.stat().st_mode & 0o777 == 0o644


def test_same_command_under_two_matchers(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    hook = {"type": "command", "command": "ctxdash hook session-start", "timeout": 10}
    hooks = {"SessionStart": [{"matcher": m, "hooks": [hook]} for m in ("clear", "compact")]}
    install(path, hooks=hooks)
    assert [g["matcher"] for g in load(path)["hooks"]["SessionStart"]] == ["clear", "compact"]
    assert not se.plan_install(path, hooks=hooks).changed


def test_partial_uninstall_then_full_restores_bytes(existing: Path) -> None:
    original = existing.read_bytes()
    install(existing, status_line=STATUS)
    change = se.plan_uninstall(existing, parts=["statusLine"])
    assert change.summary == ["remove statusLine"]
    se.apply(change)
    assert "statusLine" not in load(existing)
    assert se.status(existing)["hooks"]
    assert se.status(existing)["manifest_matches"]
    se.apply(se.plan_uninstall(existing, parts=["statusLine"]))  # nothing left to do
    uninstall(existing)
    assert existing.read_bytes() == original
    assert not se.manifest_path(existing).exists()
