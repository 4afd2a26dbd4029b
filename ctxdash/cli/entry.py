"""The ``ctxdash`` console script.

``ctxdash statusline`` runs after every assistant message in Claude Code and must start in a
few tens of milliseconds, so it is dispatched here before anything heavy is imported.
"""

import sys


def main() -> int:
    """Dispatch the status line early; everything else goes to :mod:`ctxdash.cli.main`."""
    args = sys.argv[1:]
    if args[:1] == ["statusline"]:
        from ctxdash.integration.statusline import parse_wrap

        wrap = parse_wrap(args[1:])
        if wrap is not False:
            from ctxdash.integration.statusline import main as statusline

            return statusline(wrap)
    from ctxdash.cli.main import main as cli_main

    return cli_main()
