from __future__ import annotations

import uuid
from datetime import date

import pytest

from zamc_events.contracts.strategy import (
    BudgetAllocation,
    CampaignStrategy,
    GoogleAdGroup,
    GoogleAdsPlan,
    GoogleSearchCampaign,
    Keyword,
    MetaAd,
    MetaAdSet,
    MetaCampaign,
    MetaPlan,
    MetaTargeting,
    ResponsiveSearchAd,
)
from zamc_events.platform_limits import (
    GOOGLE,
    META,
    check_strategy,
    currency_unit_micros,
    google_width,
    meta_width,
)

pytestmark = pytest.mark.unit

RSA = ResponsiveSearchAd(
    key="g1-ag1-ad1",
    headlines=["Handmade Coffee Mugs", "Shop Ceramic Mugs", "Clay & Co"],
    descriptions=["Mugs thrown by hand in Berlin.", "Free shipping on orders over 50 EUR."],
    path1="mugs",
    path2="handmade",
    final_url="https://mugs.example.com",
)
GOOGLE_CAMPAIGN = GoogleSearchCampaign(
    key="g1",
    name="Mugs - Search",
    daily_budget_micros=30_000_000,
    locations=["DE"],
    languages=["de"],
    ad_groups=[GoogleAdGroup(key="g1-ag1", name="Mugs", keywords=[Keyword(text="ceramic mugs")], ads=[RSA])],
)
META_AD = MetaAd(
    key="m1-as1-ad1",
    name="Ad 1",
    primary_text="Mugs made by hand.",
    headline="Handmade mugs",
    link_url="https://x.io",
)
META_AD_SET = MetaAdSet(
    key="m1-as1",
    name="Broad",
    daily_budget_micros=20_000_000,
    targeting=MetaTargeting(countries=["DE"]),
    ads=[META_AD],
)
META_CAMPAIGN = MetaCampaign(key="m1", name="Mugs - Meta", objective="OUTCOME_SALES", ad_sets=[META_AD_SET])


def strategy(**overrides) -> CampaignStrategy:
    values = {
        "strategy_id": uuid.uuid4(),
        "brief_id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "version": 1,
        "generator": "llm",
        "objective": "Sell mugs",
        "kpis": ["conversions"],
        "audiences": [],
        "currency": "EUR",
        "daily_budget_micros": 50_000_000,
        "budget_split": [
            BudgetAllocation(
                platform="google_ads", campaign_key="g1", daily_budget_micros=30_000_000, share=0.6
            ),
            BudgetAllocation(platform="meta", campaign_key="m1", daily_budget_micros=20_000_000, share=0.4),
        ],
        "start_date": date(2025, 3, 1),
        "google_ads": GoogleAdsPlan(campaigns=[GOOGLE_CAMPAIGN]),
        "meta": MetaPlan(campaigns=[META_CAMPAIGN]),
    }
    values.update(overrides)
    return CampaignStrategy(**values)


def with_rsa(**changes) -> CampaignStrategy:
    group = GOOGLE_CAMPAIGN.ad_groups[0].model_copy(update={"ads": [RSA.model_copy(update=changes)]})
    campaign = GOOGLE_CAMPAIGN.model_copy(update={"ad_groups": [group]})
    return strategy(google_ads=GoogleAdsPlan(campaigns=[campaign]))


def with_meta_ad_set(**changes) -> CampaignStrategy:
    campaign = META_CAMPAIGN.model_copy(update={"ad_sets": [META_AD_SET.model_copy(update=changes)]})
    return strategy(meta=MetaPlan(campaigns=[campaign]))


def rules(violations) -> set[str]:
    return {v.rule for v in violations}


def test_a_sound_strategy_passes():
    assert check_strategy(strategy()) == []


def test_limits_are_data():
    assert (GOOGLE.headlines_min, GOOGLE.headlines_max, GOOGLE.headline_width) == (3, 15, 30)
    assert (GOOGLE.descriptions_min, GOOGLE.descriptions_max, GOOGLE.description_width) == (2, 4, 90)
    assert (GOOGLE.path_width, GOOGLE.keyword_width, GOOGLE.keyword_words) == (15, 80, 10)
    assert (META.primary_text_length, META.headline_length, META.description_length) == (125, 40, 30)
    assert (META.age_min, META.age_max) == (18, 65)


