"""The budget step across cool-downs: campaigns changed at different hours still trade money.

A campaign in its cool-down is planned with the bounds it will have when the cool-down ends; a
cut now may free money for it, and the money waits (the project's daily budgets sum to less)
until its turn, within the project's cap and for one cool-down at most.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import BudgetPlan, plan_budgets
from zamc_orchestrator.optimizer.domain.guardrails import Guardrails, ProjectBudget
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, HourRow, fit_portfolio
from zamc_orchestrator.optimizer.domain.recommend import budget_draft

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EUR = 1_000_000
DAYS = 5
BUDGET = 100 * EUR


def history(
    campaign_id: str, *, roas: float, changes: tuple[tuple[datetime, int], ...] = ()
) -> CampaignHistory:
    """Five days of hours spending 100 EUR a day at `roas`; `changes`: (when, new budget), the last
    one the campaign's latest change."""
    start = NOW - HOUR * 24 * DAYS
    cost = BUDGET // 24
    rows = [
        HourRow(
            hour_start=start + HOUR * h,
            impressions=1_000,
            clicks=30,
            cost_micros=cost,
            conversions=1.5,
            value_micros=int(cost * roas),
        )
        for h in range(24 * DAYS)
    ]
    budgets = [(start - HOUR, BUDGET), *changes]
    return CampaignHistory(
        key=CampaignKey("google_ads", "acct", campaign_id),
        currency="EUR",
        daily_budget_micros=budgets[-1][1],
        hours=rows,
        budgets=budgets,
        last_changed_at=changes[-1][0] if changes else None,
    )


def plan(histories: list[CampaignHistory], *, now: datetime, cap: int | None) -> BudgetPlan | None:
    return plan_budgets(
        histories=histories,
        models=fit_portfolio(histories, now=now, base=OptimizerSettings().priors()),
        guard=Guardrails(),
        project=ProjectBudget(daily_cap_micros=cap),
        now=now,
        rng=np.random.default_rng(3),
        draws=64,
    )


def moves(plan: BudgetPlan) -> dict[str, int]:
    return {c.key.campaign_id: c.new_micros - c.current_micros for c in plan.changes}


def test_a_cut_frees_money_for_a_campaign_in_its_cool_down_and_the_money_waits_for_it():
    strong = history("strong", roas=8.0, changes=((NOW - 2 * HOUR, BUDGET),))  # cooling down
    weak = history("weak", roas=1.0)
    step = plan([strong, weak], now=NOW, cap=200 * EUR)
    assert step is not None and step.violations == []
    assert moves(step) == {"weak": -20 * EUR}  # the strong campaign may not move yet
    assert step.held[str(strong.key)].startswith("cool-down")
    assert step.evidence["planned_after_cool_down"] == {str(strong.key): 120 * EUR}
    assert step.expected_delta > 0  # worth it for the raise it funds
    title = budget_draft(step, project_topic="p", currency="EUR").title
    assert title.startswith("Lower 1 campaign budget(s) by") and "after their cool-down" in title

    # a day later the strong campaign's cool-down is over (the weak one's is not): it takes the money
    later = NOW + 23 * HOUR
    weak = history("weak", roas=1.0, changes=((NOW, 80 * EUR),))
    step = plan([strong, weak], now=later, cap=200 * EUR)
    assert step is not None and step.violations == []
    assert moves(step) == {"strong": 20 * EUR}


def test_without_a_cap_no_money_waits_since_the_sum_could_not_grow_back():
    strong = history("strong", roas=8.0, changes=((NOW - 2 * HOUR, BUDGET),))  # cooling down
    weak = history("weak", roas=1.0)
    assert plan([strong, weak], now=NOW, cap=None) is None


def test_money_waits_one_cool_down_at_most():
    strong = history("strong", roas=8.0)
    weak = history("weak", roas=1.0, changes=((NOW - 30 * HOUR, 80 * EUR),))
    step = plan([strong, weak], now=NOW, cap=200 * EUR)
    assert step is not None
    # the cut is older than a cool-down: what it freed is no longer the project's to plan
    assert moves(step)["strong"] == 16 * EUR and moves(step)["weak"] == -16 * EUR
