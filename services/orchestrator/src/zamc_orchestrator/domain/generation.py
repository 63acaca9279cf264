"""Strategy generation: draft with a language model, validate, send violations back, repair, or
fall back to the rules strategist. Pure orchestration: the model is behind `StrategyDrafter`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from zamc_events.contracts.strategy import Brief, CampaignStrategy
from zamc_events.platform_limits import check_strategy
from zamc_orchestrator import metrics
from zamc_orchestrator.domain import prompt
from zamc_orchestrator.domain.draft import StrategyDraft, assemble
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.repair import repair_strategy
from zamc_orchestrator.domain.rules_strategist import build_strategy

CallOutcome = Literal["ok", "malformed", "error", "timeout"]
ProgressCallback = Callable[[str, int, str], Awaitable[None]]


@dataclass(frozen=True)
class LLMCall:
    """One call to one model: what it cost and how it ended."""

    model: str
    outcome: CallOutcome
    latency_seconds: float
    purpose: str = "draft"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None


@dataclass
class DraftReply:
    draft: StrategyDraft
    model: str
    content: str
    calls: list[LLMCall]


class LLMUnavailable(Exception):
    """No model gave a usable answer; `calls` says who was tried and how each failed."""

    def __init__(self, reason: str, calls: list[LLMCall]) -> None:
        super().__init__(reason)
        self.calls = calls


class StrategyDrafter(Protocol):
    async def draft(self, messages: list[prompt.Message], *, purpose: str) -> DraftReply:
        """A well-formed draft, or LLMUnavailable."""
        ...


@dataclass
class GenerationResult:
    strategy: CampaignStrategy
    calls: list[LLMCall] = field(default_factory=list)
    repair_rounds: int = 0
    fixes: list[str] = field(default_factory=list)


async def _no_progress(step: str, percent: int, message: str) -> None:
    return None


async def generate_strategy(
    *,
    brief: Brief,
    strategy_id: uuid.UUID,
    version: int = 1,
    drafter: StrategyDrafter | None,
    max_repairs: int = 2,
    on_progress: ProgressCallback | None = None,
) -> GenerationResult:
    """A strategy for `brief` that breaks no platform limit.

    Drafted by the model when `drafter` is given; violations go back to it up to `max_repairs`
    rounds, then are repaired deterministically. Without a drafter, or when no model answers or
    the draft cannot be made valid, the rules strategist builds it (generator="rules", with a
    warning saying why). Raises StrategyRejected when no valid strategy can be made from the brief.
    """
    progress = on_progress or _no_progress
    calls: list[LLMCall] = []
    rounds = 0

    async def by_rules(why: str) -> GenerationResult:
        await progress("rules", 60, "Building the strategy from your brief with rules…")
        strategy = build_strategy(brief=brief, strategy_id=strategy_id, version=version)
        warning = f"{why} This strategy was built by rules from your brief, without a language model."
        strategy = strategy.model_copy(update={"warnings": [warning, *strategy.warnings]})
        await progress("validated", 95, "The strategy is within every platform limit.")
        metrics.STRATEGIES_GENERATED.labels("rules").inc()
        return GenerationResult(strategy, calls, rounds)

    if drafter is None:
        return await by_rules("No language model is configured.")
    await progress("drafting", 10, "Drafting copy…")
    messages = prompt.initial_messages(brief)
    try:
        reply = await drafter.draft(messages, purpose="draft")
    except LLMUnavailable as unavailable:
        calls += unavailable.calls
        return await by_rules(f"No language model answered ({unavailable}).")
    calls += reply.calls
    try:
        strategy = assemble(
            reply.draft, brief=brief, strategy_id=strategy_id, version=version, model=reply.model
        )
        for round_ in range(1, max_repairs + 2):
            await progress("validating", min(40 + 15 * round_, 80), "Validating against platform limits…")
            fixable = [v for v in check_strategy(strategy) if prompt.model_fixable(v)]
            if not fixable or round_ > max_repairs:
                break
            await progress(
                "repairing",
                min(45 + 15 * round_, 85),
                f"Asking the model to fix {len(fixable)} field(s) that break platform limits "
                f"(round {round_} of {max_repairs})…",
            )
            messages += [{"role": "assistant", "content": reply.content}, prompt.repair_message(fixable)]
            try:
                reply = await drafter.draft(messages, purpose="repair")
            except LLMUnavailable as unavailable:
                calls += unavailable.calls
                break
            calls += reply.calls
            rounds = round_
            strategy = assemble(
                reply.draft, brief=brief, strategy_id=strategy_id, version=version, model=reply.model
            )
        fixes: list[str] = []
        if check_strategy(strategy):
            await progress("repairing", 90, "Fixing what still breaks a platform limit…")
            repaired = repair_strategy(strategy, brief=brief)
            strategy, fixes = repaired.strategy, repaired.fixes
    except StrategyRejected as rejected:
        return await by_rules(
            f"The drafted strategy could not be made valid ({'; '.join(rejected.reasons[:3])})."
        )
    await progress("validated", 95, "The strategy is within every platform limit.")
    metrics.STRATEGIES_GENERATED.labels("llm").inc()
    return GenerationResult(strategy, calls, rounds, fixes)
