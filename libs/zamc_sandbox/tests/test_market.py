"""The market simulator on its own: determinism, settlement, restatement windows, response curves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from zamc_sandbox.market import DEFAULT_START, PROFILES, Market, Platform, build_portfolio

pytestmark = pytest.mark.unit
HOUR = timedelta(hours=1)


def _run(seed: int, days: int = 5) -> tuple[Market, list[str]]:
    market = Market(seed=seed)
    campaigns = [c.campaign_id for c in build_portfolio(market, campaigns_per_platform=2)]
    market.step(days=days)
    return market, campaigns


def test_same_seed_same_outcome() -> None:
    first, ids = _run(3)
    second, _ = _run(3)
    end = DEFAULT_START + timedelta(days=5)
    for campaign_id in ids:
        assert first.truth_by_hour(campaign_id, DEFAULT_START, end) == second.truth_by_hour(
            campaign_id, DEFAULT_START, end
        )
        assert first.reported_by_hour(campaign_id, DEFAULT_START, end) == second.reported_by_hour(
            campaign_id, DEFAULT_START, end
        )
    other, _ = _run(4)
    assert any(first.truth(c, DEFAULT_START, end) != other.truth(c, DEFAULT_START, end) for c in ids)


def test_reported_equals_truth_once_settled() -> None:
    market, ids = _run(5, days=3)
    end = DEFAULT_START + timedelta(days=3)
    meta = [c for c in ids if market.campaign(c).platform == Platform.META]
    google = [c for c in ids if market.campaign(c).platform == Platform.GOOGLE]
    assert any(market.reported(c, DEFAULT_START, end) != market.truth(c, DEFAULT_START, end) for c in ids)
    market.step(days=8)  # Meta's 7-day window is over for those days
    for c in meta:
        assert market.reported(c, DEFAULT_START, end) == market.truth(c, DEFAULT_START, end)
    market.step(days=23)  # Google's 30-day window too
    for c in google:
        assert market.reported(c, DEFAULT_START, end) == market.truth(c, DEFAULT_START, end)


@pytest.mark.parametrize("platform", [Platform.GOOGLE, Platform.META])
def test_restated_hours_change_only_inside_the_window(platform: Platform) -> None:
    market = Market(seed=9)
    build_portfolio(market, campaigns_per_platform=3)
    ids = [c.campaign_id for c in market.campaigns() if c.platform == platform]
    window = PROFILES[platform].attribution_window
    market.step(days=window.days + 5)
    start, end = DEFAULT_START, market.clock.now()
    before = {c: market.reported_by_hour(c, start, end) for c in ids}
    moment = market.clock.now()
    market.step(days=2)
    changed_any = False
    for c in ids:
        after = market.reported_by_hour(c, start, end)
        for hour, totals in before[c].items():
            if after[hour] != totals:
                changed_any = True
                assert hour + HOUR + window > moment, f"{hour} restated outside the {window} window"
                assert after[hour].conversions > totals.conversions
                assert after[hour].impressions == totals.impressions  # only conversions restate
    assert changed_any


def test_response_curve_has_diminishing_returns_and_matches_delivery() -> None:
    market = Market(seed=1)
    [campaign, *_] = build_portfolio(market, campaigns_per_platform=1)
    curve = market.response_curve(campaign.campaign_id)
    half = curve.half_saturation_spend_micros  # past the Hill curve's inflection returns only diminish
    marginal = [curve.marginal_roas(half * k) for k in (1, 2, 4, 8)]
    assert marginal == sorted(marginal, reverse=True)
    assert curve.impressions(half) == pytest.approx(curve.max_daily_impressions / 2)
    market.step(days=40)
    start = DEFAULT_START
    truth = market.truth(campaign.campaign_id, start, start + timedelta(days=30))
    spent_per_day = truth.cost_micros / 30
    expected = curve.conversions_value_micros(spent_per_day) * 30
    assert truth.cost_micros == pytest.approx(campaign.daily_budget_micros * 30, rel=0.05)
    assert truth.conversions_value_micros == pytest.approx(expected, rel=0.35)


def test_budget_changes_between_steps_and_status() -> None:
    market = Market(seed=2)
    [campaign, *_] = build_portfolio(market, campaigns_per_platform=1)
    market.step(days=1)
    market.set_daily_budget(campaign.campaign_id, 10_000_000)
    market.step(days=1)
    market.set_active(campaign.campaign_id, False)
    market.step(days=1)
    day = timedelta(days=1)
    first, second, third = (
        market.truth(campaign.campaign_id, DEFAULT_START + i * day, DEFAULT_START + (i + 1) * day)
        for i in range(3)
    )
    assert second.cost_micros <= 10_000_000 < first.cost_micros
    assert third.is_empty()
