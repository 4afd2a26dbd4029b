"""Memory files: tokens, lines, tier and warnings of each file Claude Code loads."""

from __future__ import annotations

from pathlib import Path

from rich.console import RenderableType
from rich.text import Text

from ctxdash.core.budget import Budget
from ctxdash.ui.format import compact, truncate, truncate_left
from ctxdash.ui.widgets.panel import Panel


def _short(path: str, cwd: str | None) -> str:
    p = Path(path)
    if cwd:
        try:
            return str(p.relative_to(cwd))
        except ValueError:
            pass
    home = Path.home()
    try:
        return "~/" + str(p.relative_to(home))
    except ValueError:
        return path


class MemoryPanel(Panel):
    """One row per memory file; files not loaded now are dim."""

    TITLE = "Memory files"

    def render_budget(self, b: Budget) -> RenderableType:
        if not b.memory_files:
            return Text("no memory files", style="dim")
        width = self.inner_width
        warn = self.level("warn")
        lines = []
        for m in b.memory_files[:12]:
            line = Text(f"T{m.tier} ", style="bold" if m.loaded else "dim")
            line.append(f"{compact(m.tokens):>5} {m.lines:>4}L ", style="" if m.loaded else "dim")
            line.append(
                truncate_left(_short(m.path, b.cwd), width - 15), style="" if m.loaded else "dim"
            )
            lines.append(line)
            for w in m.warnings[:2]:
                lines.append(Text(truncate(f"   ! {w}", width), style=warn))
        if len(b.memory_files) > 12:
            lines.append(Text(f"… {len(b.memory_files) - 12} more", style="dim"))
        return Text("\n").join(lines)
