"""Writing the model's side of a session: responses (split over lines like Claude Code),
tool results, API errors, compactions, and deliberately broken lines.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from ctxdash.synth.basics import (
    ENCODE,
    MALFORMED,
    SUMMARY_PREFIX,
    Response,
    ToolCall,
    estimate_tokens,
)
from ctxdash.synth.content import IDENT, PROMPTS, prefix_lines, source_pool
from ctxdash.synth.writer import Writer


class Turns(Writer):
    """Responses, tool results, API errors, compactions and junk lines."""

    # ------------------------------------------------------------------ responses
    def respond(
        self,
        *,
        text: str | None = None,
        thinking: bool = False,
        tools: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> Response:
        """One API response, one line per content block (thinking, text, tool_use...)."""
        r = self.ctx.rng
        if self.auto_compact_at is not None and self.next_request_tokens() >= self.auto_compact_at:
            self.compact("auto")
        total = self.next_request_tokens()
        if self._prev_total is None:
            cached = self.static_tokens if self._fresh_after_compact or r.random() < 0.5 else 0
            read = min(cached, total)
        else:
            read = self._prev_total if r.random() > 0.03 else min(self.system_tokens, total)
        fresh = r.randint(1, 12) if self._prev_total is None else r.randint(1, 9)
        read = min(read, max(0, total - fresh))  # dropped thinking can shrink the request
        inp = min(fresh, total - read)
        create = total - read - inp
        blocks: list[dict[str, Any]] = []
        out_tokens = r.randint(2, 30)
        if self._drop_thinking:
            self._thinking_next -= self._turn_thinking
            self._turn_thinking, self._drop_thinking = 0, False
        self._thinking_used = self._thinking_next
        self._unrecorded_used = self._unrecorded_next
        if thinking:
            sig = base64.b64encode(r.randbytes(r.randint(90, 450))).decode()
            blocks.append({"type": "thinking", "thinking": "", "signature": sig})
            thought = r.randint(40, 900)
            out_tokens += thought
            self._turn_thinking += thought
            self._thinking_next += thought
        if text:
            blocks.append({"type": "text", "text": text})
            out_tokens += estimate_tokens(text)
        ids: list[str] = []
        for name, args in tools:
            ids.append(self.ctx.token("toolu_01", 22))
            blocks.append({"type": "tool_use", "id": ids[-1], "name": name, "input": args})
            out_tokens += estimate_tokens(ENCODE(args).decode()) + 8
        if not blocks:
            blocks.append({"type": "text", "text": "Done."})
        msg_id, req_id = self.ctx.token("msg_01", 22), self.ctx.token("req_011C", 20)
        stop = "tool_use" if tools else "end_turn"
        mode, uuids = r.randrange(3), []
        tier = "5m" if self.v < (2, 1) else "1h"
        for i, block in enumerate(blocks):
            self.ctx.tick(250, 2_500)
            final = i == len(blocks) - 1 or mode == 2
            out = (
                out_tokens
                if final
                else (
                    min(out_tokens, r.randint(1, 8))
                    if mode == 0
                    else max(1, out_tokens * (i + 1) // (len(blocks) + 1))
                )
            )
            usage = {
                "input_tokens": inp,
                "cache_creation_input_tokens": create,
                "cache_read_input_tokens": read,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": create if tier == "5m" else 0,
                    "ephemeral_1h_input_tokens": create if tier == "1h" else 0,
                },
                "output_tokens": out,
                "service_tier": "standard",
            }
            message = {
                "model": self.model,
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": stop if final else None,
                "stop_sequence": None,
                "usage": usage,
            }
            uuids.append(self._node("assistant", {"message": message, "requestId": req_id}))
            self._last_usage = usage
        self._prev_total, self._prev_output, self._pending = total, out_tokens, 0
        self._fresh_after_compact = False
        # A reply that calls no tool ends the turn; its thinking leaves unless it is kept.
        self._drop_thinking = not tools and not self.keep_thinking
        self._used = total
        self._series.append(total)
        return Response(
            msg_id,
            uuids,
            ids,
            uuids[len(uuids) - len(ids) :],
            total,
            out_tokens,
            self._last_usage or {},
        )

    def tool_result(self, call: ToolCall, tool_use_id: str, source_uuid: str) -> str:
        """The user line carrying a tool_result (plus toolUseResult/sourceToolAssistantUUID)."""
        self.ctx.tick(30, 3_000 if call.name == "Bash" else 300)
        block: dict[str, Any] = {
            "tool_use_id": tool_use_id,
            "type": "tool_result",
            "content": call.result,
        }
        if call.is_error:
            block["is_error"] = True
        res = call.result
        seen = res if isinstance(res, str) else "\n".join(b.get("text", "") for b in res)
        standin = None
        if call.persist:
            where = f"{self.session_id}/tool-results/{tool_use_id}.txt"
            self._extra[where] = seen.encode()
            standin = (
                f"<persisted-output>\nOutput too large ({len(seen) // 1024} KB), saved to "
                f"{where}.\nPreview:\n{seen[:1_500]}\n</persisted-output>"
            )
            seen = standin
        self._pending += estimate_tokens(seen)
        uid = self._node(
            "user",
            {"message": {"role": "user", "content": [block]}},
            tail={"toolUseResult": call.structured, "sourceToolAssistantUUID": source_uuid},
        )
        if standin is not None:
            rep: dict[str, Any] = {"type": "content-replacement", "sessionId": self.session_id}
            if self.agent_id:
                rep["agentId"] = self.agent_id
            rep["replacements"] = [
                {"kind": "tool-result", "toolUseId": tool_use_id, "replacement": standin}
            ]
            self._emit(rep)
        return uid

    def use_tools(
        self, calls: Sequence[ToolCall], *, text: str | None = None, thinking: bool = False
    ) -> Response:
        """A response calling ``calls`` (in parallel), then their progress and result lines."""
        resp = self.respond(text=text, thinking=thinking, tools=[(c.name, c.input) for c in calls])
        progress_era = (2, 1, 9) <= self.v <= (2, 1, 84) and not self.sidechain
        for call, tid, src in zip(calls, resp.tool_use_ids, resp.tool_uuids, strict=True):
            if progress_era and call.name in ("Bash", "Edit", "Write"):
                self.progress("bash_progress" if call.name == "Bash" else "hook_progress", tid)
            self.tool_result(call, tid, src)
            path = call.input.get("file_path", "") if call.name == "Read" else ""
            for mem_path, text_ in self.nested_memory.items():
                folder = mem_path.rsplit("/", 1)[0] + "/"
                if path.startswith(folder) and mem_path not in self._injected:
                    self._injected.add(mem_path)
                    self.attachment(
                        {
                            "type": "nested_memory",
                            "path": mem_path,
                            "content": {"path": mem_path, "type": "Project", "content": text_},
                        },
                        f"Contents of {mem_path}:\n\n{text_}",  # what Claude Code sends
                    )
        return resp

    def api_error(self, *, retries: int = 2, give_up: bool = False) -> None:
        """api_error system lines; with ``give_up`` a ``<synthetic>`` zero-usage error reply."""
        for attempt in range(1, retries + 1):
            self.ctx.tick(500, 8_000)
            self.system(
                "api_error",
                level="error",
                error={
                    "status": 529,
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                },
                retryInMs=500 * 2**attempt,
                retryAttempt=attempt,
                maxRetries=10,
            )
        if give_up:
            zero = {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "service_tier": None,
                "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            }
            message = {
                "id": self.ctx.uuid(),
                "model": "<synthetic>",
                "role": "assistant",
                "stop_reason": "stop_sequence",
                "stop_sequence": "",
                "type": "message",
                "usage": zero,
                "content": [
                    {
                        "type": "text",
                        "text": "API Error: 529 overloaded. Please try again in a moment.",
                    }
                ],
            }
            self._node(
                "assistant", {"message": message, "error": "overloaded", "isApiErrorMessage": True}
            )

    # ------------------------------------------------------------------ compaction
    def compact(self, trigger: str = "auto", *, post_tokens: bool | None = None) -> str:
        """compact_boundary (parentUuid null) + summary line; context resets to static + summary.

        ``post_tokens`` None writes ``postTokens`` only for versions >= 2.1.200.
        """
        r = self.ctx.rng
        pre = self.next_request_tokens()
        self.ctx.tick(20_000, 90_000)
        src = r.choice(source_pool()[8:])
        body = prefix_lines(src.text, r.randint(8_000, 22_000))
        summary = (
            f"{SUMMARY_PREFIX}\n\nAnalysis:\nThe user is improving demo_app. Work so far "
            f"touched the {r.choice(IDENT)} and {r.choice(IDENT)} modules.\n\nSummary:\n"
            f"1. Primary request: {r.choice(PROMPTS)}\n2. Key code:\n{body}\n"
            f"3. Pending: {r.choice(PROMPTS)}\n"
        )
        stokens = estimate_tokens(summary)
        post = self.static_tokens + stokens
        with_post = post_tokens if post_tokens is not None else self.v >= (2, 1, 200)
        cm: dict[str, Any] = {"trigger": trigger, "preTokens": pre}
        if self.v >= (2, 1):
            cm["messagesSummarized"] = self._turn_nodes + r.randint(20, 200)
        if with_post:
            cm.update(postTokens=post, durationMs=r.randint(15_000, 60_000))
        boundary = {
            "subtype": "compact_boundary",
            "content": "Conversation compacted",
            "isMeta": False,
            "level": "info",
            "logicalParentUuid": self._last,
            "compactMetadata": cm,
        }
        uid = self._node("system", boundary, parent=None)
        self._node(
            "user",
            {
                "message": {"role": "user", "content": summary},
                "isVisibleInTranscriptOnly": True,
                "isCompactSummary": True,
            },
        )
        self._compactions.append((trigger, pre, post if with_post else None))
        self._post = post if with_post else None
        self._prev_total, self._prev_output, self._pending = None, 0, stokens
        self._fresh_after_compact, self._used = True, None
        self._turn_thinking, self._drop_thinking = 0, False
        self._thinking_next = self._thinking_used = 0
        self._unrecorded_next = self._unrecorded_used = 0
        if trigger == "manual":
            self.local_command("/compact", "Compacted. ctrl+o to see the full summary")
        return uid

    # ------------------------------------------------------------------ junk
    def malformed(self, kind: str) -> None:
        """Write one deliberately broken line (a key of MALFORMED, or "blank")."""
        if kind == "blank":
            self._raw(b"\n")
            self._blank += 1
        else:
            self._raw(MALFORMED[kind])
            self._malformed += 1

    def truncated_tail(self) -> None:
        """End the file with the first half of a user line and no newline."""
        obj = {
            "parentUuid": self._last,
            "isSidechain": False,
            "type": "user",
            "message": {"role": "user", "content": self.ctx.rng.choice(PROMPTS)},
            "uuid": self.ctx.uuid(),
        }
        line = ENCODE(obj)
        self._raw(line[: len(line) // 2])
        self._truncated = True
