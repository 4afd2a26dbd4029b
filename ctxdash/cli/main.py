"""The ``ctxdash`` command: the dashboard, ``status``, ``sessions``, and every other subcommand.

Every failure the user can cause (unknown session, unreadable file, bad config) ends in one
clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ctxdash import __version__
from ctxdash.cli import argtypes

if TYPE_CHECKING:  # imported lazily: most commands need only some of them
    import argparse

EXIT_OK, EXIT_ERROR = 0, 1
#: The demo session generated when no --seed is given (the same session every time).
DEMO_SEED = 7


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the README's usage section)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="ctxdash",
        description="Watch a Claude Code session's context window.",
    )
    parser.add_argument("--version", action="version", version=f"ctxdash {__version__}")
    sub = parser.add_subparsers(dest="command")

    status = sub.add_parser("status", help="the context budget of one session")
    status.add_argument("session", nargs="?", help="session id (or prefix) or transcript path")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.add_argument("--window", type=argtypes.tokens, help="force the window size (200k, 1m)")
    status.add_argument("--no-cache", action="store_true", help="parse from scratch")
    status.add_argument("--demo", action="store_true", help="a generated demo session")
    status.add_argument("--seed", type=int, default=DEMO_SEED, help="seed of the demo session")
    status.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    # Options before a subcommand apply to it when it has them (``ctxdash --session X status``);
    # their own names would be overwritten by the subcommand's defaults, hence the top_ prefix.
    top = parser.add_argument_group("dashboard options (also before a subcommand that has them)")
    top.add_argument(
        "--session", dest="top_session", metavar="SESSION", help="this session (id, prefix, path)"
    )
    top.add_argument("--demo", dest="top_demo", action="store_true", help="the built-in demo")
    top.add_argument(
        "--seed",
        dest="top_seed",
        metavar="N",
        type=int,
        help=f"seed of the demo session ({DEMO_SEED})",
    )
    top.add_argument(
        "--window",
        dest="top_window",
        metavar="TOKENS",
        type=argtypes.tokens,
        help="force the window",
    )
    top.add_argument(
        "--theme", dest="top_theme", metavar="NAME", help="ctxdash-dark, ctxdash-light, ctxdash-cb"
    )
    top.add_argument("--poll", dest="top_poll", action="store_true", help="poll, no events")

    sessions = sub.add_parser("sessions", help="every session, newest first")
    sessions.add_argument("--json", action="store_true", help="print a JSON list")
    sessions.add_argument("--limit", type=argtypes.positive_int, help="at most this many")
    sessions.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    from ctxdash.cli import actions as cli_actions
    from ctxdash.cli import claude as cli_claude

    cli_actions.add_parsers(sub)
    cli_claude.add_parsers(sub)
    return parser


def cmd_status(args: argparse.Namespace) -> int:
    from ctxdash.cli.textout import error, render_status, use_colour
    from ctxdash.core.atomic import ActionError, explain
    from ctxdash.core.claude.discover import resolve_session
    from ctxdash.core.config import load_config
    from ctxdash.core.status import session_budget

    config = load_config()
    demo = None
    if args.demo:
        from ctxdash.synth.demo import Demo

        demo = Demo(seed=args.seed)  # in a temporary folder, removed below
        demo.run_to(41)  # far enough to show a warning-level session
    path = demo.transcript if demo else resolve_session(args.session)
    try:
        budget = session_budget(
            path,
            config=config,
            window_override=args.window,
            use_cache=not args.no_cache and demo is None,
        )
    except OSError as err:
        raise ActionError(explain(err, path)) from err
    finally:
        if demo is not None:
            demo.close()
    if args.json:
        from ctxdash.cli.textout import to_json

        sys.stdout.write(to_json(budget) + "\n")
    else:
        width = _columns()
        print(render_status(budget, colour=use_colour(sys.stdout, args.color), width=width))
    if budget.malformed_lines:
        error(
            f"skipped {budget.malformed_lines} malformed line(s) in {path.name}"
            + (
                f" (first: line {budget.malformed_examples[0][0]}: "
                f"{budget.malformed_examples[0][1]})"
                if budget.malformed_examples
                else ""
            )
        )
    return EXIT_OK


def cmd_sessions(args: argparse.Namespace) -> int:
    from ctxdash.cli.textout import render_sessions, use_colour
    from ctxdash.core.claude.session_list import list_sessions
    from ctxdash.core.config import load_config

    rows = list_sessions(load_config(), limit=args.limit)
    if args.json:
        from ctxdash.cli.textout import to_json

        sys.stdout.write(to_json(rows) + "\n")
    else:
        print(render_sessions(rows, colour=use_colour(sys.stdout, args.color)))
    return EXIT_OK


def _columns() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 80


def cmd_dashboard(args: argparse.Namespace) -> int:
    """The live dashboard (``ctxdash`` with no subcommand)."""
    from ctxdash.core.config import load_config

    config = load_config()  # before Textual starts: a bad file is one line, not a crash
    from ctxdash.ui.app import make_app
    from ctxdash.ui.settings import AppSettings

    settings = AppSettings(
        config=config,
        session=args.session,
        window=args.window,
        demo=args.demo,
        seed=DEMO_SEED if args.seed is None else args.seed,
        theme=args.theme,
        force_polling=args.poll,
    )
    app = make_app(settings)
    app.run()
    # A crash of the app: Textual has printed the error; the exit code must say so too.
    return EXIT_OK if not app.return_code else EXIT_ERROR


#: Which subcommands take each dashboard option given before them.
_TOP = {
    "session": {"status", "snapshot", "snapshots", "fork", "summary", "handoff"},
    "window": {"status"},
    "demo": {"status"},
    "seed": {"status"},
    "theme": set(),
    "poll": set(),
}


def _merge_top_options(args: argparse.Namespace) -> str | None:
    """Move options given before the subcommand onto it; a problem when it has no such option."""
    for name, commands in _TOP.items():
        value = getattr(args, f"top_{name}")
        if args.command == "dashboard":
            setattr(args, name, value)
            continue
        if value in (None, False):
            continue
        if args.command not in commands:
            return f"--{name} does not apply to '{args.command}'"
        mine = getattr(args, name)
        default = DEMO_SEED if name == "seed" else None
        if mine not in (None, False, default, value):
            return f"--{name} is given twice, differently ({value} and {mine})"
        setattr(args, name, value)
    return None


COMMANDS = {"status": cmd_status, "sessions": cmd_sessions, "dashboard": cmd_dashboard}


def _plain_status(argv: list[str]) -> argparse.Namespace | None:
    """``status [--json] [SESSION]``, the form scripts run most, read without building every
    subcommand's parser (argparse and the parsers cost a warm ``status`` a tenth of its time).
    ``None`` for anything else: the full parser reads it, with its help and its errors."""
    if argv[:1] != ["status"] or len(argv) > 3:
        return None
    rest = [a for a in argv[1:] if a != "--json"]
    if len(argv) - 1 - len(rest) > 1 or len(rest) > 1 or (rest and rest[0].startswith("-")):
        return None
    from types import SimpleNamespace

    args = SimpleNamespace(
        command="status",
        session=rest[0] if rest else None,
        json=len(rest) < len(argv) - 1,
        window=None,
        no_cache=False,
        demo=False,
        seed=DEMO_SEED,
        color="auto",
    )
    return args  # type: ignore[return-value]  # the attributes cmd_status reads


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ctxdash`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _plain_status(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = dict(COMMANDS)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            args.command = "dashboard"
        problem = _merge_top_options(args)
        if problem:
            parser.error(problem)
        from ctxdash.cli import actions as cli_actions
        from ctxdash.cli import claude as cli_claude

        commands.update({**cli_actions.COMMANDS, **cli_claude.COMMANDS})
    from ctxdash.cli.textout import error
    from ctxdash.core.atomic import ActionError
    from ctxdash.core.claude.discover import SessionNotFound
    from ctxdash.core.config import ConfigError

    try:
        return commands[args.command](args)
    except (ActionError, ConfigError, SessionNotFound) as err:
        error(str(err))  # every failure a user can cause: one line, exit code 1
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
