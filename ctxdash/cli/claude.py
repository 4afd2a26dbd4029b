"""``ctxdash hooks …``, ``ctxdash hook EVENT``, ``ctxdash statusline [install|uninstall]``.

Installing edits Claude Code's settings (user, ``$CLAUDE_CONFIG_DIR``, or the project's) the
safe way: merged with what is there, idempotent, backed up, with a printed diff; ``--dry-run``
shows the diff only; ``uninstall`` removes exactly what was added.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from pathlib import Path

EXIT_OK = 0
HOOK_TIMEOUT = 60


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the Claude Code integration subcommands."""
    p = sub.add_parser("hooks", help="install ctxdash's Claude Code hooks")
    p.add_argument("action", choices=("install", "uninstall", "status"))
    p.add_argument("--json", action="store_true", help="status: print one JSON object")
    _scope(p)

    p = sub.add_parser("hook", help="run by Claude Code: handle one hook event (stdin JSON)")
    p.add_argument("event", choices=("pre-compact", "session-start", "session-end"))

    p = sub.add_parser("statusline", help="Claude Code status line (stdin JSON), or install it")
    p.add_argument("action", nargs="?", choices=("install", "uninstall"))
    p.add_argument("--wrap", help="run this status-line command too and append to its output")
    _scope(p)


def _scope(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="user settings (default)")
    where.add_argument(
        "--project", action="store_true", help="this project's .claude/settings.json"
    )
    p.add_argument("--dry-run", action="store_true", help="show the diff, change nothing")


def _command() -> str:
    """How Claude Code should call ctxdash: the installed script, by absolute path if found."""
    found = shutil.which("ctxdash")
    return shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m ctxdash"


def statusline_command() -> str:
    """What Claude Code runs for the status line: this interpreter running the status-line
    module alone (it starts in the time of a bare Python). Never ``python -m ctxdash``, which
    would import the whole command line after every reply."""
    from ctxdash.integration.statusline import FAST

    return f"{shlex.quote(sys.executable)} -c {shlex.quote(FAST)} statusline"


def hook_config(command: str) -> dict[str, list[dict[str, object]]]:
    """ctxdash's hook entries for settings.json."""

    def entry(event: str, matcher: str = "") -> dict[str, object]:
        return {
            "matcher": matcher,
            "hooks": [
                {"type": "command", "command": f"{command} hook {event}", "timeout": HOOK_TIMEOUT}
            ],
        }

    return {
        "PreCompact": [entry("pre-compact")],
        "SessionStart": [entry("session-start", "clear"), entry("session-start", "compact")],
        "SessionEnd": [entry("session-end")],
    }


def _settings(args: argparse.Namespace) -> Path:
    from ctxdash.core.claude.settings_edit import settings_path

    return settings_path("project" if args.project else "user", cwd=Path.cwd())


def _apply(args: argparse.Namespace, change: object) -> int:
    from ctxdash.cli.textout import plain
    from ctxdash.core.claude.settings_edit import apply, render_diff

    # A project's settings come with the repository: shown as text, never as terminal codes.
    diff = plain(render_diff(change))  # type: ignore[arg-type]
    if not getattr(change, "changed", False):
        print(f"{change.path}: nothing to change")  # type: ignore[attr-defined]
        return EXIT_OK
    print(diff, end="" if diff.endswith("\n") else "\n")
    if args.dry_run:
        print("(dry run: nothing written)")
        return EXIT_OK
    backup = apply(change)  # type: ignore[arg-type]
    print(f"wrote {change.path}" + (f" (backup {backup})" if backup else ""))  # type: ignore[attr-defined]
    return EXIT_OK


def cmd_hooks(args: argparse.Namespace) -> int:
    from ctxdash.core.claude.settings_edit import plan_install, plan_uninstall, status

    path = _settings(args)
    if args.action == "status":
        info = status(path)
        if args.json:
            import json

            print(json.dumps(info))
        else:
            from ctxdash.cli.textout import plain

            print(plain(render_status(info)))
        return EXIT_OK
    if args.action == "install":
        return _apply(args, plan_install(path, hooks=hook_config(_command())))
    return _apply(args, plan_uninstall(path, parts=["hooks"]))


def render_status(info: dict[str, object]) -> str:
    """``hooks status`` in words: what is installed where, and whether uninstall is exact."""
    path = info["path"]
    if info.get("error"):
        return f"{path}: cannot be read ({info['error']})"
    if not info.get("exists"):
        return f"{path}: no such file; ctxdash is not installed there"
    if not info.get("installed"):
        return f"{path}: ctxdash is not installed"
    lines = [f"{path}: ctxdash is installed"]
    hooks = info.get("hooks")
    if isinstance(hooks, dict) and hooks:
        for event, commands in hooks.items():
            shown = ", ".join(str(c) for c in commands) if isinstance(commands, list) else ""
            lines.append(f"  hook {event}: {shown}")
    else:
        lines.append("  hooks: none")
    line = info.get("status_line")
    lines.append(f"  status line: {line}" if line else "  status line: not ctxdash's")
    if info.get("wraps"):
        lines.append(f"    (it also runs your earlier status line: {info['wraps']})")
    if info.get("manifest_matches"):
        lines.append("  uninstall restores the file exactly as it was")
    elif info.get("manifest"):
        lines.append(
            "  the file changed since the install: uninstall removes only ctxdash's entries"
        )
    else:
        lines.append("  no install record: uninstall removes ctxdash's entries it finds")
    return "\n".join(lines)


def cmd_hook(args: argparse.Namespace) -> int:
    from ctxdash.core.bounded import read_bounded
    from ctxdash.integration.hooks import run

    out = run(args.event, read_bounded(sys.stdin.buffer))
    if out:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return EXIT_OK


def cmd_statusline(args: argparse.Namespace) -> int:
    if args.action is None:
        from ctxdash.integration.statusline import main

        return main(args.wrap)
    from ctxdash.core.claude.settings_edit import plan_install, plan_uninstall

    path = _settings(args)
    if args.action == "install":
        line = {"type": "command", "command": statusline_command(), "padding": 0}
        return _apply(args, plan_install(path, hooks={}, status_line=line))
    return _apply(args, plan_uninstall(path, parts=["statusLine"]))


COMMANDS = {"hooks": cmd_hooks, "hook": cmd_hook, "statusline": cmd_statusline}
