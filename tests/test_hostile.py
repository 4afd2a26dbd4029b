"""Hostile input through the public commands: injection, traversal, odd types, odd files.

Every case is built here by code (see ``tests/hostile_support.py``); each test fails without
the fix it names.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctxdash import synth
from ctxdash.cli.main import main
from ctxdash.core import atomic
from ctxdash.core.checkpoints.snapshot import snapshots_root, sweep_abandoned
from ctxdash.core.config import Config
from ctxdash.core.plain import clean, one_line
from ctxdash.core.safepath import component, is_inside, open_regular
from ctxdash.core.status import session_budget
from ctxdash.core.transcript.tail import FileTail
from ctxdash.core.transcript.tokens import SAMPLE_ABOVE, SAMPLE_CHARS, SAMPLES, HeuristicCounter
from ctxdash.integration import hooks, statusline
from tests.hostile_support import ESCAPES, HOSTILE, hostile_session, lines_of, run_cli, write_lines

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> synth.ClaudeHome:
    h = synth.build_claude_home(tmp_path / "claude", seed=4, name="subagents_nested")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    return h


def _append(path: Path, *objs: dict[str, object]) -> None:
    with open(path, "ab") as fh:
        for obj in objs:
            fh.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ 1. terminal injection
def test_plain_text_strips_sequences_and_controls() -> None:
    for seq in ESCAPES:
        assert _CONTROL.search(clean(f"a{seq}b")) is None
    assert clean("a\x1b]52;c;ZXZpbA==\x1b\\b") == "ab"
    assert clean("x\x1b[2Jy\x1b[31mz") == "xyz"
    assert clean("line\nnext\tcol") == "line\nnext\tcol"
    assert one_line("line\nnext\tcol") == "line next col"
    assert clean("[link=https://x]y [/] list[int]") == "[link=https://x]y [/] list[int]"
    assert clean("bidi \u202eevil") == "bidi evil"
    assert clean("name\udcff") == "name\ufffd"  # a file name that is not UTF-8


def test_text_commands_print_no_control_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CTXDASH_TOKENIZER", "heuristic")
    h = hostile_session(tmp_path / "claude")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(h.root))
    t = str(h.transcript)
    code, out, _ = _run(capsys, "status", t, "--color", "never")
    assert code == 0
    assert "Fix [link=https://x]y [/] [@click=app.quit]quit list[int] [WIP]" in out
    for argv in (
        ("status", t, "--color", "never"),
        ("status", t, "--color", "always"),
        ("sessions", "--color", "never"),
        ("snapshot", t),
        ("snapshots",),
        ("fork", t),
        ("summary", t),
        ("handoff", t),
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 0, (argv, err)
        shown = re.sub(r"\x1b\[[0-9;]*m", "", out + err)  # our own colour codes only
        assert _CONTROL.search(shown.replace("\n", "")) is None, argv


def test_error_lines_are_cleaned(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    _append(home.transcript, {"type": "\x1b]2;pwned\x07", "message": 5})
    code, _, err = _run(capsys, "status", str(home.transcript), "--color", "never")
    assert code == 0
    assert "malformed" in err
    assert "\x1b" not in err
    assert "\x07" not in err


# ------------------------------------------------------------------ 2. path traversal
@pytest.mark.parametrize("sid", ["../../../../escape", "<absolute>", "..", "a/../../b"])
def test_session_id_cannot_leave_the_data_folder(
    home: synth.ClaudeHome, tmp_path: Path, capsys: pytest.CaptureFixture[str], sid: str
) -> None:
    absolute = tmp_path / "abs-escape"
    sid = str(absolute) if sid == "<absolute>" else sid
    objs = lines_of(home.transcript)
    for obj in objs:
        if "sessionId" in obj:
            obj["sessionId"] = sid
    write_lines(home.transcript, objs)
    data = tmp_path / "data"
    for argv in (("snapshot", "--json"), ("handoff", "--json"), ("summary", "--json")):
        code, out, err = _run(capsys, argv[0], str(home.transcript), argv[1])
        assert code == 0, err
        written = [v for k, v in json.loads(out).items() if k in ("path", "archive")]
        for path in written:
            assert is_inside(Path(path), data), path
    for parent in [tmp_path, *tmp_path.parents]:
        assert not (parent / "escape").exists()
    assert not absolute.exists()


def test_safe_components() -> None:
    assert component("../../x") == "_.._x"
    assert component("..") == "unknown"
    assert component("/etc/passwd") == "_etc_passwd"
    assert component("a\x00b") == "a_b"
    assert (
        component("9d1f0c52-46c8-4d41-a1b3-0e5b1f0c1a2b") == "9d1f0c52-46c8-4d41-a1b3-0e5b1f0c1a2b"
    )
    long = component("x" * 5000)
    assert len(long) <= 120
    assert long != component("x" * 4999)


def test_hooks_read_only_transcripts_inside_claude_projects(
    home: synth.ClaudeHome, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / home.transcript.name
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(home.transcript.read_bytes())
    for path in (elsewhere, Path("/etc/passwd"), home.root / "projects" / ".." / "x.jsonl"):
        payload = {"session_id": "s", "transcript_path": str(path), "trigger": "auto"}
        assert hooks.run("pre-compact", json.dumps(payload).encode()) == ""
        assert hooks.run("session-start", json.dumps({**payload, "source": "clear"}).encode()) == ""
    assert not snapshots_root().exists()
    log = (tmp_path / "state" / "hooks.log").read_text()
    assert "not inside Claude Code's projects folder" in log
    payload = {"session_id": "s", "transcript_path": str(home.transcript)}
    assert hooks.run("pre-compact", json.dumps(payload).encode()) == ""
    assert len(list(snapshots_root().rglob("snapshot.json"))) == 1


# ------------------------------------------------------------------ 3-5. odd JSON
def test_deep_nesting_is_one_malformed_line(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = b'{"type":"user","message":{"role":"user","content":' + b"[" * 5000 + b"]" * 5000
    original = home.transcript.read_bytes()
    home.transcript.write_bytes(deep + b"}}\n" + original)  # in the first lines, too
    for argv in ("status", "snapshot", "summary", "handoff", "fork"):
        code, _, err = _run(capsys, argv, str(home.transcript))
        assert code == 0, (argv, err)
    code, out, _ = _run(capsys, "sessions", "--json")
    assert code == 0
    assert home.transcript.stem in {row["session_id"] for row in json.loads(out)}
    b = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert b.malformed_lines == 1
    assert b.malformed_examples[0][1] == "nested too deeply"


def test_odd_types_do_not_crash(home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]) -> None:
    _append(
        home.transcript,
        {
            "type": "user",
            "cwd": "/work/a\u0000b",
            "message": {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": ["a"], "content": "x"}],
            },
        },
        {"type": "user", "cwd": "relative/dir", "message": {"role": "user", "content": "hi"}},
    )
    code, _, err = _run(capsys, "status", str(home.transcript), "--no-cache")
    assert code == 0, err


@pytest.mark.parametrize("tokens", [2**70, 10**30, -5, 1_000_000_001])
def test_out_of_range_usage_is_a_malformed_line(home: synth.ClaudeHome, tokens: int) -> None:
    before = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    reply = {
        "type": "assistant",
        "uuid": "u-odd",
        "message": {
            "id": "msg_odd",
            "model": "claude-sonnet-4-5-20250929",
            "role": "assistant",
            "usage": {"input_tokens": tokens, "output_tokens": 1},
            "content": [{"type": "text", "text": "x"}],
        },
    }
    _append(home.transcript, reply)
    after = session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    assert after.used == before.used
    assert after.malformed_lines == before.malformed_lines + 1


# ------------------------------------------------------------------ 6. files that block
def test_fifo_and_device_among_subagents_never_block(home: synth.ClaudeHome) -> None:
    nested = home.project_dir / home.transcript.stem / "subagents"
    nested.mkdir(parents=True, exist_ok=True)
    os.mkfifo(nested / "agent-fifo.jsonl")
    (home.project_dir / "agent-zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(nested / "agent-meta.jsonl")
    os.mkfifo(nested / "agent-real.meta.json")
    (nested / "agent-real.jsonl").write_bytes(b"")
    for argv in (("status", str(home.transcript)), ("snapshot", str(home.transcript))):
        out = run_cli(*argv, timeout=60)
        assert out.returncode == 0, out.stderr
        assert b"Traceback" not in out.stderr
    payload = {"session_id": home.transcript.stem, "transcript_path": str(home.transcript)}
    out = run_cli("hook", "pre-compact", stdin=json.dumps(payload).encode(), timeout=60)
    assert out.returncode == 0
    assert len(list(snapshots_root().rglob("snapshot.json"))) == 2


def test_symlink_loops_and_fifos_are_skipped_or_one_line(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = home.project_dir / home.transcript.stem / "subagents"
    (nested / "agent-loop.jsonl").symlink_to(nested / "agent-loop.jsonl")
    loop = home.project_dir / "loop.jsonl"
    loop.symlink_to(loop)
    fifo = home.project_dir / "11111111-2222-4333-8444-555555555555.jsonl"
    os.mkfifo(fifo)
    # Among a session's files: skipped. The loop beside the sessions hides none of them.
    code, _, err = _run(capsys, "status", str(home.transcript))
    assert code == 0, err
    code, out, _ = _run(capsys, "sessions", "--json")
    assert home.transcript.stem in {row["session_id"] for row in json.loads(out)}
    # Named on the command line: one line.
    for path in (fifo, loop):
        out = run_cli("status", str(path), timeout=60)
        assert out.returncode == 1
        assert b"Traceback" not in out.stderr
        assert out.stderr.count(b"\n") == 1
    with pytest.raises(OSError, match="not a regular file"):
        open_regular(fifo)


# ------------------------------------------------------------------ 7. huge lines
class _FakeEncoding:
    """Counts characters it is asked to encode: a token per 4 characters."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def encode_ordinary(self, text: str) -> list[int]:
        self.seen.append(len(text))
        return [0] * (len(text) // 4)

    def encode_ordinary_batch(self, texts: list[str], num_threads: int = 1) -> list[list[int]]:
        return [self.encode_ordinary(t) for t in texts]


def test_very_long_texts_are_counted_from_samples_and_marked(
    home: synth.ClaudeHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctxdash.core.transcript import tokens

    enc = _FakeEncoding()
    counter = tokens.TiktokenCounter(enc)
    text = "word " * (SAMPLE_ABOVE // 2)  # 2.5M characters
    n = counter.count(text)
    assert max(enc.seen) <= SAMPLE_CHARS
    assert sum(enc.seen) <= SAMPLES * SAMPLE_CHARS
    assert abs(n - len(text) // 4) <= len(text) // 100
    assert counter.count_many(["short", text, "other"])[1] == n
    # Through the whole pipeline: the budget says its split is partly an estimate, warm or cold.
    monkeypatch.setattr(tokens, "default_counter", lambda: tokens.TiktokenCounter(enc))
    assert session_budget(home.transcript, config=Config()).calibration.exact_tokenizer
    huge = {"type": "user", "message": {"role": "user", "content": "A" * (SAMPLE_ABOVE + 10)}}
    reply = {
        "type": "assistant",
        "message": {
            "id": "msg_after",
            "model": "claude-sonnet-4-5-20250929",
            "usage": {"input_tokens": 190_000, "output_tokens": 5},
            "content": [{"type": "text", "text": "ok"}],
        },
    }
    for line in (huge, reply):  # waiting for its reply, then attributed
        _append(home.transcript, line)
        for _ in range(2):  # cold, then warm from the parse cache
            b = session_budget(home.transcript, config=Config())
            assert not b.calibration.exact_tokenizer
            assert "counted from samples" in b.calibration.tokenizer


# ------------------------------------------------------------------ 8. hand-over
def test_a_summary_is_handed_over_once(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", str(home.transcript)]) == 0
    capsys.readouterr()

    def start(n: int) -> str:
        new = home.project_dir / f"{n:08d}-2222-4333-8444-555555555555.jsonl"
        payload = {"session_id": new.stem, "transcript_path": str(new), "source": "clear"}
        return hooks.run("session-start", json.dumps(payload).encode())

    assert start(1).startswith("Summary of the previous session")
    assert start(2) == ""
    assert start(3) == ""


def test_a_spilled_summary_is_not_picked_again(home: synth.ClaudeHome) -> None:
    folder = home.project_dir.parent.parent.parent / "x"  # any folder name works
    summaries = Path(os.environ["CTXDASH_DATA_DIR"]) / "summaries" / home.project_dir.name
    summaries.mkdir(parents=True)
    (summaries / "s.md").write_text("word " * 5_000)
    texts = []
    for n in range(3):
        new = home.project_dir / f"{n:08d}-2222-4333-8444-555555555555.jsonl"
        payload = {"session_id": new.stem, "transcript_path": str(new), "source": "clear"}
        texts.append(hooks.session_start(payload))
    assert "s.full.md" in texts[0]
    assert texts[1:] == ["", ""]
    assert sorted(p.name for p in summaries.iterdir()) == ["s.full.md", "s.md"]
    assert not folder.exists()


# ------------------------------------------------------------------ 9. one line, not a traceback
@pytest.mark.parametrize(
    "argv",
    [
        ("summary", "--ratio", "nan"),
        ("summary", "--ratio", "inf"),
        ("summary", "--ratio", "-1"),
        ("status", "--window", "inf"),
        ("status", "--window", "1e400"),
        ("summary", "--max-tokens", "-10"),
        ("sessions", "--limit", "0"),
        ("status", "x" * 5000),
        ("status", "/" + "y" * 300 + ".jsonl"),
    ],
)
def test_bad_arguments_are_one_line(home: synth.ClaudeHome, argv: tuple[str, ...]) -> None:
    out = run_cli(*argv)
    assert out.returncode in (1, 2)
    assert b"Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith(b"ctxdash")
    assert len(out.stderr.splitlines()[-1]) < 400


def test_unwritable_folder_is_one_line(
    home: synth.ClaudeHome, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic, "_temp", refuse)  # a read-only folder, even for root
    for argv in ("snapshot", "fork", "summary"):
        code, _, err = _run(capsys, argv, str(home.transcript))
        assert code == 1
        assert "permission denied" in err
        assert err.count("\n") == 1


def test_non_utf8_file_name_in_the_session_list(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = os.fsdecode(bytes(home.project_dir) + b"/caf\xe9-session.jsonl")
    Path(odd).write_bytes(home.transcript.read_bytes())
    code, out, _ = _run(capsys, "sessions", "--json")
    assert code == 0
    names = {row["transcript"] for row in json.loads(out)}
    assert odd in names  # exactly the name on disk, escaped
    code, out, _ = _run(capsys, "sessions", "--color", "never")
    assert code == 0
    assert "\ufffd" in out


# ------------------------------------------------------------------ 10. races, leftovers, modes
def test_a_settings_change_before_the_rename_is_not_lost(tmp_path: Path) -> None:
    from ctxdash.core.atomic import ActionError
    from ctxdash.core.claude import settings_edit

    settings = tmp_path / "settings.json"
    settings.write_text('{"model": "opus"}\n')
    from ctxdash.cli.claude import hook_config

    change = settings_edit.plan_install(settings, hooks=hook_config("ctxdash"))
    assert change.changed
    real_backup = settings_edit._backup

    def claude_code_writes_meanwhile(target: Path, data: bytes) -> Path:
        out = real_backup(target, data)
        settings.write_text('{"model": "sonnet"}\n')  # Claude Code saves its settings
        return out

    settings_edit._backup = claude_code_writes_meanwhile  # type: ignore[assignment]
    try:
        with pytest.raises(ActionError, match="changed since the plan"):
            settings_edit.apply(change)
    finally:
        settings_edit._backup = real_backup  # type: ignore[assignment]
    assert settings.read_text() == '{"model": "sonnet"}\n'


def test_a_same_size_rewrite_of_early_bytes_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    body = b"".join(b'{"n":%05d}\n' % i for i in range(2000))  # ~24 KB
    path.write_bytes(body)
    tail = FileTail(path)
    assert len(tail.read_all().lines) == 2000
    path.write_bytes(b'{"n":99999}\n' + body[12:])  # same size, first line changed
    again = tail.read_all()
    assert again.reset
    assert len(again.lines) == 2000


def test_a_killed_snapshot_is_swept_by_the_next(home: synth.ClaudeHome) -> None:
    root = snapshots_root()
    old = root / "p" / "s" / "20260101T000000000000Z"
    old.mkdir(parents=True)
    (old / ".transcript.jsonl.abc.tmp").write_bytes(b"x" * 1000)
    fresh = root / "p" / "s" / "20260101T000000000001Z"
    fresh.mkdir()
    past = time.time() - 3600
    for p in (old / ".transcript.jsonl.abc.tmp", old):
        os.utime(p, (past, past))
    assert sweep_abandoned(root) == [old]
    assert not old.exists()
    assert fresh.exists()


def test_state_files_are_private(home: synth.ClaudeHome, tmp_path: Path) -> None:
    session_budget(home.transcript, config=Config(), counter=HeuristicCounter())
    payload = {
        "session_id": home.transcript.stem,
        "transcript_path": str(home.transcript),
        "model": {"id": "claude-sonnet-4-5"},
        "context_window": {"context_window_size": 200_000},
    }
    statusline.run(None, json.dumps(payload).encode())
    hooks.run("session-end", json.dumps(payload).encode())
    files = [
        *(tmp_path / "cache" / "sessions").iterdir(),
        *(tmp_path / "state" / "budgets").iterdir(),
        *(tmp_path / "state" / "statusline").iterdir(),
        tmp_path / "state" / "events.jsonl",
    ]
    assert len(files) >= 4
    assert not [p for p in files if p.name.endswith(".tmp")]  # no temporary file left behind
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


@pytest.mark.parametrize("argv", [("hook", "session-end"), ("statusline",)])
def test_a_stdin_that_never_closes_does_not_hang(argv: tuple[str, ...]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxdash", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert proc.stdin is not None
    proc.stdin.write(b'{"session_id": "s"')  # and never closed
    proc.stdin.flush()
    try:
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.stdin.close()
        proc.wait()


@pytest.mark.parametrize(
    "payload",
    [
        {"model": "opus", "context_window": "big"},
        {"model": {"id": 5}, "context_window": {"current_usage": {"input_tokens": 10**30}}},
        {"context_window": {"current_usage": {"input_tokens": -5}, "context_window_size": -1}},
        {"session_id": "../../x", "context_window": {"current_usage": {"input_tokens": "1e9"}}},
        {"session_id": HOSTILE, "model": {"id": HOSTILE}},
    ],
)
def test_statusline_payloads_of_the_wrong_shape(payload: dict[str, object]) -> None:
    line = statusline.run(None, json.dumps(payload).encode())
    assert line.startswith("ctx")
    assert "Error" not in line
    assert "%" not in line or "-" not in line.split("%")[0]


def test_skill_and_agent_files_that_never_end_are_skipped(tmp_path: Path) -> None:
    """A repository's SKILL.md linked to /dev/zero, an agent file that is a FIFO."""
    import resource

    skills = tmp_path / "repo" / ".claude" / "skills" / "evil"
    skills.mkdir(parents=True)
    (skills / "SKILL.md").symlink_to("/dev/zero")
    agents = tmp_path / "repo" / ".claude" / "agents"
    agents.mkdir(parents=True)
    os.mkfifo(agents / "stuck.md")
    (agents / "fine.md").write_text("---\nname: fine\ndescription: ok\n---\n")
    code = (
        "import sys; from pathlib import Path;"
        "from ctxdash.core.claude.listings import discover_listings;"
        "print([x.name for x in discover_listings(sys.argv[1], Path(sys.argv[2]))])"
    )

    def limit_memory() -> None:  # on failure: a MemoryError, not a machine out of memory
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "repo"), str(tmp_path / "root")],
        capture_output=True,
        timeout=60,
        preexec_fn=limit_memory,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        check=False,
    )
    assert out.returncode == 0, out.stderr[-300:]
    assert out.stdout.strip() == b"['fine']"


def test_a_deep_fork_origin_line_is_skipped(home: synth.ClaudeHome) -> None:
    """The fork-origin lookup decodes the transcript's last lines itself."""
    from ctxdash.core.fresh import parent_of

    deep = b'{"type":"ctxdash-origin","x":' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    with open(home.transcript, "ab") as fh:
        fh.write(deep)
    assert parent_of(home.transcript) == (None, None)


def test_fork_with_a_replacement_id_that_is_an_object(
    home: synth.ClaudeHome, capsys: pytest.CaptureFixture[str]
) -> None:
    (home.project_dir / home.transcript.stem / "tool-results").mkdir(parents=True, exist_ok=True)
    objs = lines_of(home.transcript)
    odd = {"kind": "tool-result", "toolUseId": {"id": "x"}, "replacement": "stand-in"}
    objs.insert(3, {"type": "content-replacement", "replacements": [odd, ["x"], None]})
    write_lines(home.transcript, objs)
    code, _, err = _run(capsys, "fork", str(home.transcript))
    assert code == 0, err


def test_settings_diffs_and_status_print_no_control_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project's .claude/settings.json comes with a cloned repository."""
    project = tmp_path / "repo"
    (project / ".claude").mkdir(parents=True)
    hostile = {"statusLine": {"type": "command", "command": "ctxdash statusline \x1b]2;x\x07"}}
    hostile["env"] = {"NOTE": "\x1b[2J\x1b]52;c;ZXZpbA==\x07"}
    (project / ".claude" / "settings.json").write_text(json.dumps(hostile, ensure_ascii=False))
    monkeypatch.chdir(project)
    for argv in (
        ("hooks", "install", "--project", "--dry-run"),
        ("hooks", "status", "--project"),
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 0, err
        assert _CONTROL.search(out.replace("\n", "")) is None, argv
