"""Print how ctxdash compares with what each Claude Code version really sent.

``python -m tests.realclient.report [VERSION ...] [--rule cl100k|chars|both]`` runs the
harness scenarios on each version (default: all of :data:`client.VERSIONS`) and prints one
Markdown table: ``used`` exact or not, the misattributed share (half the sum over rows of
|ctxdash − sent|, as a share of ``used``), the worst row of at least 1K tokens, and the
estimate right after ``/compact`` against the next request, the subagents listed for the
session that ran one (warm-ups excluded), the sessions listed (resume leftovers excluded), and
the "Unrecorded reminders" row against what was sent but never written to the transcript.
Versions in :data:`client.INTERACTIVE` add a row for a session compacted interactively (tmux).
The README's table comes from it.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tests.realclient import client, scenarios


def rows_for(version: str, rule: str, root: Path) -> list[str]:
    try:
        run = scenarios.run_version(version, root, rule)
    except client.Unavailable as err:
        return [f"| {version} | {rule} | skipped: {err} | | | | | | | | |"]
    except AssertionError as err:
        first = str(err).splitlines()[0][:120] if str(err) else "?"
        return [f"| {version} | {rule} | failed: {first} | | | | | | | | |"]
    out = []
    assert run.home is not None
    listed = len(scenarios._sessions(run.home, run.home.parent / "ctxdash"))
    for case in run.cases:
        after = run.after_compaction if case.name == "compacted" else None
        agents = len(case.status["subagents"]) if case.name == "agent" else ""
        out.append(_row(version, rule, case.name, case, after, agents, listed))
    if version in client.INTERACTIVE:
        try:
            tty = scenarios.run_interactive(version, root / "tmux", rule)
        except (client.Unavailable, AssertionError) as err:
            first = str(err).splitlines()[0][:120] if str(err) else "?"
            return [*out, f"| {version} | {rule} | tmux: not run: {first} | | | | | | | | |"]
        if tty.compacted is not None:
            out.append(_row(version, rule, "compacted (tmux)", tty.compacted, tty.after_compaction))
    return out


def _row(
    version: str,
    rule: str,
    name: str,
    case: scenarios.Case,
    after_compaction: tuple[int, int] | None,
    agents: object = "",
    listed: object = "",
) -> str:
    exact = "yes" if case.sent_total == case.used else "no"
    off = case.off_rows(tolerance=0.0)
    worst = max((abs(mine - sent) / max(sent, 1) for mine, sent in off.values()), default=0.0)
    after = ""
    if after_compaction:
        est, sent = after_compaction
        after = f"{est:,} vs {sent:,} ({(est - sent) / sent:+.1%})"
    mine, sent_unrecorded = case.rows.get("unrecorded", 0), case.sent.get("unrecorded", 0)
    unrecorded = f"{mine:,} / {sent_unrecorded:,}" if mine or sent_unrecorded else ""
    return (
        f"| {version} | {rule} | {name} | {case.used:,} | {exact} | "
        f"{case.misattributed:.1%} | {worst:.1%} | {after} | {unrecorded} | {agents} | {listed} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*", default=list(client.VERSIONS))
    parser.add_argument("--rule", choices=("cl100k", "chars", "both"), default="both")
    args = parser.parse_args()
    rules = ("cl100k", "chars") if args.rule == "both" else (args.rule,)
    print(
        "| Claude Code | stand-in count | session | used | used exact | misattributed "
        "| worst row ≥1K | after /compact: estimate vs next request "
        "| unrecorded: ctxdash / sent | subagents | sessions |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="ctxdash-report-") as tmp:
        for version in args.versions:
            for rule in rules:
                for line in rows_for(version, rule, Path(tmp) / f"{version}-{rule}"):
                    print(line, flush=True)


if __name__ == "__main__":
    main()
