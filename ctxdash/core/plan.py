"""The planned allocation of the budget, against what the context actually holds.

Of a 200K budget: system prompt, tools and memory 15K, the conversation 80K, reference
material (tool results, images) 50K, and a 55K reserve for recovery. Other budgets scale it.
"""

from __future__ import annotations

import msgspec

from ctxdash.core.breakdown import Category

#: The planned allocation of a 200K budget, by bucket: system prompt, tools and memory 15K,
#: the conversation 80K, reference material 50K, a 55K reserve for recovery. Other budgets
#: scale it.
PLAN_200K = {"system": 15_000, "conversation": 80_000, "reference": 50_000, "reserve": 55_000}
#: Plan bucket by category group or name: Claude Code's system prompt and tool definitions,
#: memory files and listings are the system bucket; tool results and images are reference
#: material; everything else is conversation.
PLAN_BUCKETS = {
    "system": "system",
    "memory": "system",
    "skills": "system",
    "agents": "system",
    "mcp_tools": "system",
    "tool_results": "reference",
    "images": "reference",
}


class PlanRow(msgspec.Struct, kw_only=True, frozen=True):
    """A bucket of the planned allocation: planned against actual."""

    bucket: str
    planned: int
    actual: int
    over: bool


def plan_bucket(cat: Category) -> str:
    """The plan bucket a breakdown row belongs to."""
    return PLAN_BUCKETS.get(cat.name) or PLAN_BUCKETS.get(cat.group, "conversation")


def plan(categories: list[Category], used: int, budget: int) -> list[PlanRow]:
    scale = budget / 200_000
    actual = {"system": 0, "conversation": 0, "reference": 0}
    for cat in categories:
        actual[plan_bucket(cat)] += cat.tokens
    actual_reserve = max(0, budget - used)
    rows = [
        PlanRow(
            bucket=b,
            planned=round(PLAN_200K[b] * scale),
            actual=actual[b],
            over=actual[b] > round(PLAN_200K[b] * scale),
        )
        for b in ("system", "conversation", "reference")
    ]
    planned_reserve = round(PLAN_200K["reserve"] * scale)
    rows.append(
        PlanRow(
            bucket="reserve",
            planned=planned_reserve,
            actual=actual_reserve,
            over=actual_reserve < planned_reserve,
        )
    )
    return rows
