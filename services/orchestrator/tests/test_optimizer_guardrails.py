"""Property tests: no budget recommendation ever breaks a guardrail, whatever the data and settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import budget_state, plan_budgets
from zamc_orchestrator.optimizer.domain.guardrails import (
    CampaignBudget,
    Guardrails,
    ProjectBudget,
    check_budget_plan,
    cooling_down,
    data_problem,
)
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, HourRow, fit_portfolio

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)

campaign = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["google_ads", "meta"]),
        "budget": st.integers(min_value=500_000, max_value=500_000_000),
        "hours": st.integers(min_value=0, max_value=96),
        "impressions": st.integers(min_value=0, max_value=3_000),
        "ctr": st.floats(min_value=0.0, max_value=0.2),
        "cvr": st.floats(min_value=0.0, max_value=0.3),
        "roas": st.floats(min_value=0.0, max_value=20.0),
        "spend_share": st.floats(min_value=0.0, max_value=1.2),
        "changed_hours_ago": st.one_of(st.none(), st.floats(min_value=0, max_value=72)),
        "settled_hours": st.integers(min_value=0, max_value=48),
        "budget_changes": st.lists(st.floats(min_value=0.5, max_value=1.5), max_size=3),
        "status": st.sampled_from(["ENABLED", "ENABLED", "ENABLED", "PAUSED"]),
    }
)

guardrails = st.builds(
    Guardrails,
    max_change_fraction=st.floats(min_value=0.01, max_value=0.9),
    min_change_fraction=st.floats(min_value=0.0, max_value=0.1),
    cooldown=st.sampled_from([timedelta(0), timedelta(hours=6), timedelta(hours=24), timedelta(days=3)]),
    min_impressions=st.integers(min_value=0, max_value=50_000),
    min_spend_micros=st.integers(min_value=0, max_value=100_000_000),
    min_conversions=st.floats(min_value=0, max_value=20),
    allow_provisional=st.booleans(),
    min_daily_budget_micros=st.sampled_from([0, 1_000_000, 5_000_000]),
)


def history_of(i: int, c: dict) -> CampaignHistory:
    hours = []
    start = NOW.replace(minute=0, second=0, microsecond=0) - HOUR * c["hours"]
    for h in range(c["hours"]):
        hour = start + HOUR * h
        cost = int(c["budget"] / 24 * c["spend_share"])
        clicks = int(c["impressions"] * c["ctr"])
        conversions = clicks * c["cvr"]
        hours.append(
            HourRow(
                hour_start=hour,
                impressions=c["impressions"],
                clicks=clicks,
                cost_micros=cost,
                conversions=conversions,
                value_micros=int(cost * c["roas"]),
                settled=h < c["settled_hours"],
            )
        )
    budgets = [(start - HOUR * 100, c["budget"])]
    for k, factor in enumerate(c["budget_changes"]):
        budgets.append((start + HOUR * (k * 10), max(int(c["budget"] * factor), 1)))
    budgets.append((start + HOUR * 40, c["budget"]))
    changed = c["changed_hours_ago"]
    return CampaignHistory(
        key=CampaignKey(c["platform"], f"acct-{i % 2}", f"c{i}"),
        currency="EUR",
        daily_budget_micros=c["budget"],
        hours=hours,
        budgets=sorted(budgets, key=lambda b: b[0]),
        last_changed_at=None if changed is None else NOW - timedelta(hours=changed),
        status=c["status"],
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    campaigns=st.lists(campaign, min_size=2, max_size=7),
    guard=guardrails,
    cap=st.one_of(st.none(), st.integers(min_value=0, max_value=3_000_000_000)),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_no_budget_recommendation_breaks_a_guardrail(campaigns, guard, cap, seed):
    histories = [history_of(i, c) for i, c in enumerate(campaigns)]
    models = fit_portfolio(histories, now=NOW, base=OptimizerSettings().priors())
    project = ProjectBudget(daily_cap_micros=cap)
    plan = plan_budgets(
        histories=histories,
        models=models,
        guard=guard,
        project=project,
        now=NOW,
        rng=np.random.default_rng(seed),
        draws=16,
    )
    if plan is None:
        return
    states = {str(h.key): budget_state(models[h.key], h) for h in histories}
    assert plan.violations == []
    changes = {str(c.key): c.new_micros for c in plan.changes}
    assert check_budget_plan(changes, states, guard=guard, project=project, now=NOW) == []
    # the same rules, spelt out
    before = sum(s.daily_budget_micros for s in states.values() if s.active)
    after = before + sum(c.new_micros - c.current_micros for c in plan.changes)
    assert after <= before  # reallocation never raises the project's daily budget
    if cap is not None and before <= cap:
        assert after <= cap
    for change in plan.changes:
        state = states[str(change.key)]
        assert change.current_micros == state.daily_budget_micros
        assert change.new_micros != change.current_micros
        assert (
            abs(change.new_micros - change.current_micros)
            <= guard.max_change_fraction * change.current_micros
        )
        # budgets move in whole cents
        assert (change.new_micros - change.current_micros) % 10_000 == 0 or change.new_micros % 10_000 == 0
        assert state.active and not cooling_down(state, guard, NOW)
        assert data_problem(state, guard, to_raise=change.new_micros > change.current_micros) is None
        if change.new_micros < change.current_micros:
            assert change.new_micros >= guard.min_daily_budget_micros
    assert 0 <= plan.confidence <= 1 and plan.low <= plan.high


@settings(max_examples=200, deadline=None)
@given(
    budget=st.integers(min_value=1_000_000, max_value=10**9),
    factor=st.floats(min_value=0.0, max_value=3.0),
    fraction=st.floats(min_value=0.05, max_value=0.5),
    changed_hours_ago=st.one_of(st.none(), st.floats(min_value=0, max_value=48)),
    settled=st.booleans(),
    conversions=st.floats(min_value=0, max_value=10),
)
def test_the_apply_time_check_refuses_every_breach(
    budget, factor, fraction, changed_hours_ago, settled, conversions
):
    guard = Guardrails(max_change_fraction=fraction, min_conversions=3, min_daily_budget_micros=1_000_000)
    state = CampaignBudget(
        campaign="c",
        daily_budget_micros=budget,
        last_changed_at=None if changed_hours_ago is None else NOW - timedelta(hours=changed_hours_ago),
        impressions=10_000,
        spend_micros=10**9,
        conversions=conversions,
        has_settled_data=settled,
    )
    other = CampaignBudget("d", budget, None, 10_000, 10**9, 10, True)
    new = int(budget * factor)
    violations = check_budget_plan(
        {"c": new},
        {"c": state, "d": other},
        guard=guard,
        project=ProjectBudget(daily_cap_micros=2 * budget),
        now=NOW,
    )
    rules = {v.rule for v in violations}
    if new == budget:
        assert violations == []
        return
    assert ("max_change" in rules) == (abs(new - budget) > fraction * budget + 1e-9)
    assert ("cooldown" in rules) == (changed_hours_ago is not None and changed_hours_ago < 24)
    assert ("min_data" in rules) == (not settled or (new > budget and conversions < 3))
    assert ("budget_cap" in rules) == (new > budget)  # the cap is the current sum
    assert ("min_budget" in rules) == (new < 1_000_000)
