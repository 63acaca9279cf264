from __future__ import annotations

import time
import uuid
from datetime import date

import pytest

from zamc_events.contracts.strategy import BriefBudget
from zamc_events.platform_limits import check_strategy, google_width
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.rules_strategist import build_strategy

pytestmark = pytest.mark.unit


def test_builds_a_valid_strategy_for_both_platforms_fast(make_brief):
    brief = make_brief()
    started = time.perf_counter()
    strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
    assert time.perf_counter() - started < 1.0
    assert check_strategy(strategy) == []
    assert strategy.generator == "rules"
    assert strategy.google_ads is not None and strategy.meta is not None
    assert strategy.meta.campaigns[0].objective == "OUTCOME_SALES"
    campaign = strategy.google_ads.campaigns[0]
    assert campaign.locations == ["DE"] and campaign.languages == ["de", "en"]
    assert any("mugs" in kw.text for kw in campaign.ad_groups[0].keywords)
    assert sum(a.daily_budget_micros for a in strategy.budget_split) == 50_000_000


@pytest.mark.parametrize(
    ("goal", "objective", "google_share"),
    [
        ("awareness", "OUTCOME_AWARENESS", 0.3),
        ("traffic", "OUTCOME_TRAFFIC", 0.5),
        ("leads", "OUTCOME_LEADS", 0.6),
    ],
)
def test_goal_sets_meta_objective_and_split(make_brief, goal, objective, google_share):
    strategy = build_strategy(brief=make_brief(goal=goal), strategy_id=uuid.uuid4())
    assert strategy.meta.campaigns[0].objective == objective
    google = next(a for a in strategy.budget_split if a.platform == "google_ads")
    assert google.share == pytest.approx(google_share)


def test_total_budget_is_spread_over_the_flight(make_brief):
    brief = make_brief(
        budget=BriefBudget(amount_micros=310_000_000, currency="USD", period="total"),
        start_date=date(2025, 3, 1),
        end_date=date(2025, 3, 31),
    )
    strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
    assert strategy.daily_budget_micros == 10_000_000


def test_cjk_copy_counts_double_width(make_brief):
    brief = make_brief(
        product="手作りの陶器のコーヒーマグカップ職人仕上げ", audience="東京のコーヒー好き", locations=["JP"]
    )
    strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
    assert check_strategy(strategy) == []
    headlines = strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines
    assert all(google_width(h) <= 30 for h in headlines)


def test_small_budget_keeps_the_heavier_platform_and_says_so(make_brief):
    brief = make_brief(budget=BriefBudget(amount_micros=1_500_000, currency="USD", period="daily"))
    strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
    assert strategy.google_ads is not None and strategy.meta is None
    assert any("Dropped meta" in w for w in strategy.warnings)
    assert check_strategy(strategy) == []


def test_meta_without_country_is_left_out(make_brief):
    strategy = build_strategy(brief=make_brief(locations=[]), strategy_id=uuid.uuid4())
    assert strategy.meta is None and strategy.google_ads is not None
    assert any("country" in w for w in strategy.warnings)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"budget": BriefBudget(amount_micros=500_000, currency="USD", period="daily")},
            "below the platform minimum",
        ),
        ({"platforms": []}, "no platform"),
        ({"landing_page_url": "mugs.example.com"}, "http"),
        ({"platforms": ["meta"], "locations": ["Germany"]}, "country"),
    ],
)
def test_rejects_briefs_no_strategy_can_serve(make_brief, overrides, reason):
    with pytest.raises(StrategyRejected) as rejected:
        build_strategy(brief=make_brief(**overrides), strategy_id=uuid.uuid4())
    assert reason in " ".join(rejected.value.reasons)
