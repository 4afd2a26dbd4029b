"""``status [--json] [SESSION]`` is read without the full parser, into the same values."""

from __future__ import annotations

import pytest

from ctxdash.cli.main import _merge_top_options, _plain_status, build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["status", "--json"],
        ["status", "abc123"],
        ["status", "--json", "abc123"],
        ["status", "/some/path/x.jsonl", "--json"],
    ],
)
def test_the_plain_forms_read_as_the_full_parser_reads_them(argv: list[str]) -> None:
    quick = _plain_status(argv)
    assert quick is not None
    full = build_parser().parse_args(argv)
    assert _merge_top_options(full) is None
    for name, value in vars(quick).items():
        assert getattr(full, name) == value, name


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["sessions"],
        ["status", "-h"],
        ["status", "--js"],  # an abbreviation: argparse's rules
        ["status", "--json", "--json"],
        ["status", "a", "b"],
        ["status", "--window", "1m"],
        ["status", "--", "x"],
        ["--session", "x", "status"],
        ["status", "--json", "x", "--no-cache"],
    ],
)
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert _plain_status(argv) is None
