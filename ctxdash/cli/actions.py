"""``ctxdash snapshot | snapshots | diff | fork | summary | handoff``.

Thin wrappers over :mod:`ctxdash.core.checkpoints.actions`: resolve the session, run the
action, print a short human result or one JSON object. Failures raise;
:func:`ctxdash.cli.main.main` turns them into one line and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from ctxdash.core.config import Config

EXIT_OK = 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the action subcommands on the main parser."""
    from ctxdash.cli.argtypes import positive_int, ratio

    p = sub.add_parser("snapshot", help="freeze a session's state (and copy its files)")
    p.add_argument("session", nargs="?", help="session id (or prefix) or transcript path")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("snapshots", help="list snapshots, newest first")
    p.add_argument("session", nargs="?", help="only this session id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("diff", help="what grew between two snapshots")
    p.add_argument("a", help="older snapshot (folder or snapshot.json)")
    p.add_argument("b", help="newer snapshot")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("fork", help="a new session that `claude --resume` opens")
    p.add_argument("session", nargs="?")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--at", metavar="UUID", help="branch at this message")
    where.add_argument("--last", type=int, metavar="N", help="drop the last N turns")
    p.add_argument("--title", help="title shown in the resume picker")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("summary", help="a compressed summary to take before /clear")
    p.add_argument("session", nargs="?")
    p.add_argument("--ratio", type=ratio, help="at most this fraction of the context (0.3)")
    p.add_argument("--max-tokens", type=positive_int, help="and at most this many tokens (15000)")
    p.add_argument(
        "-o", "--output", type=Path, help="write here instead of the data folder ('-': stdout)"
    )
    p.add_argument("--seed", action="store_true", help="also start a fresh session seeded with it")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("handoff", help="a handoff package for the next agent (needs 30K free)")
    p.add_argument("session", nargs="?")
    p.add_argument("--to", default="next-agent", help="receiving agent")
    p.add_argument("--json", action="store_true")


def _emit(args: argparse.Namespace, data: object, text: str) -> None:
    from ctxdash.cli.textout import plain, to_json

    if args.json:
        sys.stdout.write(to_json(data) + "\n")
    else:
        print(plain(text))  # names, titles and paths from transcripts: no control characters


def _session(args: argparse.Namespace) -> Path:
    from ctxdash.core.claude.discover import resolve_session

    return resolve_session(args.session)


def cmd_snapshot(args: argparse.Namespace) -> int:
    from ctxdash.core.checkpoints.actions import snapshot

    path, snap = snapshot(_session(args), config=_config())
    cw = snap.context_window
    _emit(
        args,
        {
            "path": str(path),
            "session_id": snap.session_id,
            "used": cw.used,
            "budget": cw.total,
            "window": snap.budget.window,
            "transcript_copy": snap.transcript_copy,
        },
        f"snapshot {path}\n{cw.used:,} of a {cw.total:,}-token budget ({cw.position_percent}%)",
    )
    return EXIT_OK


def cmd_snapshots(args: argparse.Namespace) -> int:
    from ctxdash.core.checkpoints.snapshot import list_snapshots
    from ctxdash.core.claude.discover import SessionNotFound, resolve_session

    sid = args.session
    rows = None
    if sid:
        try:
            sid = resolve_session(sid).stem
        except SessionNotFound:
            rows = list_snapshots(sid) if _safe_prefix(sid) else []
            if not rows:
                raise  # neither a session nor the id of a deleted session's snapshots
    if rows is None:
        rows = list_snapshots(sid)
    text = "\n".join(
        f"{r.created_at[:19]}  {r.session_id[:8]}  {r.used:>9,} / {r.window:,}  {r.path}"
        for r in rows
    )
    _emit(args, rows, text or (f"(no snapshots of {sid})" if sid else "(no snapshots)"))
    return EXIT_OK


def _safe_prefix(text: str) -> bool:
    """A session id or prefix: letters, digits and dashes only (it goes into a glob)."""
    return bool(text) and all(c.isalnum() or c == "-" for c in text)


def cmd_diff(args: argparse.Namespace) -> int:
    from ctxdash.core.checkpoints.snapshot import diff_snapshots, load_snapshot

    a, b = load_snapshot(Path(args.a)), load_snapshot(Path(args.b))
    d = diff_snapshots(a, b, a_path=args.a, b_path=args.b)
    lines = [f"used {d.used_before:,} → {d.used_after:,} ({d.used_delta:+,})"]
    lines += [f"  {c.delta:+9,}  {c.label}  ({c.before:,} → {c.after:,})" for c in d.categories]
    if d.new_compactions:
        lines.append(f"  {d.new_compactions} compaction(s) in between")
    lines += [f"  new file: {f}" for f in d.new_files]
    lines += [f"  done: {t}" for t in d.todos_done]
    _emit(args, d, "\n".join(lines))
    return EXIT_OK


def cmd_fork(args: argparse.Namespace) -> int:
    from ctxdash.core.checkpoints.actions import fork

    result = fork(_session(args), at=args.at, last=args.last, title=args.title)
    left_out = ", ".join(f"{n} {why}" for why, n in sorted(result.dropped.items()))
    _emit(
        args,
        {
            "session_id": result.session_id,
            "path": result.path,
            "resume_command": result.resume_command,
            "lines": result.lines,
            "forked_from": result.forked_from,
            "dropped": result.dropped,
            "warnings": result.warnings,
        },
        f"forked {result.session_id} ({result.lines} lines)\n{result.path}\n"
        f"resume with: {result.resume_command}" + (f"\nleft out: {left_out}" if left_out else ""),
    )
    if result.warnings and not args.json:
        from ctxdash.cli.textout import error

        for warning in result.warnings:
            error(f"warning: {warning}")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    from ctxdash.core.checkpoints.actions import seed, summary

    config = _config()
    transcript = _session(args)
    to_stdout = args.output is not None and str(args.output) == "-"
    result = summary(
        transcript,
        config=config,
        ratio=args.ratio,
        max_tokens=args.max_tokens,
        out=None if to_stdout else args.output,
        write_file=not to_stdout,
    )
    data: dict[str, object] = {
        "path": result.path,
        "tokens": result.tokens,
        "source_tokens": result.source_tokens,
        "ratio": result.ratio,
        "archive": result.archive,
    }
    text = (
        (f"summary {result.path}\n" if result.path else "")
        + f"{result.tokens:,} tokens from {result.source_tokens:,} "
        f"(ratio {result.ratio:.2f}, at most {result.budget:,})\narchive {result.archive}"
    )
    if args.seed:
        seeded = seed(transcript, result.markdown, config=config)
        data["seeded"] = {
            "session_id": seeded.session_id,
            "path": seeded.path,
            "resume_command": seeded.resume_command,
        }
        text += f"\nfresh session: {seeded.resume_command}"
    if to_stdout:
        data["markdown"] = result.markdown
        if not args.json:  # the summary itself on stdout, what happened on stderr
            sys.stdout.write(
                result.markdown if result.markdown.endswith("\n") else result.markdown + "\n"
            )
            from ctxdash.cli.textout import plain

            print(plain(text), file=sys.stderr)
            return EXIT_OK
    _emit(args, data, text)
    return EXIT_OK


def cmd_handoff(args: argparse.Namespace) -> int:
    from ctxdash.core.checkpoints.actions import handoff

    path, package = handoff(_session(args), to_agent=args.to, config=_config())
    text = f"handoff {path}" + "".join(f"\nwarning: {w}" for w in package.warnings)
    data = msgspec.to_builtins(package) | {"path": path}
    _emit(args, data, text)
    if package.warnings and not args.json:
        from ctxdash.cli.textout import error

        for warning in package.warnings:
            error(warning)
    return EXIT_OK


def _config() -> Config:
    from ctxdash.core.config import load_config

    return load_config()


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "snapshot": cmd_snapshot,
    "snapshots": cmd_snapshots,
    "diff": cmd_diff,
    "fork": cmd_fork,
    "summary": cmd_summary,
    "handoff": cmd_handoff,
}
