from __future__ import annotations

import uuid

import pytest

from zamc_events.contracts.strategy import BudgetAllocation, Keyword
from zamc_events.platform_limits import check_strategy
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.repair import repair_strategy
from zamc_orchestrator.domain.rules_strategist import build_strategy

pytestmark = pytest.mark.unit


@pytest.fixture
def brief(make_brief):
    return make_brief()


@pytest.fixture
def valid(brief):
    return build_strategy(brief=brief, strategy_id=uuid.uuid4()).model_copy(update={"generator": "llm"})


def edit_ad(strategy, **changes):
    campaign = strategy.google_ads.campaigns[0]
    group = campaign.ad_groups[0]
    ad = group.ads[0].model_copy(update=changes)
    group = group.model_copy(update={"ads": [ad]})
    campaign = campaign.model_copy(update={"ad_groups": [group]})
    return strategy.model_copy(
        update={"google_ads": strategy.google_ads.model_copy(update={"campaigns": [campaign]})}
    )


def first_ad(strategy):
    return strategy.google_ads.campaigns[0].ad_groups[0].ads[0]


def test_a_valid_strategy_comes_back_unchanged(valid, brief):
    result = repair_strategy(valid, brief=brief)
    assert result.strategy == valid and result.fixes == []


def test_trims_copy_at_a_word_boundary(valid, brief):
    broken = edit_ad(valid, headlines=["Handmade ceramic mugs for every coffee moment", "Two", "Three"])
    result = repair_strategy(broken, brief=brief)
    assert first_ad(result.strategy).headlines[0] == "Handmade ceramic mugs for"
    assert result.fixes[0].startswith(
        "google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0]: Headline 1 is 45"
    )


def test_pads_missing_headlines_and_descriptions_from_templates(valid, brief):
    result = repair_strategy(edit_ad(valid, headlines=["Only one"], descriptions=[]), brief=brief)
    ad = first_ad(result.strategy)
    assert ad.headlines[0] == "Only one" and len(ad.headlines) == 3 and len(ad.descriptions) == 2
    assert check_strategy(result.strategy) == []


def test_cleans_or_drops_keywords_over_the_limits(valid, brief):
    campaign = valid.google_ads.campaigns[0]
    keywords = [Keyword(text="mugs!!"), Keyword(text="!!!"), Keyword(text=" ".join(["word"] * 12))]
    group = campaign.ad_groups[0].model_copy(update={"keywords": keywords})
    plan = valid.google_ads.model_copy(
        update={"campaigns": [campaign.model_copy(update={"ad_groups": [group]})]}
    )
    result = repair_strategy(valid.model_copy(update={"google_ads": plan}), brief=brief)
    texts = [k.text for k in result.strategy.google_ads.campaigns[0].ad_groups[0].keywords]
    assert texts == ["mugs", " ".join(["word"] * 10)]


def test_fixes_a_budget_split_that_does_not_add_up(valid, brief):
    split = [
        a.model_copy(update={"daily_budget_micros": 1_000_000, "share": 0.5}) for a in valid.budget_split
    ]
    result = repair_strategy(valid.model_copy(update={"budget_split": split}), brief=brief)
    assert check_strategy(result.strategy) == []
    assert sum(a.daily_budget_micros for a in result.strategy.budget_split) == 50_000_000


def test_keeps_the_drafted_split_between_platforms(valid, brief):
    google, meta = valid.google_ads.campaigns[0], valid.meta.campaigns[0]
    plan = valid.google_ads.model_copy(
        update={"campaigns": [google.model_copy(update={"daily_budget_micros": 10_000_000})]}
    )
    ad_set = meta.ad_sets[0].model_copy(update={"daily_budget_micros": 40_000_000})
    meta_plan = valid.meta.model_copy(update={"campaigns": [meta.model_copy(update={"ad_sets": [ad_set]})]})
    split = [
        BudgetAllocation(platform="google_ads", campaign_key=google.key, daily_budget_micros=1, share=0.1)
    ]
    result = repair_strategy(
        valid.model_copy(update={"google_ads": plan, "meta": meta_plan, "budget_split": split}), brief=brief
    )
    assert [a.daily_budget_micros for a in result.strategy.budget_split] == [10_000_000, 40_000_000]


def test_rejects_what_cannot_be_fixed(valid, make_brief):
    brief = make_brief(landing_page_url="not a url")
    with pytest.raises(StrategyRejected) as rejected:
        repair_strategy(
            edit_ad(valid, final_url="also not a url").model_copy(update={"meta": None}), brief=brief
        )
    assert "http" in rejected.value.reasons[0]
