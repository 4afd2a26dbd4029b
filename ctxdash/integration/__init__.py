"""How ctxdash runs inside Claude Code: its hooks and its status line.

Kept empty: the status line imports only what it needs.
"""
