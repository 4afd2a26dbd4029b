"""Deterministic synthetic Claude Code transcripts for tests, the benchmark and the demo.

Everything comes from one ``random.Random(seed)`` and a fixed base timestamp, so the same
arguments always give byte-identical output. Lines are compact JSON (``separators=(",",":")``
like Claude Code) ending with ``"\\n"``; all prose and code in them is invented here.

Modules: :mod:`~ctxdash.synth.basics` (constants, the token rule, expected figures),
:mod:`~ctxdash.synth.content` (invented text), :mod:`~ctxdash.synth.writer`,
:mod:`~ctxdash.synth.turns` and :mod:`~ctxdash.synth.session` (the session writer, in layers),
:mod:`~ctxdash.synth.scenarios`, :mod:`~ctxdash.synth.live` (a growing session),
:mod:`~ctxdash.synth.home` (a whole Claude folder) and :mod:`~ctxdash.synth.demo` (the built-in
demo). This package re-exports what tests and tools use.

Building blocks:

* :class:`SessionWriter` writes one session line by line (prompts, split assistant responses,
  tool results, attachments, system and metadata lines, compactions, subagents, junk lines) and
  keeps the exact figures a correct parser must find, returned by :meth:`SessionWriter.expected`.
* :func:`scenario` runs a named preset (see :data:`SCENARIOS`); :func:`build_claude_home` writes
  a whole fake Claude config root; :class:`LiveSession` grows a session turn by turn.

Context model: a request's input total = previous total + previous ``output_tokens`` + tokens
of everything appended since (prompts, tool results, attachments); the first request (and the
first after a compaction) is ``static_tokens`` (system prompt + tools + memory) + what was
appended. Text costs :func:`estimate_tokens` tokens (``round(len / 3.6)``), an image
:data:`IMAGE_TOKENS`. A large tool result with ``persist=True`` costs only its stand-in text.
"""

from ctxdash.synth.basics import (
    DEFAULT_CWD,
    DEFAULT_MODEL,
    DEFAULT_VERSION,
    IMAGE_TOKENS,
    MALFORMED,
    SUMMARY_PREFIX,
    Expected,
    ToolCall,
    encode_project_dir,
    estimate_tokens,
)
from ctxdash.synth.content import memory_texts
from ctxdash.synth.home import ClaudeHome, build_claude_home
from ctxdash.synth.live import LiveSession, split_line, write_partial_then_finish
from ctxdash.synth.scenarios import SCENARIOS, scenario
from ctxdash.synth.session import SessionWriter

__all__ = [
    "DEFAULT_CWD",
    "DEFAULT_MODEL",
    "DEFAULT_VERSION",
    "IMAGE_TOKENS",
    "MALFORMED",
    "SCENARIOS",
    "SUMMARY_PREFIX",
    "ClaudeHome",
    "Expected",
    "LiveSession",
    "SessionWriter",
    "ToolCall",
    "build_claude_home",
    "encode_project_dir",
    "estimate_tokens",
    "memory_texts",
    "scenario",
    "split_line",
    "write_partial_then_finish",
]