def test_google_counts_wide_characters_twice_and_meta_does_not():
    assert google_width("abc") == 3
    assert google_width("日本語") == 6
    assert google_width("ｆｕｌｌ") == 8  # fullwidth Latin
    assert google_width("ｶﾀｶﾅ") == 4  # halfwidth katakana counts 1
    assert meta_width("日本語") == 3


def test_over_long_headline_names_path_limit_length_and_says_so():
    headlines = [*RSA.headlines, "Handmade Ceramic Mugs From Berlin"]  # 33 characters
    [violation] = check_strategy(with_rsa(headlines=headlines))
    assert violation.path == "google_ads.campaigns[0].ad_groups[0].ads[0].headlines[3]"
    assert violation.rule == "google.headline.length"
    assert (violation.limit, violation.actual) == (30, 33)
    assert violation.message == "Headline 4 is 33 characters; Google allows 30"


def test_cjk_headline_within_15_characters_can_still_be_too_wide():
    [violation] = check_strategy(
        with_rsa(headlines=[*RSA.headlines, "手作りの陶器のマグカップ専門店です"])
    )  # 17 wide chars
    assert violation.actual == 34
    assert "wide characters count 2" in violation.message


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"headlines": ["One", "Two"]}, "google.headlines.min_count"),
        ({"headlines": [f"Headline {i}" for i in range(16)]}, "google.headlines.max_count"),
        ({"headlines": ["One", "Two", "Three!"]}, "google.headline.chars"),
        ({"headlines": ["One", "Two", "one"]}, "google.headline.duplicate"),
        ({"headlines": ["One", "Two", "  "]}, "google.headline.required"),
        ({"headlines": ["One", "Two", "Three\nFour"]}, "google.headline.control_chars"),
        ({"descriptions": ["Only one."]}, "google.descriptions.min_count"),
        ({"descriptions": ["a", "b", "c", "d", "e"]}, "google.descriptions.max_count"),
        ({"descriptions": ["x" * 91, "ok"]}, "google.description.length"),
        ({"path1": "sixteen-chars-xx"}, "google.path1.length"),
        ({"path1": "two words"}, "google.path1.chars"),
        ({"path1": None, "path2": "mugs"}, "google.path2.without_path1"),
        ({"final_url": "mugs.example.com"}, "url.invalid"),
    ],
)
def test_responsive_search_ad_limits(changes, rule):
    assert rule in rules(check_strategy(with_rsa(**changes)))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("x" * 81, "google.keyword.length"),
        ("one two three four five six seven eight nine ten eleven", "google.keyword.words"),
        ("mugs!", "google.keyword.chars"),
        ("", "google.keyword.required"),
    ],
)
def test_keyword_limits(text, rule):
    group = GOOGLE_CAMPAIGN.ad_groups[0].model_copy(update={"keywords": [Keyword(text=text)]})
    campaign = GOOGLE_CAMPAIGN.model_copy(update={"ad_groups": [group]})
    assert rule in rules(check_strategy(strategy(google_ads=GoogleAdsPlan(campaigns=[campaign]))))


def test_campaign_names_are_unique_and_within_255():
    second = GOOGLE_CAMPAIGN.model_copy(
        update={"key": "g2", "name": "mugs - search", "daily_budget_micros": 0}
    )
    found = check_strategy(strategy(google_ads=GoogleAdsPlan(campaigns=[GOOGLE_CAMPAIGN, second])))
    assert "google.campaign_name.duplicate" in rules(found)
    long_name = GOOGLE_CAMPAIGN.model_copy(update={"name": "n" * 256})
    found = check_strategy(strategy(google_ads=GoogleAdsPlan(campaigns=[long_name])))
    assert "google.campaign_name.length" in rules(found)


def test_bidding_needs_its_target():
    campaign = GOOGLE_CAMPAIGN.model_copy(update={"bidding_strategy": "TARGET_CPA"})
    assert "google.bidding.target_cpa" in rules(
        check_strategy(strategy(google_ads=GoogleAdsPlan(campaigns=[campaign])))
    )


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"primary_text": "p" * 126}, "meta.primary_text.length"),
        ({"headline": "h" * 41}, "meta.headline.length"),
        ({"description": "d" * 31}, "meta.description.length"),
        ({"headline": ""}, "meta.headline.required"),
        ({"link_url": "x.io"}, "url.invalid"),
    ],
)
def test_meta_ad_limits(changes, rule):
    found = check_strategy(with_meta_ad_set(ads=[META_AD.model_copy(update=changes)]))
    assert rule in rules(found)


