"""The session writer, whole: realistic tool calls (Read, Bash, Grep, Edit …), random turns,
and subagents in the three layouts Claude Code has used.
"""

from __future__ import annotations

from ctxdash.synth.basics import ENCODE, ToolCall
from ctxdash.synth.content import (
    IDENT,
    NESTED_DIR,
    PROMPTS,
    REPORTS,
    SAYINGS,
    Source,
    log_text,
    prefix_lines,
    source_pool,
)
from ctxdash.synth.turns import Turns


class SessionWriter(Turns):
    """Builds one session's lines in order and tracks the exact expected context figures
    (see :class:`~ctxdash.synth.writer.Writer`); adds tool calls, random turns and subagents."""

    # ------------------------------------------------------------------ tool factories
    def _path(self, src: Source) -> str:
        return f"{self.cwd}/{src.rel}"

    def _src(self, size: int) -> Source:
        pool = source_pool()
        best = min(range(len(pool)), key=lambda i: abs(len(pool[i].text) - size))
        return pool[max(0, min(len(pool) - 1, best + self.ctx.rng.randint(-1, 1)))]

    def tool_read(self, size: int = 6_000, *, in_nested: bool = False) -> ToolCall:
        """Read a file of about ``size`` characters (cat -n numbered result)."""
        src = self._src(size)
        if in_nested:
            src = next(s for s in source_pool() if s.rel.startswith(NESTED_DIR + "/"))
        p = self._path(src)
        n = len(src.lines)
        return ToolCall(
            "Read",
            {"file_path": p},
            src.numbered,
            {
                "type": "text",
                "file": {
                    "filePath": p,
                    "content": src.text,
                    "numLines": n,
                    "startLine": 1,
                    "totalLines": n,
                },
            },
        )

    def tool_bash(self, size: int = 1_500, *, persist: bool = False) -> ToolCall:
        """Run the tests; stdout of about ``size`` characters."""
        out = prefix_lines(log_text(), size)
        return ToolCall(
            "Bash",
            {"command": "pytest -v", "description": "Run the test suite"},
            out,
            {"stdout": out, "stderr": "", "interrupted": False, "isImage": False},
            persist=persist,
        )

    def tool_grep(self) -> ToolCall:
        """Search the code (content mode)."""
        r, word = self.ctx.rng, self.ctx.rng.choice(IDENT)
        hits = []
        for src in r.sample(source_pool(), 4):
            k = r.randrange(len(src.lines))
            hits.append(f"{self._path(src)}:{k + 1}:{src.lines[k]}")
        text = "\n".join(hits)
        return ToolCall(
            "Grep",
            {"pattern": word, "path": self.cwd, "output_mode": "content", "-n": True},
            text,
            {
                "mode": "content",
                "numFiles": 4,
                "filenames": [],
                "content": text,
                "numLines": len(hits),
            },
        )

    def tool_glob(self) -> ToolCall:
        """List Python files."""
        names = [self._path(s) for s in source_pool()[:8]]
        return ToolCall(
            "Glob",
            {"pattern": "**/*.py"},
            "\n".join(names),
            {
                "filenames": names,
                "durationMs": self.ctx.rng.randint(5, 90),
                "numFiles": len(names),
                "truncated": False,
            },
        )

    def tool_edit(self) -> ToolCall:
        """Replace one line of a pool file."""
        r, src = self.ctx.rng, self.ctx.rng.choice(source_pool()[2:10])
        k = r.randrange(2, len(src.lines) - 1)
        old, p = src.lines[k], self._path(src)
        new = old + "  # adjusted"
        around = range(max(0, k - 3), min(len(src.lines), k + 4))
        snippet = "".join(f"{i + 1:>6}\t{src.lines[i]}\n" for i in around)
        hunk = {
            "oldStart": k + 1,
            "oldLines": 1,
            "newStart": k + 1,
            "newLines": 1,
            "lines": [f"-{old}", f"+{new}"],
        }
        return ToolCall(
            "Edit",
            {"file_path": p, "old_string": old, "new_string": new},
            f"Updated {p} (1 replacement). Snippet after the edit:\n{snippet}",
            {
                "filePath": p,
                "oldString": old,
                "newString": new,
                "originalFile": src.text,
                "structuredPatch": [hunk],
                "userModified": False,
                "replaceAll": False,
            },
        )

    def tool_write(self) -> ToolCall:
        """Create a new small file."""
        src = source_pool()[self.ctx.rng.randrange(3)]
        p = f"{self.cwd}/scripts/gen_{self.ctx.hex(4)}.py"
        return ToolCall(
            "Write",
            {"file_path": p, "content": src.text},
            f"Created {p}.",
            {"type": "create", "filePath": p, "content": src.text, "structuredPatch": []},
        )

    def tool_todo(self) -> ToolCall:
        """Update the todo list."""
        states = ("completed", "in_progress", "pending")
        todos = [
            {
                "content": f"Fix the {w} handling",
                "status": s,
                "activeForm": f"Fixing the {w} handling",
            }
            for w, s in zip(IDENT[:3], states, strict=True)
        ]
        return ToolCall(
            "TodoWrite", {"todos": todos}, "Todo list updated.", {"oldTodos": [], "newTodos": todos}
        )

    def tool_mcp_issue(self) -> ToolCall:
        """An MCP tool call: mcp__github__get_issue."""
        n = self.ctx.rng.randint(10, 400)
        issue = ENCODE(
            {
                "number": n,
                "title": "Gauge flickers on resize",
                "state": "open",
                "body": "When the window is resized quickly the gauge redraws twice.",
                "labels": ["bug", "ui"],
                "comments": 3,
            }
        ).decode()
        res = [{"type": "text", "text": issue}]
        return ToolCall(
            "mcp__github__get_issue",
            {"owner": "acme", "repo": "demo_app", "issue_number": n},
            res,
            res,
        )

    def random_call(self, size: int) -> ToolCall:
        """A tool call picked by weight; Read/Bash results are about ``size`` characters."""
        k = self.ctx.rng.random()
        if k < 0.45:
            return self.tool_read(size)
        if k < 0.65:
            return self.tool_bash(size)
        if k < 0.75:
            return self.tool_grep()
        if k < 0.82:
            return self.tool_glob()
        if k < 0.93:
            return self.tool_edit()
        return self.tool_todo() if k < 0.97 else self.tool_write()

    def random_turn(self, budget_chars: int = 8_000, *, steps: int | None = None) -> None:
        """A prompt, 1-3 tool rounds adding about ``budget_chars`` of results, a final reply."""
        r = self.ctx.rng
        self.prompt(r.choice(PROMPTS))
        steps = steps or r.randint(1, 3)
        for _ in range(steps):
            calls = [self.random_call(max(300, budget_chars // steps))]
            if r.random() < 0.2:
                calls.append(r.choice((self.tool_grep, self.tool_glob, self.tool_todo))())
            self.use_tools(
                calls,
                thinking=r.random() < 0.6,
                text=r.choice(SAYINGS) if r.random() < 0.7 else None,
            )
        self.respond(text=r.choice(REPORTS), thinking=r.random() < 0.3)
        self.end_turn()

    # ------------------------------------------------------------------ subagents
    def subagent(
        self, layout: str, *, steps: int = 3, description: str = "Survey the parser"
    ) -> str:
        """Run a Task/Agent subagent in ``layout`` "inline", "flat" or "nested"; return agentId."""
        r = self.ctx.rng
        if layout not in ("inline", "flat", "nested"):
            raise ValueError(f"unknown subagent layout {layout!r}")
        agent_id = "a" + self.ctx.hex(16) if layout == "nested" else self.ctx.hex(8)
        task = (
            f"{description}: read the {r.choice(IDENT)} and {r.choice(IDENT)} modules and "
            "report how data flows between them. Do not edit anything."
        )
        name = "Agent" if self.v >= (2, 1, 100) else "Task"
        args = {"description": description, "prompt": task, "subagent_type": "general-purpose"}
        resp = self.respond(
            thinking=True, text="I'll delegate the survey to a subagent.", tools=[(name, args)]
        )
        child = SessionWriter(
            session_id=self.session_id,
            model=self.model,
            version=self.version,
            cwd=self.cwd,
            git_branch=self.git_branch,
            _ctx=self.ctx,
            system_tokens=r.randint(6_000, 12_000),
            agent_id=agent_id,
            _inline_into=self if layout == "inline" else None,
        )
        child.prompt(task)
        for _ in range(steps):
            child.use_tools(
                [
                    r.choice((child.tool_read, child.tool_bash))(r.randint(2_000, 20_000)),
                    child.tool_grep(),
                ],
                thinking=r.random() < 0.5,
            )
        report = r.choice(REPORTS)
        last = child.respond(text=report)
        if layout == "flat":
            self._children.append((f"agent-{agent_id}.jsonl", child, None))
        elif layout == "nested":
            meta = {"agentType": "general-purpose", "description": description}
            rel = f"{self.session_id}/subagents/agent-{agent_id}.jsonl"
            self._children.append((rel, child, meta))
        self._subagents[agent_id] = last.total
        text = [
            {"type": "text", "text": report},
            {"type": "text", "text": f"agentId: {agent_id} (use it to resume this agent)"},
        ]
        structured = {
            "status": "completed",
            "prompt": task,
            "agentId": agent_id,
            "content": text[:1],
            "totalDurationMs": child.ctx.ms - self._turn_start_ms,
            "totalTokens": last.total + last.output_tokens,
            "totalToolUseCount": steps * 2,
            "usage": last.usage,
        }
        call = ToolCall(name, args, text, structured)
        self.tool_result(call, resp.tool_use_ids[0], resp.tool_uuids[0])
        return agent_id
