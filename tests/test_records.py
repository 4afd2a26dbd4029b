"""decode_line never raises and says why a line is unusable."""

from __future__ import annotations

import pytest

from ctxdash.core.transcript.records import Line, Malformed, decode_any, decode_line


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b'"text"', "not a JSON object"),
        (b"{broken", "invalid JSON"),
        (b"\xff\xfe{}", "invalid"),
        (b'{"type": 5}', "no string 'type'"),
        (b'{"type":"user","isSidechain":"yes"}', "unexpected field"),
    ],
)
def test_malformed(data: bytes, reason: str) -> None:
    rec = decode_line(data)
    assert isinstance(rec, Malformed)
    assert reason in rec.reason


def test_unknown_fields_and_types_are_fine() -> None:
    rec = decode_line(b'{"type":"hologram","brandNew":{"x":[1,2]},"uuid":"u"}')
    assert isinstance(rec, Line)
    assert rec.type == "hologram"
    assert rec.uuid == "u"


def test_usage_with_nulls_counts_as_zero() -> None:
    rec = decode_line(
        b'{"type":"assistant","message":{"id":"m","usage":{"input_tokens":5,'
        b'"cache_creation_input_tokens":null,"cache_read_input_tokens":7}}}'
    )
    assert isinstance(rec, Line)
    assert rec.message
    assert rec.message.usage
    assert rec.message.usage.context == 12


def test_a_lone_surrogate_escape_is_read_as_claude_code_reads_it() -> None:
    # Claude Code cuts long outputs by UTF-16 units: half an emoji can end a tool result.
    line = b'{"type":"user","message":{"role":"user","content":"cut \\ud83d"}}'
    for data in (line, memoryview(line)):
        rec = decode_line(data)
        assert isinstance(rec, Line)
        assert rec.message is not None
        assert decode_any(rec.message.content) == "cut \ufffd"
    low = b'{"type":"user","message":{"role":"user","content":"\\udc00 and \\ud83d\\ude00"}}'
    rec = decode_line(low)
    assert isinstance(rec, Line)
    assert rec.message is not None
    assert decode_any(rec.message.content) == "\ufffd and \U0001f600"
    # A line that is broken for another reason stays malformed.
    assert isinstance(decode_line(line[:-3]), Malformed)
    assert isinstance(decode_line(b'{"type":"user","x":"\\ud83d'), Malformed)


def test_an_escaped_backslash_before_u_is_text_not_a_surrogate() -> None:
    line = rb'{"type":"user","message":{"role":"user","content":"C:\\ud83d\\x and \ud83d"}}'
    rec = decode_line(line)
    assert isinstance(rec, Line)
    assert rec.message is not None
    assert decode_any(rec.message.content) == "C:\\ud83d\\x and \ufffd"
