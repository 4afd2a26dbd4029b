"""ctxdash against the real Claude Code, run offline against the local stand-in API.

Each Claude Code version of the harness is installed from npm (pinned, cached) and driven
through the same scenarios; what ctxdash reports is compared with the requests the client
really sent. Without npm or the registry the tests skip and say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realclient import client, scenarios

RULES = ("cl100k", "chars")
_RUNS: dict[tuple[str, str], scenarios.Run | str] = {}


def _run(version: str, rule: str, tmp_path_factory: pytest.TempPathFactory) -> scenarios.Run:
    key = (version, rule)
    if key not in _RUNS:
        root = tmp_path_factory.mktemp(f"claude-{version}-{rule}")
        try:
            _RUNS[key] = scenarios.run_version(version, Path(root), rule)
        except client.Unavailable as err:
            _RUNS[key] = f"Claude Code {version} is not available here: {err}"
    run = _RUNS[key]
    if isinstance(run, str):
        pytest.skip(run)
    return run


@pytest.fixture(params=RULES)
def current(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return _run(client.CURRENT, request.param, tmp_path_factory)


def test_every_scenario_wrote_a_transcript(current: scenarios.Run) -> None:
    names = [case.name for case in current.cases]
    assert names.count("fork") == 1
    assert names.count("tools") == 1
    assert names.count("agent") == 1
    assert "compacted" in names


def test_used_is_exactly_what_was_sent(current: scenarios.Run) -> None:
    for case in current.cases:
        assert case.status["used_source"] == "usage", case.name
        assert case.sent_total == case.used, case.name
        assert sum(case.rows.values()) == case.used


def test_breakdown_is_what_was_sent(current: scenarios.Run) -> None:
    # Rows are weighed by cl100k counts within each exact usage delta. Against a stand-in
    # counting characters, text whose characters-per-token differs from the rest of its
    # batch (a numbers-heavy file re-attached after /compact) drifts further: a known limit.
    tolerance = 0.05 if current.rule == "cl100k" else 0.20
    for case in current.cases:
        assert case.misattributed <= 0.03, (case.name, case.rows, case.sent)
        assert case.off_rows(tolerance=tolerance) == {}, case.name
        # This version records everything it sends: no row for what it did not.
        assert "unrecorded" not in case.rows, case.name


def test_rows_of_the_current_format(current: scenarios.Run) -> None:
    case = next(c for c in current.cases if c.name == "tools")
    rows = case.rows
    memory = [k for k in rows if k.startswith("memory:")]
    assert [Path(k.split(":", 1)[1]).name for k in memory] == ["CLAUDE.md"]
    for key in ("system", "tools", "skills", "agents", "system_messages", "tool_results:Read"):
        assert rows.get(key, 0) > 0, key
    labels = {c["name"]: c["label"] for c in case.status["categories"]}
    assert labels["system"] == "System prompt"
    assert labels["tools"] == "System tools"
    # Never-sent records (the prompt snapshot) are not counted anywhere.
    assert "attachments" not in rows or rows["attachments"] < 0.05 * case.used
    kinds = {item["tool"] for item in case.status["top_items"]}
    assert "prompt_snapshot" not in kinds


def test_after_compaction_used_is_the_next_request(current: scenarios.Run) -> None:
    assert current.after_compaction is not None, "the /compact run left no boundary"
    estimate, sent = current.after_compaction
    assert abs(estimate - sent) <= 0.05 * sent, (estimate, sent, current.post_tokens)
    # postTokens leaves out the system prompt, tools and memory: far below the next request.
    assert current.post_tokens is not None
    assert current.post_tokens < 0.6 * sent


def test_subagent_from_meta(current: scenarios.Run) -> None:
    case = next(c for c in current.cases if c.name == "agent")
    agents = case.status["subagents"]
    assert len(agents) == 1
    assert agents[0]["agent_type"] == "general-purpose"
    assert agents[0]["description"] == "Survey the notes"
    assert agents[0]["used"] > 0


def test_model_and_window(current: scenarios.Run) -> None:
    case = current.cases[0]
    assert case.status["model"] == "claude-opus-5-5"
    assert case.status["window"] == 1_000_000
    assert case.status["claude_version"] == client.CURRENT


def test_title_from_the_first_prompt(current: scenarios.Run) -> None:
    case = next(c for c in current.cases if c.name == "tools")
    assert case.status["title"] == "[[scenario:tools]] Please do the tools task."


@pytest.fixture(scope="module")
def interactive(tmp_path_factory: pytest.TempPathFactory) -> scenarios.Interactive:
    root = tmp_path_factory.mktemp("claude-interactive")
    try:
        return scenarios.run_interactive(client.CURRENT, Path(root))
    except client.Unavailable as err:
        pytest.skip(f"Claude Code {client.CURRENT} cannot run interactively here: {err}")


def test_context_groups_match_slash_context(interactive: scenarios.Interactive) -> None:
    shown, mine = interactive.context, interactive.groups
    assert {"System prompt", "System tools", "Memory files", "Messages"} <= set(shown)
    for name, value in shown.items():
        assert name in mine, name
        assert abs(mine[name] - value) <= max(200, 0.10 * value), (name, mine[name], value)


def test_interactive_compaction_estimate(interactive: scenarios.Interactive) -> None:
    assert interactive.after_compaction is not None
    estimate, sent = interactive.after_compaction
    assert abs(estimate - sent) <= 0.05 * sent


def test_nothing_unrecorded_after_compaction(interactive: scenarios.Interactive) -> None:
    case = interactive.compacted
    assert case is not None
    assert case.sent.get("unrecorded", 0) == 0
    assert "unrecorded" not in case.rows
    # /context's table is a meta line: not a prompt on either side.
    assert case.misattributed <= 0.03, (case.rows, case.sent)


def test_clear_starts_a_new_listed_session(interactive: scenarios.Interactive) -> None:
    assert len(interactive.transcripts) == 2
    listed = [s["session_id"] for s in interactive.sessions]
    assert sorted(listed) == sorted(p.stem for p in interactive.transcripts)
    # The session /clear started is the newest, although the old file grew after it.
    assert listed[0] == interactive.transcripts[-1].stem


def test_no_branch_outside_git(current: scenarios.Run) -> None:
    # The scenario project is not a git repository: Claude Code records gitBranch "HEAD".
    case = current.cases[0]
    assert b'"gitBranch":"HEAD"' in case.transcript.read_bytes()
    assert case.status["git_branch"] is None


OLDER = [v for v in client.VERSIONS if v != client.CURRENT]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("version", OLDER)
def test_version_matrix(version: str, rule: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every pinned version: used exact, the breakdown within 3%, the subagent it really ran."""
    run = _run(version, rule, tmp_path_factory)
    assert {c.name for c in run.cases} >= {"tools", "agent"}
    for case in run.cases:
        assert case.sent_total == case.used, case.name
        assert case.misattributed <= 0.03, (case.name, case.rows, case.sent)
        # Nothing these print-mode runs send is missing from the transcript.
        assert "unrecorded" not in case.rows, case.name
    assert run.fork_resumed, run.fork_error
    # /compact ran in a print-mode process, which re-attaches nothing it did not read.
    # (2.1.114 records the files it re-attached there, but a new process does not send
    # them: the estimate, made before it is known which process goes on, counts them.)
    assert run.after_compaction is not None
    estimate, sent_next = run.after_compaction
    limit = 0.07 if version == "2.1.114" else 0.05
    assert abs(estimate - sent_next) <= limit * sent_next, (estimate, sent_next)
    agent = next(c for c in run.cases if c.name == "agent")
    # Warm-up sidechains (2.0.x) are not subagents: only the one the Agent/Task call ran.
    real = agent.status["subagents"] + [
        {"agent_id": k} for k in agent.status.get("inline_agents", {})
    ]
    assert len(real) <= 1, real
    assert run.home is not None
    listed = scenarios._sessions(run.home, run.home.parent / "ctxdash")
    assert {s["session_id"] for s in listed} == {c.transcript.stem for c in run.cases}
    assert len(listed) == len({c.transcript for c in run.cases})


