"""The budget step: from campaign histories to a guardrail-checked reallocation with its evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from zamc_events.contracts.strategy import BriefBudget
from zamc_orchestrator.optimizer.domain.allocation import allocate, value_matrix
from zamc_orchestrator.optimizer.domain.guardrails import (
    BUDGET_STEP_MICROS,
    CampaignBudget,
    Guardrails,
    ProjectBudget,
    Violation,
    budget_bounds,
    check_budget_plan,
    cooling_down,
    data_problem,
    project_ceiling,
)
from zamc_orchestrator.optimizer.domain.model import (
    DEFAULT_MATURITY_HOURS,
    CampaignHistory,
    CampaignKey,
    CampaignModel,
    count_mature_hours,
)


@dataclass(frozen=True)
class BudgetChange:
    key: CampaignKey
    current_micros: int
    new_micros: int


@dataclass(frozen=True)
class BudgetPlan:
    changes: list[BudgetChange]
    expected_delta: float  # daily conversion value, micros (posterior mean)
    low: float  # 5 % quantile
    high: float  # 95 % quantile
    confidence: float  # P(delta > 0)
    evidence: dict = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)  # campaign -> why it was not moved
    violations: list[Violation] = field(default_factory=list)


def budget_state(model: CampaignModel, history: CampaignHistory) -> CampaignBudget:
    return _campaign_budget(
        history,
        impressions=model.impressions,
        spend_micros=model.cost_micros,
        conversions=model.conversions,
        has_settled_data=not model.provisional_only,
    )


def _campaign_budget(
    history: CampaignHistory,
    *,
    impressions: int,
    spend_micros: int,
    conversions: float,
    has_settled_data: bool,
) -> CampaignBudget:
    """What the guardrails see of a campaign: its budget and status from the history, its data as given."""
    return CampaignBudget(
        campaign=str(history.key),
        daily_budget_micros=int(history.daily_budget_micros or 0),
        last_changed_at=history.last_changed_at,
        impressions=impressions,
        spend_micros=spend_micros,
        conversions=conversions,
        has_settled_data=has_settled_data,
        active=history.status == "ENABLED" and bool(history.daily_budget_micros),
    )


def history_state(
    history: CampaignHistory,
    *,
    now: datetime | None = None,
    maturity_hours: Mapping[str, float] = DEFAULT_MATURITY_HOURS,
) -> CampaignBudget:
    """`budget_state` from the hourly rows alone, without fitting a model (the apply-time check).

    Without `now` only settled hours count as mature (the strictest reading).
    """
    hours = history.hours
    if now is None:
        has_mature = any(r.settled for r in hours)
    else:
        has_mature = count_mature_hours(history, now=now, maturity_hours=maturity_hours) > 0
    return _campaign_budget(
        history,
        impressions=sum(r.impressions for r in hours),
        spend_micros=sum(r.cost_micros for r in hours),
        conversions=sum(r.conversions for r in hours),
        has_settled_data=has_mature,
    )


def project_budget(
    histories: Sequence[CampaignHistory], *, daily_cap_micros: int | None, total_budget_micros: int | None
) -> ProjectBudget:
    """The project's caps, with what its campaigns have spent so far (every hour the rollups reported)."""
    return ProjectBudget(
        daily_cap_micros=daily_cap_micros,
        total_budget_micros=total_budget_micros,
        spent_micros=sum(r.cost_micros for h in histories for r in h.hours),
    )


def total_budget_micros(
    *, brief_budget: BriefBudget | None, currency: str, daily_micros: int, start: date, end: date | None
) -> int | None:
    """What the project may spend in all (the guardrail "total budget never exceeded"): the brief's
    total when it gave one in the strategy's currency, else the daily budget over the strategy's
    days, first to last; None for a daily budget that runs until stopped."""
    if brief_budget is not None and brief_budget.period == "total" and brief_budget.currency == currency:
        return brief_budget.amount_micros
    if end is None:
        return None
    return daily_micros * ((end - start).days + 1)


