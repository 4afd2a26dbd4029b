"""What a person needs to pick a session up again, extracted from its transcript in one pass.

:func:`extract_work_state` streams the transcript once (bounded memory: only the few items each
field needs are kept) and returns a :class:`WorkState`: the goal and latest asks, decisions the
assistant stated, errors and whether they were resolved, files changed, commands and their
outcome, the latest todo list, what was being done and the stated next step. Every item carries
a :class:`Pointer` back to its source line (message uuid and timestamp).
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

import msgspec

from ctxdash.core.transcript.prompts import prompt_text
from ctxdash.core.transcript.records import Line, Malformed, decode_any, decode_line, is_real_reply
from ctxdash.core.transcript.tail import FileTail

#: Texts longer than this are cut (with "…").
MAX_TEXT = 300
MAX_ASKS = 5
MAX_DECISIONS = 15
MAX_COMMANDS = 20
MAX_ERRORS = 30
MAX_FILES = 200
MAX_PENDING = 2_000
EDIT_TOOLS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
SHELL_TOOLS = frozenset({"Bash", "PowerShell"})
_DECISION = re.compile(
    r"\b(i[’']ll|i will|i'm going to|decided|we should|the fix is|the problem is|root cause|"
    r"conclusion|instead of|going with|the issue was|the solution is|the cause is|turns out)\b",
    re.IGNORECASE,
)
_NEXT = re.compile(
    r"^(next(?:\s+steps?)?\s*[:,—–-]|next,?\s+(?:i|we|let|up)\b|next steps?\b|"
    r"then i[’']ll|i[’']ll now|now i[’']ll|remaining:|still to do|the next step|"
    r"after that,? i[’']ll|what's left|to do next)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'`(\[*])")
_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#+)\s+")
_EXIT = re.compile(r"^(?:Error: )?(?:Exit code [1-9]\d*|Command failed:)")
_FAILURE = re.compile(
    r"(error|exception)\b|\b(failed|failure|fatal|denied|not found|no such|cannot|traceback)\b",
    re.IGNORECASE,
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TASK_ID = re.compile(r"Task #(\w+)")


class Pointer(msgspec.Struct, kw_only=True):
    """A short text and where it came from (message uuid and timestamp)."""

    text: str
    uuid: str | None = None
    timestamp: str | None = None


class ErrorItem(msgspec.Struct, kw_only=True):
    """A failed tool call; ``resolved`` once the same call later succeeded."""

    tool: str
    message: str
    pointer: Pointer
    target: str | None = None
    resolved: bool = False


class FileChange(msgspec.Struct, kw_only=True):
    """A file the session created or edited, with a one-line description of the last change."""

    path: str
    created: bool = False
    edits: int = 0
    summary: str = ""
    pointer: Pointer | None = None


class Command(msgspec.Struct, kw_only=True):
    """A shell command; ``failed`` is None while no result was seen."""

    command: str
    failed: bool | None = None
    pointer: Pointer | None = None


class Todo(msgspec.Struct, kw_only=True):
    """One entry of the latest todo / task list."""

    content: str
    status: str = "pending"
    active_form: str | None = msgspec.field(default=None, name="activeForm")


class WorkState(msgspec.Struct, kw_only=True):
    """The state of the work in a session (see the module docstring)."""

    session_id: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    model: str | None = None
    goal: Pointer | None = None
    latest_asks: list[Pointer] = []
    decisions: list[Pointer] = []
    errors: list[ErrorItem] = []
    files: list[FileChange] = []
    commands: list[Command] = []
    todos: list[Todo] = []
    todos_pointer: Pointer | None = None
    doing: str | None = None
    next_step: str | None = None
    last_text: Pointer | None = None
    prompts: int = 0
    compactions: int = 0
    malformed_lines: int = 0

    @property
    def open_todos(self) -> list[Todo]:
        """Todos not completed yet."""
        return [t for t in self.todos if t.status != "completed"]


class _Extra(msgspec.Struct):
    """The part of a tool-result line :class:`Line` does not declare."""

    toolUseResult: Any = None


_EXTRA = msgspec.json.Decoder(_Extra)
_ENC = msgspec.json.Encoder(order="sorted")


class _Call(msgspec.Struct, kw_only=True):
    """A tool_use waiting for its result."""

    name: str
    key: str
    target: str | None
    change: FileChange | None = None
    command: Command | None = None
    task: Todo | None = None


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` stripped, cut to ``limit`` characters with "…" when longer."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _one_line(text: str, limit: int) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` ("…" when more follows)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    first = lines[0].replace("`", "'")
    if len(first) > limit:
        return first[: limit - 1].rstrip() + "…"
    return first + (" …" if len(lines) > 1 else "")


def sentences(text: str) -> list[str]:
    """Prose sentences of ``text``: code fences removed, list markers stripped."""
    text = _FENCE.sub("\n", text)
    out: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).replace("**", "").strip()
        if line:
            out.extend(s.strip() for s in _SENTENCE.split(line) if s.strip())
    return out


def _result_text(content: Any, head: int = 2_000, tail: int = 2_000) -> str:
    """The text of a tool result (its start and end only, for long outputs)."""
    if isinstance(content, list):
        parts = [b.get("text") for b in content if isinstance(b, dict)]
        content = "\n".join(t for t in parts if isinstance(t, str))
    if not isinstance(content, str):
        return ""
    return content if len(content) <= head + tail else f"{content[:head]}\n{content[-tail:]}"


def _error_message(text: str) -> str:
    """One line saying what went wrong, e.g. "Exit code 1: NameError: name 'x' is not defined"."""
    text = _ANSI.sub("", text.replace("<tool_use_error>", "").replace("</tool_use_error>", ""))
    lines = [ln.strip(" =-\t") for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        return "failed (no output)"
    first = lines[0].removeprefix("Error: ")
    if first.startswith("The user doesn't want to"):
        return "rejected by the user"
    code = re.fullmatch(r"Exit code \d+", first)
    rest = lines[1:] if code else lines
    hits = [ln for ln in rest if _FAILURE.search(ln)]
    msg = hits[-1] if hits else (rest[0] if rest else "")
    return clip(f"{first}: {msg}" if code and msg else msg or first, 160)


def _first_difference(old: str, new: str) -> tuple[str, str]:
    """The first line that differs in ``old`` and ``new`` (common leading/trailing lines cut)."""
    a = [ln for ln in old.splitlines() if ln.strip()]
    b = [ln for ln in new.splitlines() if ln.strip()]
    i = 0
    while i < min(len(a), len(b)) and a[i].strip() == b[i].strip():
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j].strip() == b[-1 - j].strip():
        j += 1
    a, b = a[i : len(a) - j], b[i : len(b) - j]
    if a and b:  # skip a long shared start of the first differing lines
        x, y = a[0].strip(), b[0].strip()
        k = len(os.path.commonprefix([x, y]))
        if k > 24:
            a[0], b[0] = "…" + x[k - 12 :], "…" + y[k - 12 :]
    return _one_line("\n".join(a), 40), _one_line("\n".join(b), 40)


def _change_summary(name: str, args: dict[str, Any]) -> str:
    """One line of what a file tool call changed."""
    if name == "Write":
        content = args.get("content")
        n = len(content.splitlines()) if isinstance(content, str) else 0
        return f"wrote {n} lines"
    if name == "NotebookEdit":
        mode = args.get("edit_mode") or "replace"
        src = _one_line(str(args.get("new_source") or ""), 50)
        return clip(f"{mode} cell {args.get('cell_id') or '?'}: `{src}`", 100)
    edits = args.get("edits") if name == "MultiEdit" else [args]
    if not isinstance(edits, list) or not edits or not isinstance(edits[0], dict):
        return "edited"
    old, new = _first_difference(
        str(edits[0].get("old_string") or ""), str(edits[0].get("new_string") or "")
    )
    if not old:
        what = f"inserted `{new}`"
    elif not new:
        what = f"deleted `{old}`"
    else:
        what = f"replaced `{old}` with `{new}`"
    if edits[0].get("replace_all"):
        what += " (all)"
    if len(edits) > 1:
        what = f"{len(edits)} replacements, first {what}"
    return clip(what, 100)


class _Extractor:
    """Feeds on lines; keeps bounded state for each :class:`WorkState` field."""

    def __init__(self, sidechain: bool) -> None:
        self.sidechain = sidechain
        self.state = WorkState()
        self.asks: deque[Pointer] = deque(maxlen=MAX_ASKS)
        self.decisions: OrderedDict[str, Pointer] = OrderedDict()
        self.errors: deque[ErrorItem] = deque(maxlen=MAX_ERRORS)
        self.error_keys: deque[str] = deque(maxlen=MAX_ERRORS)
        self.files: OrderedDict[str, FileChange] = OrderedDict()
        self.commands: deque[Command] = deque(maxlen=MAX_COMMANDS)
        self.pending: OrderedDict[str, _Call] = OrderedDict()
        self.tasks: OrderedDict[str, Todo] = OrderedDict()
        self.last_text_id: str | None = None
        self.last_parts: list[str] = []

    # ------------------------------------------------------------------ lines
    def feed(self, raw: bytes | memoryview) -> None:
        if not len(raw) or (raw[0] in b" \t\r" and not bytes(raw).strip()):
            return
        line = decode_line(raw)
        if isinstance(line, Malformed):
            self.state.malformed_lines += 1
            return
        if bool(line.isSidechain) != self.sidechain:
            return
        s = self.state
        s.session_id = line.sessionId or s.session_id
        s.cwd = line.cwd or s.cwd
        if line.gitBranch and line.gitBranch != "HEAD":  # "HEAD": no branch to name
            s.git_branch = line.gitBranch
        if line.type == "system" and line.subtype == "compact_boundary":
            s.compactions += 1
        elif line.type == "user" and line.message is not None:
            self._user(line, raw)
        elif line.type == "assistant" and line.message is not None:
            self._assistant(line)

    def _ptr(self, line: Line, text: str) -> Pointer:
        return Pointer(text=clip(text), uuid=line.uuid, timestamp=line.timestamp)

    def _user(self, line: Line, raw: bytes | memoryview) -> None:
        if line.isMeta or line.isCompactSummary or line.message is None:
            return
        content = decode_any(line.message.content)
        if isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        ):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    self._result(line, raw, block)
            return
        text = prompt_text(content)
        if text is None:
            return
        ptr = self._ptr(line, text)
        self.state.prompts += 1
        if self.state.goal is None:
            self.state.goal = ptr
        self.asks.append(ptr)

    def _assistant(self, line: Line) -> None:
        msg = line.message
        if msg is None or not is_real_reply(line):
            return
        self.state.model = msg.model or self.state.model
        content = decode_any(msg.content)
        if not isinstance(content, list):
            return
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                self._text(line, block["text"])
            elif block.get("type") == "tool_use":
                self._tool_use(line, block)

    def _text(self, line: Line, text: str) -> None:
        if not text.strip() or text.strip() == "No response requested.":
            return
        mid = (line.message.id if line.message else None) or line.requestId or line.uuid
        if mid != self.last_text_id:
            self.last_text_id, self.last_parts = mid, []
        self.last_parts.append(text.strip())
        self.state.last_text = self._ptr(line, "\n\n".join(self.last_parts))
        for sent in sentences(text):
            if len(sent) < 12 or not _DECISION.search(sent):
                continue
            key = " ".join(sent.lower().split()).rstrip(".!:")
            self.decisions.pop(key, None)
            self.decisions[key] = self._ptr(line, sent)
            while len(self.decisions) > MAX_DECISIONS:
                self.decisions.popitem(last=False)

    # ------------------------------------------------------------------ tools
    def _tool_use(self, line: Line, block: dict[str, Any]) -> None:
        name = str(block.get("name") or "?")
        args = block.get("input")
        if not isinstance(args, dict):
            args = {}
        fields = ("file_path", "notebook_path", "command", "path", "url", "pattern")
        target = next((args[f] for f in fields if isinstance(args.get(f), str)), None)
        family = "edit" if name in ("Edit", "MultiEdit", "Write") else name
        ident = " ".join(target.split()) if target else _ENC.encode(args).decode()
        key = f"{family}\0{ident}"
        call = _Call(name=name, key=key, target=target)
        if name in EDIT_TOOLS and target:
            call.change = FileChange(
                path=target,
                created=name == "Write",
                edits=1,
                summary=_change_summary(name, args),
                pointer=self._ptr(line, target),
            )
        elif name in SHELL_TOOLS and target:
            call.command = Command(command=clip(target), pointer=self._ptr(line, target))
            self.commands.append(call.command)
        elif name == "TodoWrite" and isinstance(args.get("todos"), list):
            self.state.todos = [t for t in map(_todo, args["todos"]) if t is not None]
            self.state.todos_pointer = self._ptr(line, f"{len(self.state.todos)} todos")
        elif name == "TaskCreate" and isinstance(args.get("subject"), str):
            call.task = Todo(content=clip(args["subject"]), active_form=_text(args, "activeForm"))
        elif name == "TaskUpdate" and str(args.get("taskId", "")) in self.tasks:
            task = self.tasks[str(args["taskId"])]
            if args.get("status") == "deleted":
                del self.tasks[str(args["taskId"])]
            elif isinstance(args.get("status"), str):
                task.status = args["status"]
            if isinstance(args.get("subject"), str):
                task.content = clip(args["subject"])
            self._tasks_changed(line)
        if block.get("id"):
            self.pending[str(block["id"])] = call
            while len(self.pending) > MAX_PENDING:
                self._settle(self.pending.popitem(last=False)[1])

    def _tasks_changed(self, line: Line) -> None:
        self.state.todos = list(self.tasks.values())
        self.state.todos_pointer = self._ptr(line, f"{len(self.tasks)} tasks")

    def _result(self, line: Line, raw: bytes | memoryview, block: dict[str, Any]) -> None:
        call = self.pending.pop(str(block.get("tool_use_id")), None)
        text = _result_text(block.get("content"))
        failed = bool(block.get("is_error"))
        extra: Any = None
        if call is not None and (call.name in SHELL_TOOLS or call.name in ("Write", "TaskCreate")):
            try:
                extra = _EXTRA.decode(raw).toolUseResult
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                extra = None
        if call is not None and call.name in SHELL_TOOLS:
            if isinstance(extra, dict) and extra.get("interrupted"):
                failed = True
            failed = failed or bool(_EXIT.match(text.lstrip()))
            if call.command is not None:
                call.command.failed = failed
        if failed:
            msg, target = _error_message(text), call.target if call else None
            tool = call.name if call else "tool"
            item = ErrorItem(tool=tool, message=msg, pointer=self._ptr(line, msg))
            item.target = clip(target, 120) if target else None
            self.errors.append(item)
            self.error_keys.append(call.key if call else "")
            return
        if call is None:
            return
        for err, key in zip(self.errors, self.error_keys, strict=True):
            if key == call.key:
                err.resolved = True
        if call.change is not None and isinstance(extra, dict):
            call.change.created = extra.get("type") == "create"
        if call.task is not None:
            made = extra.get("task") if isinstance(extra, dict) else None
            match = _TASK_ID.search(text)
            tid = made.get("id") if isinstance(made, dict) else match and match.group(1)
            if tid is not None:
                self.tasks[str(tid)] = call.task
                self._tasks_changed(line)
        self._settle(call)

    def _settle(self, call: _Call) -> None:
        """Apply a successful (or never answered) file change."""
        change = call.change
        if change is None:
            return
        old = self.files.pop(change.path, None)
        if old is not None:
            change.created = old.created
            change.edits = old.edits + 1
            change.summary = clip(f"{change.edits} edits; last: {change.summary}", 100)
        self.files[change.path] = change
        while len(self.files) > MAX_FILES:
            self.files.popitem(last=False)

    # ------------------------------------------------------------------ result
    def finish(self) -> WorkState:
        for call in self.pending.values():
            self._settle(call)
        s = self.state
        s.latest_asks = list(self.asks)
        s.decisions = list(self.decisions.values())
        s.errors = list(self.errors)
        s.files = list(self.files.values())
        s.commands = list(self.commands)
        doing = next((t for t in s.todos if t.status == "in_progress"), None)
        if doing is not None:
            s.doing = clip(doing.active_form or doing.content)
        elif s.last_text is not None:
            s.doing = clip(" ".join(sentences(s.last_text.text)[:3]) or s.last_text.text)
        if self.last_parts:
            s.next_step = _next_step("\n\n".join(self.last_parts))
        return s


def _todo(item: Any) -> Todo | None:
    if not isinstance(item, dict) or not isinstance(item.get("content"), str):
        return None
    status = item["status"] if isinstance(item.get("status"), str) else "pending"
    return Todo(content=clip(item["content"]), status=status, active_form=_text(item, "activeForm"))


def _text(fields: dict[str, Any], key: str) -> str | None:
    """``fields[key]`` clipped when it is a string (a model wrote it: any type can come)."""
    value = fields.get(key)
    return clip(value) if isinstance(value, str) else None


def _next_step(text: str) -> str | None:
    """The sentence of ``text`` that states the next step, if any."""
    sents = sentences(text)
    for i, sent in enumerate(sents):
        if _NEXT.match(sent):
            if sent.endswith(":") and i + 1 < len(sents):
                sent = f"{sent} {sents[i + 1]}"
            return clip(sent)
    return None


def extract_work_state(path: Path, *, sidechain: bool = False) -> WorkState:
    """Read ``path`` once and extract its :class:`WorkState`.

    Only main-chain lines are used (``isSidechain`` false), or only sidechain lines with
    ``sidechain=True`` (a subagent file). Malformed lines are skipped and counted.

    Raises:
        OSError: the file cannot be opened.
    """
    ex = _Extractor(sidechain)
    for chunk in FileTail(path).read():
        for raw in chunk.lines:
            ex.feed(raw)
    return ex.finish()
