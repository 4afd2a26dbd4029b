"""ctxdash: watch a Claude Code session's context window."""

__version__ = "0.1.0"
