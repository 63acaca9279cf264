"""Bid/target adjustments and warnings: what is recommended, with what impact and confidence (no servers)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import BudgetChange
from zamc_orchestrator.optimizer.domain.guardrails import Guardrails
from zamc_orchestrator.optimizer.domain.model import (
    CampaignHistory,
    CampaignKey,
    CurveDraws,
    HourRow,
    fit_portfolio,
)
from zamc_orchestrator.optimizer.domain.recommend import (
    _bid_impact,
    bid_target_drafts,
    budget_limited_warnings,
    budget_title,
    learning_reset_warnings,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 0, tzinfo=UTC)  # midnight: the last complete day is yesterday
HOUR = timedelta(hours=1)
EUR = 1_000_000


def campaign(
    campaign_id: str,
    *,
    platform: str = "google_ads",
    budget: int = 100 * EUR,
    days: int = 7,
    spend_share: float = 1.0,
    roas: float = 4.0,
    settled: bool = True,
    bidding: str | None = None,
    target: float | None = None,
    changed_hours_ago: float | None = None,
) -> CampaignHistory:
    """`days` complete days at one budget: 1 000 impressions, 30 clicks, 1.5 conversions an hour."""
    start = NOW - timedelta(days=days)
    cost = int(budget * spend_share / 24)
    hours = [
        HourRow(
            hour_start=start + HOUR * h,
            impressions=1_000,
            clicks=30,
            cost_micros=cost,
            conversions=1.5,
            value_micros=int(cost * roas),
            settled=settled and h < 24 * (days - 2),
        )
        for h in range(24 * days)
    ]
    return CampaignHistory(
        key=CampaignKey(platform, "acct", campaign_id),
        currency="EUR",
        daily_budget_micros=budget,
        hours=hours,
        budgets=[(start - HOUR, budget)],
        last_changed_at=None if changed_hours_ago is None else NOW - timedelta(hours=changed_hours_ago),
        bidding_strategy=bidding,
        bid_target=target,
    )


def models_of(*histories: CampaignHistory):
    return fit_portfolio(list(histories), now=NOW, base=OptimizerSettings().priors())


def bids(*histories: CampaignHistory, marginal: float = 4.0, guard: Guardrails | None = None, seed: int = 1):
    return bid_target_drafts(
        models_of(*histories),
        list(histories),
        portfolio_marginal_roas=marginal,
        guard=guard or Guardrails(),
        now=NOW,
        rng=np.random.default_rng(seed),
    )


# ----- bid / target adjustments ------------------------------------------------------------------
def test_the_bid_impact_is_the_known_answer_on_a_known_curve():
    """value(b) = A b / (b + K): the platform spends where A K / (b + K)^2 meets the target."""
    a, k, budget, m = 800 * EUR, 100 * EUR, 300 * EUR, 3.0
    n = 8
    curves = CurveDraws(
        top=np.full(n, a / 2.0),
        half=np.full(n, float(k)),
        h=np.ones(n),
        value_per_impression=np.full(n, 2.0),
        utilisation=np.ones(n),
    )

    def spend_at(target: float) -> float:
        return min(max(math.sqrt(a * k / target) - k, 0.0), budget)

    def value(b: float) -> float:
        return a * b / (b + k)

    b0, b1 = spend_at(2.0), spend_at(2.4)
    expected = value(b1) - value(b0) - m * (b1 - b0)
    impact = _bid_impact(
        curves, budget=budget, roas_now=2.0, roas_new=2.4, portfolio_marginal_roas=m, points=1201
    )
    assert impact["delta"] == pytest.approx(expected, rel=0.02)
    assert expected > 0 and impact["low"] == impact["delta"] == impact["high"]
    assert impact["confidence"] == 1.0
    # moving the target away from the portfolio's marginal ROAS loses value: confidence 0
    worse = _bid_impact(
        curves, budget=budget, roas_now=2.4, roas_new=2.0, portfolio_marginal_roas=m, points=1201
    )
    assert worse["delta"] == pytest.approx(-expected, rel=0.02) and worse["confidence"] == 0.0
    # a campaign held by its budget at both targets: no impact, no confidence in one
    capped = _bid_impact(curves, budget=20 * EUR, roas_now=2.0, roas_new=2.4, portfolio_marginal_roas=m)
    assert capped["delta"] == 0 and capped["confidence"] == 0.0


def test_a_target_roas_steps_towards_the_portfolio_marginal_roas_by_at_most_the_max_change():
    history = campaign("c1", bidding="TARGET_ROAS", target=5.0)
    (draft,) = bids(history, marginal=4.0, guard=Guardrails(max_change_fraction=0.1))
    (action,) = draft.actions
    assert draft.kind == "bid_adjustment" and draft.applicable  # sent as bid_target_update_requested
    assert action.target_roas == 4.5 and action.platform_object_id == "c1"  # 5.0 - 10 %, not 4.0
    assert draft.title == "Set the target ROAS of campaign c1 to 4.50"
    impact = draft.expected_impact
    assert impact is not None and impact.metric == "net_conversion_value_micros_per_day"
    assert impact.low <= impact.delta <= impact.high and impact.delta > 0
    assert draft.confidence == draft.evidence["probability_better"]
    assert 0.5 <= draft.confidence <= 1
    assert draft.evidence["goal_target"] == 4.0 and draft.evidence["proposed_target"] == 4.5
    assert draft.evidence["current_target"] == 5.0
    # with the default 20 % the goal itself is within one step
    (draft,) = bids(history, marginal=4.0)
    assert draft.actions[0].target_roas == 4.0


def test_a_target_cpa_aims_at_value_per_conversion_over_the_marginal_roas():
    history = campaign("c1", bidding="TARGET_CPA", target=2_200_000)  # ROAS 5 at ~11 EUR a conversion
    models = models_of(history)
    goal = models[history.key].value_per_conversion.mean / 4.0
    assert goal > 2_640_000
    (draft,) = bids(history, marginal=4.0)
    (action,) = draft.actions
    assert draft.evidence["goal_target"] == pytest.approx(goal, abs=1e-3)
    assert action.target_cpa_micros == 2_640_000  # + 20 %, in whole cents
    assert draft.title == "Set the target CPA of campaign c1 to 2.64"
    impact = draft.expected_impact
    assert impact is not None and impact.delta > 0 and impact.low <= impact.high
    assert 0.5 <= draft.confidence <= 1


def test_the_bid_confidence_comes_from_the_evidence():
    """P(the step helps) over the posterior, not a constant: it depends on where the target is."""
    (near,) = bids(campaign("c1", bidding="TARGET_ROAS", target=3.3), marginal=4.0)
    (far,) = bids(campaign("c1", bidding="TARGET_ROAS", target=5.0), marginal=4.0)
    assert near.confidence != far.confidence
    for draft in (near, far):
        assert draft.confidence == draft.evidence["probability_better"] >= 0.5
        assert draft.expected_impact.low <= draft.expected_impact.delta <= draft.expected_impact.high
        assert draft.expected_impact.delta > 0


def test_a_step_that_likely_changes_nothing_is_not_recommended():
    """Its budget, not its target, holds a campaign earning ROAS 12: a target of 2 or 2.4 spends the same."""
    assert bids(campaign("c1", bidding="TARGET_ROAS", target=2.0, roas=12.0), marginal=4.0) == []
    # from 1.0 to 1.2 helps in only a few posterior draws
    assert bids(campaign("c1", bidding="TARGET_ROAS", target=1.0), marginal=4.0) == []


@pytest.mark.parametrize(
    ("history", "guard", "why"),
    [
        (campaign("c1", bidding="TARGET_ROAS", target=5.0, changed_hours_ago=3), Guardrails(), "cool-down"),
        # 3 days: no hour older than Google's 72 h maturity, none settled
        (
            campaign("c1", bidding="TARGET_ROAS", target=5.0, days=3, settled=False),
            Guardrails(),
            "provisional only",
        ),
        (campaign("c1", bidding="TARGET_ROAS", target=5.0), Guardrails(min_spend_micros=10**12), "min spend"),
        (campaign("c1", bidding="TARGET_ROAS", target=None), Guardrails(), "no target to step from"),
        (campaign("c1", bidding="TARGET_ROAS", target=3.8), Guardrails(), "within the tolerance"),
        (campaign("c1", bidding="MAXIMIZE_CONVERSIONS"), Guardrails(), "no target to bid to"),
        (campaign("c1", platform="meta", bidding="TARGET_ROAS", target=5.0), Guardrails(), "not Google"),
        (campaign("c1", bidding="TARGET_ROAS", target=5.0, days=0), Guardrails(), "no conversions"),
    ],
)
def test_no_bid_adjustment_outside_the_guardrails(history, guard, why):
    assert bids(history, guard=guard) == [], why


def test_provisional_data_is_enough_when_allowed():
    history = campaign("c1", bidding="TARGET_ROAS", target=5.0, days=3, settled=False)
    assert len(bids(history, guard=Guardrails(allow_provisional=True))) == 1


def test_an_unsettled_hour_older_than_the_maturity_is_evidence_enough():
    history = campaign("c1", bidding="TARGET_ROAS", target=5.0, days=7, settled=False)
    assert len(bids(history, guard=Guardrails())) == 1


# ----- warnings ------------------------------------------------------------------------------------
def test_meta_learning_reset_warning_counts_the_budget_edits_of_the_last_seven_days():
    history = campaign("m1", platform="meta")
    deployed = history.budgets[0]
    edits = [NOW - timedelta(days=d) for d in (1, 2, 4, 6)]
    recent = replace(history, budgets=[deployed, *[(at, 90 * EUR) for at in sorted(edits)]])
    (warning,) = learning_reset_warnings([recent], now=NOW, edits_per_week=4)
    assert warning.kind == "warning" and not warning.applicable and warning.actions == []
    assert warning.evidence["warning"] == "meta_learning_reset"
    assert warning.evidence["edits_last_7_days"] == 4 and warning.evidence["threshold"] == 4
    assert warning.topic == f"learning_reset:{history.key}"
    assert "edited 4 times in 7 days" in warning.title
    # three edits, or four with one older than a week, or a Google campaign: no warning
    three = replace(history, budgets=[deployed, *[(at, 90 * EUR) for at in sorted(edits)[1:]]])
    old = replace(
        history,
        budgets=[
            deployed,
            (NOW - timedelta(days=9), 90 * EUR),
            *[(at, 90 * EUR) for at in sorted(edits)[1:]],
        ],
    )
    google = replace(recent, key=CampaignKey("google_ads", "acct", "g1"))
    assert learning_reset_warnings([three, old, google], now=NOW, edits_per_week=4) == []
    # the deployment's own budget is not an edit
    assert learning_reset_warnings([recent], now=NOW, edits_per_week=5) == []


def test_budget_limited_warning_when_the_whole_budget_is_spent_and_the_next_euro_pays():
    limited = campaign("c1", spend_share=1.0, roas=8.0)
    underspent = campaign("c2", spend_share=0.5, roas=8.0)
    unprofitable = campaign("c3", spend_share=1.0, roas=0.3)
    histories = [limited, underspent, unprofitable]
    models = models_of(*histories)
    assert models[limited.key].utilisation >= 0.95 and models[underspent.key].utilisation < 0.95
    (warning,) = budget_limited_warnings(models, histories, rng=np.random.default_rng(3))
    assert warning.evidence["campaign_id"] == "c1" and warning.evidence["warning"] == "budget_limited"
    assert warning.evidence["utilisation"] >= 0.95
    low, high = warning.evidence["marginal_roas_interval"]
    assert low <= warning.evidence["marginal_roas"] <= high and low > 0
    assert warning.confidence == warning.evidence["probability_marginal_roas_above_1"] >= 0.8
    assert not warning.applicable and warning.actions == []


# ----- budget step titles ---------------------------------------------------------------------------
def _change(platform: str, campaign: str, current_eur: int, new_eur: int) -> BudgetChange:
    return BudgetChange(CampaignKey(platform, "acc", campaign), current_eur * 1_000_000, new_eur * 1_000_000)


def test_a_budget_title_says_what_moves_and_what_is_held_back_or_added():
    google_up, meta_down = _change("google_ads", "g", 50, 60), _change("meta", "m", 50, 40)
    assert budget_title([google_up, meta_down], currency="EUR") == (
        "Move 10.00 EUR/day across Google Ads and Meta from 1 campaign(s) with the lowest marginal ROAS "
        "to 1 with the highest"
    )
    held = budget_title([_change("meta", "m1", 50, 40), _change("meta", "m2", 50, 56)], currency="EUR")
    assert held == (
        "Move 6.00 EUR/day from 1 campaign(s) with the lowest marginal ROAS to 1 with the highest; "
        "4.00 EUR/day is held back until the evidence says where it earns most"
    )
    added = budget_title([_change("meta", "m1", 50, 45), _change("meta", "m2", 50, 58)], currency="EUR")
    assert added == (
        "Move 5.00 EUR/day from 1 campaign(s) with the lowest marginal ROAS to 1 with the highest, "
        "and add 3.00 EUR/day within the daily cap"
    )
    assert budget_title([google_up], currency="EUR") == (
        "Raise 1 campaign budget(s) by 10.00 EUR/day within the daily cap"
    )
    assert budget_title([meta_down], currency="EUR") == (
        "Lower 1 campaign budget(s) with the lowest marginal ROAS by 10.00 EUR/day"
    )
