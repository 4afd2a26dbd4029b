"""App-level messages. Frequent ones replace older pending copies of themselves."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from ctxdash.core.budget import Budget


@dataclass
class BudgetChanged(Message, bubble=False):
    """A new budget for the session on screen."""

    budget: Budget
    preview: bool = False
    """From the live window alone, while the history is still being read."""
    painted: asyncio.Event | None = None
    """Set once the budget is on screen."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BudgetChanged) and message.painted is None


@dataclass
class SessionSwitched(Message, bubble=False):
    """The dashboard now follows another session (``/clear``, a new session, the list)."""

    previous: Path | None
    current: Path
    reason: str


@dataclass
class WatchProblem(Message, bubble=False):
    """Something went wrong reading the session; shown, never fatal."""

    text: str