def plan_budgets(
    *,
    histories: Sequence[CampaignHistory],
    models: Mapping[CampaignKey, CampaignModel],
    guard: Guardrails,
    project: ProjectBudget,
    now: datetime,
    rng: np.random.Generator,
    draws: int = 64,
    busy: Mapping[str, str] | None = None,
) -> BudgetPlan | None:
    """The next reallocation step, or None when no campaign may or should move.

    `busy` holds campaigns another change of this round takes (campaign -> why): the cool-down
    allows one change per campaign, so their budgets stay.

    Campaigns in their cool-down are planned too, with the bounds they will have when it ends, but
    only the others move now. Campaigns changed at different hours would otherwise only ever trade
    among themselves: a cut now may free money for a campaign whose turn comes later, and the
    money waits for it (`_money_to_plan`).
    """
    states = {str(h.key): budget_state(models[h.key], h) for h in histories}
    active = [h for h in histories if states[str(h.key)].active]
    held = _held(active, states, guard=guard, busy=busy or {})
    plannable = [h for h in active if str(h.key) not in held]
    waiting = {
        str(h.key): f"cool-down: changed at {states[str(h.key)].last_changed_at.isoformat()}"
        for h in plannable
        if cooling_down(states[str(h.key)], guard, now)
    }
    movable = np.array([str(h.key) not in waiting for h in plannable], dtype=bool)
    if len(plannable) < 2 or not movable.any():
        return None
    plannable_states = [states[str(h.key)] for h in plannable]
    current = np.array([s.daily_budget_micros for s in plannable_states], dtype=float)
    total = _money_to_plan(plannable, states, project=project, guard=guard, now=now)
    may_wait = project.daily_cap_micros is not None or project.total_budget_micros is not None
    bounds = np.array(
        [_bounds_at_turn(s, guard, now, may_wait=may_wait) for s in plannable_states], dtype=float
    )
    samples = [models[h.key].sample(rng, draws) for h in plannable]
    result = allocate(current=current, low=bounds[:, 0], high=bounds[:, 1], draws=samples, total=total)
    proposed = np.where(movable, result.budgets, current.astype(np.int64))
    budgets = _drop_small_moves(
        current, proposed, guard.min_change_fraction, room=max(total - int(current.sum()), 0)
    )
    changes = [
        BudgetChange(h.key, int(cur), int(new))
        for h, cur, new in zip(plannable, current, budgets, strict=True)
        if new != cur
    ]
    if not changes:
        return None
    # what the step is worth: the raises it funds in campaigns after their cool-down included
    planned = np.where(movable, budgets, result.budgets).astype(float)
    delta = (value_matrix(samples, planned) - value_matrix(samples, current)).sum(axis=1)
    violations = check_budget_plan(
        {str(c.key): c.new_micros for c in changes}, states, guard=guard, project=project, now=now
    )
    held = {**held, **waiting}
    evidence = {
        "campaigns": [
            _campaign_evidence(models[h.key], result.marginal_roas[:, i], int(current[i]), int(budgets[i]))
            for i, h in enumerate(plannable)
            if movable[i]
        ],
        "held": held,
        "planned_after_cool_down": {
            str(h.key): int(result.budgets[i])
            for i, h in enumerate(plannable)
            if not movable[i] and result.budgets[i] != current[i]
        },
        "guardrails": {
            "max_change_fraction": guard.max_change_fraction,
            "cooldown_hours": guard.cooldown.total_seconds() / 3600,
            "allow_provisional": guard.allow_provisional,
        },
        "draws": draws,
    }
    return BudgetPlan(
        changes=changes,
        expected_delta=float(delta.mean()),
        low=float(np.quantile(delta, 0.05)),
        high=float(np.quantile(delta, 0.95)),
        confidence=float((delta > 0).mean()),
        evidence=evidence,
        held=held,
        violations=violations,
    )


def _held(
    active: Sequence[CampaignHistory],
    states: Mapping[str, CampaignBudget],
    *,
    guard: Guardrails,
    busy: Mapping[str, str],
) -> dict[str, str]:
    """Campaigns left out of the plan (campaign -> why): changed otherwise this round, or too little data."""
    held: dict[str, str] = {}
    for h in active:
        name = str(h.key)
        if name in busy:
            held[name] = busy[name]
        elif problem := data_problem(states[name], guard):
            held[name] = f"not enough data: {problem}"
    return held


