"""Print how ctxdash compares with what each Claude Code version really sent.

``python -m tests.realclient.report [VERSION ...] [--rule cl100k|chars|both]`` runs the
harness scenarios on each version (default: all of :data:`client.VERSIONS`) and prints one
Markdown table: ``used`` exact or not, the misattributed share (half the sum over rows of
|ctxdash − sent|, as a share of ``used``), the worst row of at least 1K tokens, and the
estimate right after ``/compact`` against the next request, the subagents listed for the
session that ran one (warm-ups excluded) and the sessions listed (resume leftovers excluded).
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
        return [f"| {version} | {rule} | skipped: {err} | | | | | | | |"]
    except AssertionError as err:
        first = str(err).splitlines()[0][:120] if str(err) else "?"
        return [f"| {version} | {rule} | failed: {first} | | | | | | | |"]
    out = []
    assert run.home is not None
    listed = len(scenarios._sessions(run.home, run.home.parent / "ctxdash"))
    for case in run.cases:
        exact = "yes" if case.sent_total == case.used else "no"
        off = case.off_rows(tolerance=0.0)
        worst = max((abs(mine - sent) / max(sent, 1) for mine, sent in off.values()), default=0.0)
        after = ""
        if case.name == "compacted" and run.after_compaction:
            est, sent = run.after_compaction
            after = f"{est:,} vs {sent:,} ({(est - sent) / sent:+.1%})"
        agents = len(case.status["subagents"]) if case.name == "agent" else ""
        out.append(
            f"| {version} | {rule} | {case.name} | {case.used:,} | {exact} | "
            f"{case.misattributed:.1%} | {worst:.1%} | {after} | {agents} | {listed} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*", default=list(client.VERSIONS))
    parser.add_argument("--rule", choices=("cl100k", "chars", "both"), default="both")
    args = parser.parse_args()
    rules = ("cl100k", "chars") if args.rule == "both" else (args.rule,)
    print(
        "| Claude Code | stand-in count | session | used | used exact | misattributed "
        "| worst row ≥1K | after /compact: estimate vs next request | subagents | sessions |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="ctxdash-report-") as tmp:
        for version in args.versions:
            for rule in rules:
                for line in rows_for(version, rule, Path(tmp) / f"{version}-{rule}"):
                    print(line, flush=True)


if __name__ == "__main__":
    main()
