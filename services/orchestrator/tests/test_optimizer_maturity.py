"""The maturity rule: an hour is mature once settled or older than its platform's conversion lag.

A campaign with no mature hour is provisional-only, and nothing is done to it unless
`allow_provisional`: unit tests of the rule and a property that no recommendation of any kind
touches a campaign whose hours are all younger than its platform's maturity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import budget_state, history_state, plan_budgets
from zamc_orchestrator.optimizer.domain.evaluation import changes_of, draft_round
from zamc_orchestrator.optimizer.domain.guardrails import (
    BUDGET,
    Change,
    Guardrails,
    ProjectBudget,
    check_changes,
)
from zamc_orchestrator.optimizer.domain.model import (
    DEFAULT_MATURITY_HOURS,
    CampaignHistory,
    CampaignKey,
    HourRow,
    count_mature_hours,
    fit_portfolio,
    is_mature,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EUR = 1_000_000


def row(ended_hours_ago: float, *, settled: bool = False, conversions: float = 1.5) -> HourRow:
    return HourRow(
        hour_start=NOW - HOUR - timedelta(hours=ended_hours_ago),
        impressions=1_000,
        clicks=30,
        cost_micros=4 * EUR,
        conversions=conversions,
        value_micros=int(conversions * 12 * EUR),
        settled=settled,
    )


def history(
    campaign_id: str,
    *,
    platform: str = "google_ads",
    hours: int = 24 * 7,
    settled_hours: int = 0,
    roas: float = 4.0,
    budget: int = 100 * EUR,
    bidding: str | None = None,
    target: float | None = None,
) -> CampaignHistory:
    """`hours` hours up to now, the oldest `settled_hours` of them settled."""
    start = NOW - HOUR * hours
    cost = budget // 24
    rows = [
        HourRow(
            hour_start=start + HOUR * h,
            impressions=1_000,
            clicks=30,
            cost_micros=cost,
            conversions=1.5,
            value_micros=int(cost * roas),
            settled=h < settled_hours,
        )
        for h in range(hours)
    ]
    return CampaignHistory(
        key=CampaignKey(platform, "acct", campaign_id),
        currency="EUR",
        daily_budget_micros=budget,
        hours=rows,
        budgets=[(start - HOUR, budget)],
        bidding_strategy=bidding,
        bid_target=target,
    )


# ----- the rule -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "ended_hours_ago", "mature"),
    [
        ("google_ads", 71.0, False),
        ("google_ads", 72.0, True),
        ("meta", 71.0, False),
        ("meta", 72.0, True),
        ("tiktok", 167.0, False),  # a platform without a setting waits a 7-day window
        ("tiktok", 168.0, True),
    ],
)
def test_an_hour_is_mature_once_older_than_its_platforms_maturity(platform, ended_hours_ago, mature):
    assert (
        is_mature(row(ended_hours_ago), platform=platform, now=NOW, maturity_hours=DEFAULT_MATURITY_HOURS)
        is mature
    )


def test_a_settled_hour_is_mature_whatever_its_age():
    assert is_mature(row(0.0, settled=True), platform="meta", now=NOW, maturity_hours=DEFAULT_MATURITY_HOURS)


def test_the_defaults_are_the_typical_conversion_lag_not_the_restatement_window():
    s = OptimizerSettings()
    assert s.maturity_hours() == {"google_ads": 72.0, "meta": 72.0}
    assert s.priors().maturity_hours == s.maturity_hours()
    assert not s.allow_provisional


def test_a_campaign_is_provisional_only_until_its_first_hour_matures():
    young = history("young", hours=72)  # the oldest hour ended 71 h ago
    grown = history("grown", hours=73)  # ... 72 h ago
    meta = history("meta", platform="meta", hours=48)
    models = fit_portfolio([young, grown, meta], now=NOW, base=OptimizerSettings().priors())
    assert models[young.key].provisional_only
    assert models[young.key].mature_hours == 0
    assert not models[grown.key].provisional_only
    assert models[grown.key].mature_hours == 1
    assert models[meta.key].provisional_only
    assert budget_state(models[grown.key], grown).has_settled_data is True
    assert budget_state(models[young.key], young).has_settled_data is False


def test_maturity_is_configuration():
    h = history("c", hours=30)
    strict = OptimizerSettings()
    quick = OptimizerSettings(maturity_hours_google_ads=24.0)
    assert fit_portfolio([h], now=NOW, base=strict.priors())[h.key].provisional_only
    assert not fit_portfolio([h], now=NOW, base=quick.priors())[h.key].provisional_only
    assert count_mature_hours(h, now=NOW, maturity_hours=quick.maturity_hours()) == 6


def test_the_apply_time_check_uses_the_same_rule():
    grown = history("grown", hours=24 * 4)
    assert history_state(grown, now=NOW, maturity_hours=DEFAULT_MATURITY_HOURS).has_settled_data
    assert not history_state(grown).has_settled_data  # without a clock: settled hours only
    young = history("young", hours=48)
    assert not history_state(young, now=NOW, maturity_hours=DEFAULT_MATURITY_HOURS).has_settled_data


def test_the_budget_step_holds_a_provisional_only_campaign_and_moves_the_mature_ones():
    histories = [
        history("strong", hours=24 * 5, roas=8.0),
        history("weak", hours=24 * 5, roas=1.0),
        history("young", hours=48, roas=12.0),  # best observed ROAS, but nothing mature yet
    ]
    models = fit_portfolio(histories, now=NOW, base=OptimizerSettings().priors())
    plan = plan_budgets(
        histories=histories,
        models=models,
        guard=Guardrails(),
        project=ProjectBudget(),
        now=NOW,
        rng=np.random.default_rng(1),
        draws=64,
    )
    assert plan is not None and plan.violations == []
    moved = {c.key.campaign_id: c.new_micros - c.current_micros for c in plan.changes}
    assert moved.get("strong", 0) > 0 > moved.get("weak", 0)
    assert "young" not in moved
    assert plan.held[str(histories[2].key)] == "not enough data: only provisional data"


def test_a_change_to_a_provisional_only_campaign_breaks_the_guardrail():
    young = history("young", hours=48)
    models = fit_portfolio([young], now=NOW, base=OptimizerSettings().priors())
    state = budget_state(models[young.key], young)
    change = Change(state.campaign, BUDGET, state.daily_budget_micros, state.daily_budget_micros * 0.9)
    (violation,) = check_changes(
        [change], {state.campaign: state}, guard=Guardrails(), project=ProjectBudget(), now=NOW
    )
    assert (violation.rule, violation.message) == ("min_data", "only provisional data")
    assert (
        check_changes(
            [change],
            {state.campaign: state},
            guard=Guardrails(allow_provisional=True),
            project=ProjectBudget(),
            now=NOW,
        )
        == []
    )


# ----- the property -------------------------------------------------------------------------------
young_or_grown = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["google_ads", "meta"]),
        "young": st.booleans(),
        "hours": st.integers(min_value=1, max_value=24 * 12),
        "roas": st.floats(min_value=0.0, max_value=20.0),
        "budget": st.integers(min_value=5 * EUR, max_value=500 * EUR),
        "bid": st.sampled_from([None, ("TARGET_ROAS", 2.0), ("TARGET_ROAS", 9.0), ("TARGET_CPA", 40 * EUR)]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    campaigns=st.lists(young_or_grown, min_size=2, max_size=6),
    google=st.floats(min_value=1.0, max_value=400.0),
    meta=st.floats(min_value=1.0, max_value=400.0),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_nothing_is_done_to_a_campaign_whose_hours_are_all_younger_than_its_maturity(
    campaigns, google, meta, seed
):
    config = OptimizerSettings(maturity_hours_google_ads=google, maturity_hours_meta=meta)
    maturity = config.maturity_hours()
    histories, young = [], set()
    for i, c in enumerate(campaigns):
        hours = c["hours"]
        if c["young"]:  # every hour ended less than the platform's maturity ago
            hours = min(hours, int(maturity[c["platform"]]))
        h = history(
            f"c{i}",
            platform=c["platform"],
            hours=hours,
            roas=c["roas"],
            budget=c["budget"],
            bidding=c["bid"][0] if c["bid"] else None,
            target=c["bid"][1] if c["bid"] else None,
        )
        histories.append(h)
        if c["young"]:
            assert count_mature_hours(h, now=NOW, maturity_hours=maturity) == 0
            young.add(str(h.key))
    models = fit_portfolio(histories, now=NOW, base=config.priors())
    guard = config.guardrails()
    result = draft_round(
        histories=histories,
        models=models,
        sibling_drafts=[],
        campaign_of=lambda action: None,
        automated=lambda draft: True,
        guard=guard,
        project=ProjectBudget(),
        now=NOW,
        rng=np.random.default_rng(seed),
        draws=16,
        currency="EUR",
        project_topic="p",
        edits_per_week=4,
    )
    by_key = {h.key: h for h in histories}
    for draft in result.drafts:
        for change in changes_of(draft.actions, campaign_of=lambda action: None, histories=by_key):
            assert change.campaign not in young, draft.kind
    if result.plan is not None:
        assert not {str(c.key) for c in result.plan.changes} & young
