"""The ``ctxdash`` console script.

``ctxdash statusline`` runs after every assistant message in Claude Code and must start in a
few tens of milliseconds, so it is dispatched here before anything heavy is imported.
"""

import sys


def main() -> int:
    """Dispatch the status line early; everything else goes to :mod:`ctxdash.cli`."""
    if sys.argv[1:] == ["statusline"]:
        from ctxdash.statusline import main as statusline

        return statusline(None)
    from ctxdash.cli import main as cli_main

    return cli_main()
