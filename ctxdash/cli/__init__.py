"""The ``ctxdash`` command line: argument parsing and printing over the core.

Kept empty so that :mod:`ctxdash.cli.entry` (the console script) starts without importing
anything heavy.
"""