def test_meta_primary_text_counts_characters_not_width():
    assert (
        check_strategy(with_meta_ad_set(ads=[META_AD.model_copy(update={"primary_text": "語" * 125})])) == []
    )


@pytest.mark.parametrize(
    ("targeting", "rule"),
    [
        (MetaTargeting(countries=[]), "meta.countries.min_count"),
        (MetaTargeting(countries=["Germany"]), "meta.country.code"),
        (MetaTargeting(countries=["DE"], age_min=13), "meta.age_min"),
        (MetaTargeting(countries=["DE"], age_min=40, age_max=30), "meta.age.order"),
    ],
)
def test_meta_targeting_limits(targeting, rule):
    assert rule in rules(check_strategy(with_meta_ad_set(targeting=targeting)))


def test_meta_special_ad_categories_and_goals_are_known():
    campaign = META_CAMPAIGN.model_copy(update={"special_ad_categories": ["HOUSING", "PETS"]})
    found = check_strategy(strategy(meta=MetaPlan(campaigns=[campaign])))
    assert [v.path for v in found] == ["meta.campaigns[0].special_ad_categories[1]"]
    found = check_strategy(with_meta_ad_set(optimization_goal="VIBES", billing_event="THOUGHTS"))
    assert rules(found) == {"meta.optimization_goal", "meta.billing_event"}


def test_ad_set_budget_below_minimum():
    found = check_strategy(
        with_meta_ad_set(daily_budget_micros=500_000).model_copy(
            update={
                "daily_budget_micros": 30_500_000,
                "budget_split": [
                    BudgetAllocation(
                        platform="google_ads",
                        campaign_key="g1",
                        daily_budget_micros=30_000_000,
                        share=0.983607,
                    ),
                    BudgetAllocation(
                        platform="meta", campaign_key="m1", daily_budget_micros=500_000, share=0.016393
                    ),
                ],
            }
        )
    )
    [violation] = found
    assert violation.rule == "budget.min"
    assert violation.message == "Ad set daily budget is 0.50 EUR; the minimum is 1.00 EUR"


def test_budgets_are_whole_currency_units():
    assert currency_unit_micros("JPY") == 1_000_000 and currency_unit_micros("EUR") == 10_000
    found = check_strategy(strategy(currency="JPY"))
    assert "budget.currency_unit" not in rules(found)
    campaign = GOOGLE_CAMPAIGN.model_copy(update={"daily_budget_micros": 30_005_000})
    found = check_strategy(strategy(google_ads=GoogleAdsPlan(campaigns=[campaign])))
    assert "budget.currency_unit" in rules(found)


def test_budget_split_must_add_up_and_match_campaigns():
    found = check_strategy(strategy(daily_budget_micros=60_000_000))
    assert "budget.split.sum" in rules(found)
    off = BudgetAllocation(
        platform="google_ads", campaign_key="g1", daily_budget_micros=25_000_000, share=0.5
    )
    meta = BudgetAllocation(platform="meta", campaign_key="m1", daily_budget_micros=25_000_000, share=0.5)
    found = check_strategy(strategy(budget_split=[off, meta]))
    assert {"budget.split.campaign_mismatch"} <= rules(found)
    found = check_strategy(strategy(budget_split=[off.model_copy(update={"campaign_key": "zz"})]))
    assert {"budget.split.unknown_campaign", "budget.split.missing"} <= rules(found)


def test_keys_must_be_unique():
    group = GOOGLE_CAMPAIGN.ad_groups[0].model_copy(update={"key": "g1"})
    campaign = GOOGLE_CAMPAIGN.model_copy(update={"ad_groups": [group]})
    found = check_strategy(strategy(google_ads=GoogleAdsPlan(campaigns=[campaign])))
    assert [v.path for v in found] == ["google_ads.campaigns[0].ad_groups[0].key"]


def test_a_strategy_needs_a_platform():
    found = check_strategy(strategy(google_ads=None, meta=None, budget_split=[], daily_budget_micros=0))
    assert rules(found) == {"strategy.platforms"}
