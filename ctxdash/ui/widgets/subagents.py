"""Subagents: each subagent's own window, with its size now and its peak."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import compact, truncate
from ctxdash.ui.widgets.panel import Panel


class SubagentsPanel(Panel):
    """Separate windows, never added to the main one."""

    TITLE = "Subagents"

    def render_budget(self, b: Budget) -> RenderableType:
        if not b.subagents:
            return Text("none", style="dim")
        width = self.inner_width
        lines = []
        for s in b.subagents[-10:]:
            name = s.agent_type or s.description or s.agent_id
            line = Text(f"now {compact(s.used):>6} peak {compact(s.peak):>6} ", style="bold")
            line.append(truncate(name, width - len(line)), style="dim")
            lines.append(line)
        return Text("\n").join(lines)
