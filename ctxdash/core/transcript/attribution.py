"""Attribute the exact request sizes to the things in context.

Between two consecutive replies ``n`` and ``n+1`` of one compaction epoch, the request grew
by ``total(n+1) - total(n)`` tokens: reply ``n``'s own blocks (re-sent as input) plus whatever
was appended before reply ``n+1`` (tool results, prompts, attachments). That delta is exact;
ctxdash splits it over the batch in proportion to token counts (cl100k, calibrated), so every
item gets an integer share and the shares add up to the request size exactly.

The first request of the session also carries what older versions leave out of the
transcript (system prompt, built-in tools, memory files):
``static = total(first) - estimate(first batch)``. After a compaction the same static part is
reused and the rest of the first request goes to the compact summary and what came with it.

Claude Code 2.1.3xx records what it sends: each attachment's sent text (``rendered``) and role
(``renderedRole``, ``None`` for records never sent, such as ``prompt_snapshot``), and the
system prompt and tool definitions of each request (``api-request-shape``). Those are counted
as items like any other, so nothing is left to a residual; after a compaction the recorded
system prompt and tools are queued again with the messages a partial compaction kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from ctxdash.core.transcript.calibration import PRIORS, Calibration
from ctxdash.core.transcript.pieces import NEVER_SENT, STATIC_CATEGORIES, Item, Seen, Waiting
from ctxdash.core.transcript.records import Line, Raw, attachment_type
from ctxdash.core.transcript.tokens import TokenCounter

#: Per-block framing tokens added to every text estimate (role/block markers).
FRAMING = 4
#: Batches smaller than this (cl100k tokens) are dominated by framing: not sampled.
MIN_SAMPLE_TOKENS = 200
#: A request's growth beyond the estimate of what was recorded counts as unrecorded content
#: only past this many tokens and this share of the estimate (estimation noise stays below).
UNRECORDED_MIN = 150
UNRECORDED_SHARE = 0.25


class Batch(msgspec.Struct, kw_only=True):
    """What one request added over the previous one (or, first in an epoch, all of it)."""

    waiting: list[Waiting] = msgspec.field(default_factory=list)
    #: Output tokens of the reply whose blocks open this batch.
    output: int = 0
    #: Size of the request that closed the batch.
    total: int = 0
    first: bool = False


class Resolver(msgspec.Struct, kw_only=True):
    """Batches of raw content in, attributed :class:`Item` s out."""

    items: list[Item] = msgspec.field(default_factory=list)
    batches: list[Batch] = msgspec.field(default_factory=list)
    open: Batch = msgspec.field(default_factory=Batch)
    prev_total: int | None = None
    #: Static part (system prompt, tools, memory) of the current epoch's requests.
    static: int | None = None
    #: Static part measured on the first request of the session.
    system_measured: int | None = None
    #: What later lines refer to (tool names, replaced results, nested memory, static keys).
    seen: Seen = msgspec.field(default_factory=Seen)
    calibration: Calibration = msgspec.field(default_factory=Calibration)
    waiting_bytes: int = 0
    reply_seen: bool = False
    #: The session's first batch, kept past a boundary until the static part is measured.
    first_batch: Batch | None = None
    #: The latest system prompt and tool definitions recorded (``api-request-shape``), as JSON.
    static_raw: bytes | None = None
    #: An ``api-request-shape`` was seen: it wins over ``prompt_snapshot``.
    shape_seen: bool = False
    #: An attachment with ``renderedRole`` was seen: this version records what it sends.
    rendered_seen: bool = False
    #: Claude tokens per counted token, measured on a whole first request whose every part
    #: was recorded (system prompt and tools included): one large, exact sample.
    full_ratio: float | None = None

    # ------------------------------------------------------------------ intake
    def _wait(self, role: str, raw: Raw | bytes, turn: int, line: Line | None) -> None:
        data = bytes(raw)
        self.waiting_bytes += len(data)
        self.open.waiting.append(
            Waiting(
                role,
                data,
                turn,
                line.timestamp if line else None,
                line.uuid if line else None,
            )
        )

    def add_user(self, raw: Raw, turn: int, line: Line, *, summary: bool = False) -> None:
        """A user line's content (prompt, tool results, meta text, compact summary)."""
        role = "summary" if summary else "meta" if line.isMeta else "user"
        self._wait(role, raw, turn, line)

    def add_attachment(self, line: Line, turn: int) -> None:
        """An ``attachment`` line (skill listing, memory files, reminders …).

        Claude Code 2.1.3xx records the text it sends (``rendered``) and the role it sends it
        as (``renderedRole``; ``None`` when the line is never sent): that text is counted.
        Older versions record only the attachment object, which is counted instead.
        """
        role = line.renderedRole
        kind = attachment_type(line.attachment)
        if role is msgspec.UNSET:
            if not self.rendered_seen and kind not in NEVER_SENT:
                self._wait("attachment", line.attachment, turn, line)
                return
            role = None  # this version records what it sends: a line without it is not sent
        else:
            self.rendered_seen = True
        if role is None:
            if kind == "prompt_snapshot" and not self.shape_seen:
                self._replace_static()
                self._wait("snapshot", line.attachment, turn, line)
            return
        extra = bytes(line.attachment) if kind in ("instructions", "nested_memory") else b"null"
        payload = b"".join(
            (
                b'{"type":',
                msgspec.json.encode(kind),
                b',"role":',
                msgspec.json.encode(str(role)),
                b',"rendered":',
                bytes(line.rendered),
                b',"attachment":',
                extra,
                b"}",
            )
        )
        self._wait("sent", payload, turn, line)

    def add_shape(self, line: Line, turn: int) -> None:
        """An ``api-request-shape`` line: the system prompt and tools a request sends."""
        if bytes(line.shape) in (b"", b"null"):
            return
        self.shape_seen = True
        self._replace_static()
        self.static_raw = bytes(line.shape)
        self._wait("static", line.shape, turn, line)

    def _replace_static(self) -> None:
        """Drop static parts queued in the open batch: a newer record replaces them."""
        waiting = self.open.waiting
        kept = [w for w in waiting if w.role not in ("static", "snapshot")]
        if len(kept) != len(waiting):
            self.open.waiting = kept
            self.waiting_bytes = sum(len(w.raw) for w in kept)

    def add_assistant_block(self, raw: Raw | bytes, line: Line | None = None) -> None:
        """One content block of the latest reply."""
        self._wait("assistant", raw, 0, line)

    def continue_from(self, parent: str) -> None:
        """A reply (or Claude Code's own stand-in reply) continues from ``parent``: attachments
        written after that line are not on its chain and were not sent with its request.

        Claude Code resumed in a new process continues from the newest user or assistant
        line; attachments written after it (the files re-attached at ``/compact``, say) are
        left off the chain and never sent.
        """
        waiting = self.open.waiting
        for index in range(len(waiting) - 1, -1, -1):
            if waiting[index].uuid == parent:
                break
        else:
            return
        kept = waiting[: index + 1] + [
            w for w in waiting[index + 1 :] if w.role not in ("attachment", "sent")
        ]
        if len(kept) != len(waiting):
            self.open.waiting = kept
            self.waiting_bytes = sum(len(w.raw) for w in kept)

    def add_replacements(self, line: Line) -> None:
        """A ``content-replacement`` line: tool results the model saw as a stand-in."""
        for rep in line.replacements or ():
            if rep.toolUseId and isinstance(rep.replacement, str):
                self.seen.replacements[rep.toolUseId] = rep.replacement

    def set_output(self, output: int) -> None:
        """The latest reply's final output count (the last of its lines carries it)."""
        self.open.output = output

    def reply(self, total: int, output: int, turn: int, timestamp: str | None) -> None:
        """A new reply: the request that produced it closes the open batch."""
        batch = self.open
        batch.total = total
        batch.first = not self.reply_seen
        self.reply_seen = True
        self.batches.append(batch)
        self.open = Batch(output=output)

    def boundary(self, preserved: Sequence[str] = ()) -> None:
        """A ``compact_boundary``: everything before it left the context.

        Args:
            preserved: uuids of messages a partial compaction kept; they stay in context.
        """
        if (
            self.system_measured is None
            and self.first_batch is None
            and self.batches
            and self.batches[0].first
        ):
            self.first_batch = self.batches[0]
        keep = set(preserved)
        carried: list[Waiting] = []
        if keep:
            carried = [
                Waiting("kept", msgspec.json.encode(item), item.turn, item.timestamp, item.uuid)
                for item in self.items
                if item.uuid in keep
            ]
            for batch in [*self.batches, self.open]:
                carried += [w for w in batch.waiting if w.uuid in keep]
        # A kept reply still waiting (the last one) keeps its output: its thinking weighs that.
        output = self.open.output if any(w.role == "assistant" for w in carried) else 0
        self.items = []
        self.batches = []
        self.open = Batch(waiting=carried, output=output)
        self.prev_total = None
        self.static = None
        self.seen.tools = {}
        self.seen.static_keys = set()
        self.reply_seen = False
        if self.static_raw is not None:
            # The next request sends the same system prompt and tools, recorded or not.
            self.open.waiting.insert(0, Waiting("static", self.static_raw, 0, None, None))
        self.waiting_bytes = sum(len(w.raw) for w in self.open.waiting)

    def estimate_factor(self, family: str) -> float:
        """Claude tokens per counted token for estimates: a whole-request measurement when
        there is one, else the median of the usage deltas (or the family's prior)."""
        if self.full_ratio is not None:
            return self.full_ratio
        return self.calibration.factor(family)

    def take_nested_memory(self) -> list[str]:
        """Paths of nested CLAUDE.md files seen since the last call."""
        out, self.seen.nested = self.seen.nested, []
        return out

    # ------------------------------------------------------------------ resolution
    def resolve(
        self,
        counter: TokenCounter | None,
        *,
        factor: float = PRIORS["old"],
        keep_thinking: bool = True,
    ) -> None:
        """Decode, count and apportion every closed batch."""
        if self.first_batch is not None:
            first, self.first_batch = self.first_batch, None
            if self.system_measured is None:
                pieces = list(self.seen.pieces(first.waiting, register=False))
                counts = _count_many(counter, [text for (_, text, _) in pieces if text])
                est = sum(n * factor + FRAMING for n in counts)
                est += sum(fixed for (_, text, fixed) in pieces if not text)
                self.system_measured = max(0, first.total - int(est))
        if not self.batches:
            return
        parsed = [list(self.seen.pieces(b.waiting)) for b in self.batches]
        texts = [text for pieces in parsed for (_, text, _) in pieces if text]
        counted = iter(_count_many(counter, texts))
        for batch, pieces in zip(self.batches, parsed, strict=True):
            items: list[Item] = []
            weights: list[float] = []
            user_cl = 0
            visible = user_w = 0.0
            thinking: list[int] = []
            for item, text, fixed in pieces:
                if text:
                    item.counted = next(counted)
                    item.chars = len(text)
                    weight = item.counted * factor + FRAMING
                else:
                    weight = float(fixed)
                if item.cat == "thinking":
                    thinking.append(len(items))
                elif item.turn < 0:  # assistant block
                    visible += weight
                else:
                    user_cl += item.counted
                    user_w += weight
                items.append(item)
                weights.append(weight)
            # Thinking and the context (Claude Code sends every thinking block it has; the API
            # decides what counts). Where earlier turns' thinking is kept (``keep_thinking``),
            # a reply's thinking stays for good. Otherwise only the current turn's thinking
            # counts: it stays while the tool loop runs (a reply that calls tools, then its
            # results), and once a reply calls no tool the turn is over and the next request
            # counts none of it: that reply's own thinking never enters, and the thinking
            # still counted from earlier replies leaves (its tokens are freed for this batch).
            freed = 0
            residual: list[int] = []
            # What of the batch is estimated (the rest is known from the reply's output).
            noisy = user_w + visible
            if not keep_thinking and _ends_turn(items):
                freed = self._strip_thinking()
                drop = set(thinking)
                items = [it for n, it in enumerate(items) if n not in drop]
                weights = [w for n, w in enumerate(weights) if n not in drop]
            elif thinking and batch.output > visible:
                rest = batch.output - visible
                for i in thinking:
                    weights[i] = rest / len(thinking)
                noisy = user_w
            elif thinking:
                # The reply's output was not recorded (2.1.39 keeps the first, provisional
                # count on every line): its thinking takes what the delta leaves.
                residual = thinking
            self._settle(batch, items, weights, user_cl, freed, noisy, residual)
        self.batches = []
        self.waiting_bytes = sum(len(w.raw) for w in self.open.waiting)

    def _strip_thinking(self) -> int:
        """Drop the thinking items of a finished turn; the tokens they held."""
        kept, freed = [], 0
        for item in self.items:
            if item.cat == "thinking":
                freed += item.tokens
            else:
                kept.append(item)
        self.items = kept
        return freed

    def _settle(
        self,
        batch: Batch,
        items: list[Item],
        weights: list[float],
        user_cl: int,
        freed: int,
        noisy: float,
        residual: Sequence[int],
    ) -> None:
        turn = max((i.turn for i in items), default=0)
        for item in items:
            if item.turn < 0:
                item.turn = turn
        if batch.first:
            counted = sum(i.counted for i in items)
            if (
                self.full_ratio is None
                and counted
                and any(i.cat in STATIC_CATEGORIES for i in items)
            ):
                fixed = sum(w for i, w in zip(items, weights, strict=True) if not i.counted)
                framing = FRAMING * sum(1 for i in items if i.counted)
                self.full_ratio = max(0.1, (batch.total - fixed - framing) / counted)
            if self.system_measured is None:
                if any(i.cat in STATIC_CATEGORIES for i in items):
                    self.system_measured = 0  # every part of the request was recorded
                else:
                    est = int(sum(weights))
                    self.system_measured = max(0, batch.total - est)
            self.static = min(self.system_measured, batch.total)
            share = batch.total - self.static
        else:
            prev = self.prev_total if self.prev_total is not None else batch.total
            share = batch.total - prev + freed
            # Freed thinking tokens were themselves apportioned, not measured: no sample.
            no_guess = not freed and not any(i.cat in ("thinking", "images") for i in items)
            if share > 0 and user_cl >= MIN_SAMPLE_TOKENS and no_guess:
                claude = share - batch.output
                if claude > 0:
                    self.calibration.add(claude, user_cl)
        self.prev_total = batch.total
        if share < 0:
            self._shrink(-share)
            share = 0
        if residual:
            rest = max(0.0, share - sum(weights))
            for i in residual:
                weights[i] = rest / len(residual)
        unrecorded = self._unrecorded(share, weights, noisy)
        if unrecorded:
            items = [*items, Item("unrecorded", None, None, turn, None, None)]
            weights = [*weights, float(unrecorded)]
        if share and not items:
            items = [Item("other", None, None, turn, None, None)]
            weights = [1.0]
        for item, tokens in zip(items, apportion(share, weights), strict=True):
            item.tokens = tokens
        self.items.extend(items)

    def _unrecorded(self, share: int, weights: list[float], noisy: float) -> int:
        """Tokens a request added beyond everything recorded since the previous one.

        Versions before 2.1.3xx send reminders they never write to the transcript (the note
        that the todo list is empty or unused, the files re-attached after ``/compact``): the
        exact growth then exceeds the estimate of what was recorded. Only a clear excess
        counts, measured against the estimated part of the batch (``noisy``: recorded text
        weighed by its token count is a little off on its own, while a reply's output is
        known); versions that record what they send have none.
        """
        if self.rendered_seen or share <= 0:
            return 0
        excess = share - sum(weights)
        if excess < max(UNRECORDED_MIN, UNRECORDED_SHARE * noisy):
            return 0
        return int(excess)

    def _shrink(self, amount: int) -> None:
        """The context shrank without a boundary (cleared tool results): take it back."""
        for pick in (lambda i: i.cat.startswith("tool_results"), lambda i: True):
            pool = [i for i in self.items if pick(i) and i.tokens > 0]
            have = sum(i.tokens for i in pool)
            if not pool or amount <= 0:
                continue
            take = min(amount, have)
            for item, cut in zip(pool, apportion(take, [i.tokens for i in pool]), strict=True):
                item.tokens -= cut
            amount -= take
        if amount > 0 and self.static:
            self.static = max(0, self.static - amount)

    # ------------------------------------------------------------------ estimates
    def estimate_open(
        self, counter: TokenCounter | None, factor: float
    ) -> tuple[list[Item], list[float]]:
        """Items waiting in the open batch with estimated tokens (nothing is consumed)."""
        pieces = list(self.seen.pieces(self.open.waiting, register=False))
        texts = [text for (_, text, _) in pieces if text]
        counts = iter(_count_many(counter, texts))
        items, weights = [], []
        for item, text, fixed in pieces:
            if item.cat == "thinking":
                continue  # its size is in the reply's output, not known here
            if text:
                item.counted = next(counts)
                weights.append(item.counted * factor + FRAMING)
            else:
                weights.append(float(fixed))
            items.append(item)
        return items, weights


def _ends_turn(items: list[Item]) -> bool:
    """Whether the reply opening a batch (its blocks come first, ``turn < 0`` until settled)
    ended the turn: it called no tool, so no tool result continues the loop."""
    reply = [i for i in items if i.turn < 0]
    return bool(reply) and not any(i.cat == "tool_calls" for i in reply)


def _count_many(counter: TokenCounter | None, texts: list[str]) -> list[int]:
    if not texts:
        return []
    if counter is None:
        from ctxdash.core.transcript.tokens import default_counter

        counter = default_counter()
    result: list[int] = counter.count_many(texts)
    return result


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    The result always sums to ``total``; with all weights zero it is split evenly.
    """
    n = len(weights)
    if n == 0:
        return []
    if total == 0:
        return [0] * n
    wsum = float(sum(max(0.0, w) for w in weights))
    if wsum <= 0:
        weights, wsum = [1.0] * n, float(n)
    exact = [total * max(0.0, w) / wsum for w in weights]
    floors = [int(x) for x in exact]
    left = total - sum(floors)
    order = sorted(range(n), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return floors


CountFn = Callable[[Sequence[str]], list[int]]