def _bounds_at_turn(
    state: CampaignBudget, guard: Guardrails, now: datetime, *, may_wait: bool
) -> tuple[int, int]:
    """The budgets a campaign may take in this plan. One in its cool-down may only take money
    that waits for it, up to what it may be raised to when the cool-down ends (what it gives up
    then is decided then); none without a cap, since the sum cannot grow back."""
    current = state.daily_budget_micros
    if not cooling_down(state, guard, now):
        return budget_bounds(state, guard, now)
    if not may_wait:
        return current, current
    return current, budget_bounds(state, guard, state.last_changed_at + guard.cooldown)[1]


def _money_to_plan(
    plannable: Sequence[CampaignHistory],
    states: Mapping[str, CampaignBudget],
    *,
    project: ProjectBudget,
    guard: Guardrails,
    now: datetime,
) -> int:
    """What the planned campaigns' daily budgets may add up to: their sum now, or one cool-down ago
    if that was more (what a cut freed for a campaign in its cool-down waits for it), within the
    project's ceiling less the budgets of the campaigns left out."""
    names = {str(h.key) for h in plannable}
    now_sum = sum(states[name].daily_budget_micros for name in names)
    before_sum = sum(h.budget_at(now - guard.cooldown) or 0 for h in plannable)
    active = {name: state for name, state in states.items() if state.active}
    left_out = sum(state.daily_budget_micros for name, state in active.items() if name not in names)
    ceiling = project_ceiling(active, project)
    return int(min(max(now_sum, before_sum), max(ceiling - left_out, 0)))


def _drop_small_moves(
    current: np.ndarray, proposed: np.ndarray, fraction: float, *, room: int = 0
) -> np.ndarray:
    """Moves smaller than `fraction` of a budget are not worth an edit. A dropped decrease frees
    less money, so the increases are scaled down (whole cents) to what the kept decreases free
    (plus the `room` under the money to plan)."""
    current = current.astype(np.int64)
    new = proposed.copy()
    for _ in range(len(new) + 1):
        small = np.abs(new - current) < np.maximum(current * fraction, 1)
        new[small] = current[small]
        freed = int(np.sum(np.maximum(current - new, 0))) + room
        raises = np.maximum(new - current, 0)
        if raises.sum() <= freed:
            return new
        scaled = (
            np.floor(raises * (freed / raises.sum()) / BUDGET_STEP_MICROS).astype(np.int64)
            * BUDGET_STEP_MICROS
        )
        new = np.where(raises > 0, current + scaled, new)
    return current


def _campaign_evidence(model: CampaignModel, marginal: np.ndarray, current: int, new: int) -> dict:
    curve = model.reach.map_curve()
    return {
        "platform": model.key.platform,
        "account_external_id": model.key.account_external_id,
        "campaign_id": model.key.campaign_id,
        "currency": model.currency,
        "daily_budget_micros": current,
        "proposed_daily_budget_micros": new,
        "impressions": model.impressions,
        "clicks": model.clicks,
        "cost_micros": model.cost_micros,
        "conversions": round(model.conversions, 3),
        "conversion_value_micros": model.value_micros,
        "observed_roas": round(model.observed_roas, 4),
        "ctr": round(model.ctr.mean, 6),
        "conversion_rate": round(model.conversion_rate.mean, 6),
        "value_per_conversion_micros": round(model.value_per_conversion.mean),
        "marginal_roas": round(float(np.mean(marginal)), 4),
        "marginal_roas_interval": [
            round(float(np.quantile(marginal, 0.05)), 4),
            round(float(np.quantile(marginal, 0.95)), 4),
        ],
        "hill": {
            "saturation_impressions": round(curve.top),
            "half_saturation_micros": round(curve.half),
            "exponent": curve.h,
        },
        "mature_hours": model.mature_hours,
        "provisional_only": model.provisional_only,
    }