def test_fork_resumes_in_the_real_client(current: scenarios.Run) -> None:
    """A fork written by ``ctxdash fork`` is opened by ``claude --resume`` with its history."""
    assert current.fork_resumed, current.fork_error
    fork = next(c for c in current.cases if c.name == "fork")
    assert fork.misattributed <= 0.03


@pytest.mark.parametrize("version", ["2.0.76", "2.1.39"])
def test_unrecorded_files_after_compaction(
    version: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """2.0.x and 2.1.39 re-attach the files read before ``/compact`` without recording them:
    before the next reply they are estimated from the files on disk; once its size is known
    they are their own row, near what was sent."""
    root = tmp_path_factory.mktemp(f"claude-interactive-{version}")
    try:
        run = scenarios.run_interactive(version, Path(root))
    except client.Unavailable as err:
        pytest.skip(f"Claude Code {version} cannot run interactively here: {err}")
    case = run.compacted
    assert case is not None
    assert case.sent_total == case.used
    sent = case.sent.get("unrecorded", 0)
    assert sent > 1000, case.sent
    assert abs(case.rows.get("unrecorded", 0) - sent) <= 0.10 * sent, (case.rows, case.sent)
    assert case.misattributed <= 0.03, (case.rows, case.sent)
    assert run.after_compaction is not None
    estimate, sent_next = run.after_compaction
    assert abs(estimate - sent_next) <= 0.05 * sent_next, (estimate, sent_next)


def test_interactive_compaction_on_2_1_114(tmp_path_factory: pytest.TempPathFactory) -> None:
    """In one interactive process, 2.1.114 sends the files it re-attaches at /compact."""
    root = tmp_path_factory.mktemp("claude-interactive-2.1.114")
    try:
        run = scenarios.run_interactive("2.1.114", Path(root))
    except client.Unavailable as err:
        pytest.skip(f"Claude Code 2.1.114 cannot run interactively here: {err}")
    assert run.after_compaction is not None
    estimate, sent = run.after_compaction
    assert abs(estimate - sent) <= 0.05 * sent
    # It records the files it re-attaches: nothing is unrecorded, on either side.
    assert run.compacted is not None
    assert run.compacted.sent.get("unrecorded", 0) == 0
    assert "unrecorded" not in run.compacted.rows
    assert run.compacted.misattributed <= 0.03, (run.compacted.rows, run.compacted.sent)
