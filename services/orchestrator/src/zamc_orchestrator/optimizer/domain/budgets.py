"""The budget step: from campaign histories to a guardrail-checked reallocation with its evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from zamc_events.contracts.strategy import BriefBudget
from zamc_orchestrator.optimizer.domain.allocation import allocate
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
    """
    states = {str(h.key): budget_state(models[h.key], h) for h in histories}
    active = [h for h in histories if states[str(h.key)].active]
    held: dict[str, str] = {}
    for h in active:
        state = states[str(h.key)]
        if busy and str(h.key) in busy:
            held[str(h.key)] = busy[str(h.key)]
        elif cooling_down(state, guard, now):
            held[str(h.key)] = f"cool-down: changed at {state.last_changed_at.isoformat()}"
        elif problem := data_problem(state, guard):
            held[str(h.key)] = f"not enough data: {problem}"
    movable = [h for h in active if str(h.key) not in held]
    if len(movable) < 2:
        return None
    current = np.array([states[str(h.key)].daily_budget_micros for h in movable], dtype=float)
    bounds = np.array([budget_bounds(states[str(h.key)], guard, now) for h in movable], dtype=float)
    fixed_sum = sum(states[str(h.key)].daily_budget_micros for h in active if str(h.key) in held)
    ceiling = project_ceiling({k: states[k] for k in (str(h.key) for h in active)}, project)
    total = int(min(current.sum(), max(ceiling - fixed_sum, 0)))
    samples = [models[h.key].sample(rng, draws) for h in movable]
    result = allocate(current=current, low=bounds[:, 0], high=bounds[:, 1], draws=samples, total=total)
    budgets = _drop_small_moves(current, result.budgets.astype(np.int64), guard.min_change_fraction)
    changes = [
        BudgetChange(h.key, int(cur), int(new))
        for h, cur, new in zip(movable, current, budgets, strict=True)
        if new != cur
    ]
    if not changes:
        return None
    budgets = budgets.astype(float)
    from zamc_orchestrator.optimizer.domain.allocation import value_matrix

    delta = (value_matrix(samples, budgets) - value_matrix(samples, current)).sum(axis=1)
    plan = {str(c.key): c.new_micros for c in changes}
    violations = check_budget_plan(plan, states, guard=guard, project=project, now=now)
    marginal = result.marginal_roas
    evidence = {
        "campaigns": [
            _campaign_evidence(models[h.key], marginal[:, i], int(current[i]), int(budgets[i]))
            for i, h in enumerate(movable)
        ],
        "held": held,
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


def _drop_small_moves(current: np.ndarray, proposed: np.ndarray, fraction: float) -> np.ndarray:
    """Moves smaller than `fraction` of a budget are not worth an edit. A dropped decrease frees
    less money, so the increases are scaled down (whole cents) to what the kept decreases free."""
    current = current.astype(np.int64)
    new = proposed.copy()
    for _ in range(len(new) + 1):
        small = np.abs(new - current) < np.maximum(current * fraction, 1)
        new[small] = current[small]
        freed = int(np.sum(np.maximum(current - new, 0)))
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
