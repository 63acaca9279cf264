"""Property tests: whatever the brief or draft, no strategy that leaves the domain breaks a limit."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zamc_events.contracts.common import PLATFORMS
from zamc_events.contracts.strategy import (
    Brief,
    BriefBudget,
    BudgetAllocation,
    Business,
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
from zamc_events.platform_limits import check_strategy
from zamc_orchestrator.domain.draft import StrategyDraft, assemble
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.repair import repair_strategy
from zamc_orchestrator.domain.rules_strategist import build_strategy

pytestmark = pytest.mark.unit

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CJK = "日本語の中文字한국어カタカナｆｕｌｌ　ｗｉｄｔｈ，。！"
WORDS = [
    "coffee",
    "mug",
    "ceramic",
    "Berlin",
    "handmade",
    "gift",
    "deal!",
    "super-long-word" * 5,
    "@home",
    "ß",
]
text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=CJK + " ", max_size=80),
    st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400),
)
country = st.one_of(st.sampled_from(["US", "DE", "JP", "FR"]), st.text(max_size=4))
currency = st.sampled_from(["USD", "EUR", "JPY", "KRW", "GBP"])
URLS = [
    "https://shop.example.com/p?x=1",
    "http://例え.jp/商品",
    "https://a.io",
    "https://b.io",
    "shop.example.com",
    "",
]
url = st.integers(0, 9).map(lambda i: URLS[i] if i < len(URLS) else URLS[0])
dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def briefs(draw: st.DrawFn, *, nice: bool = False) -> Brief:
    start = draw(dates)
    return Brief(
        brief_id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        product=draw(text),
        audience=draw(text),
        goal=draw(st.sampled_from(["awareness", "traffic", "leads", "sales"])),
        budget=BriefBudget(
            amount_micros=draw(
                st.integers(10_000_000, 10**12)
                if nice
                else st.integers(0, 10**13) | st.integers(1_000_000, 10**11)
            ),
            currency=draw(currency),
            period="daily" if nice else draw(st.sampled_from(["daily", "total"])),
        ),
        start_date=start,
        end_date=draw(st.none() | st.integers(-5, 400).map(lambda days: start + timedelta(days=days))),
        platforms=list(PLATFORMS)
        if nice
        else draw(
            st.integers(0, 9).map(lambda i: [[], ["meta"], ["google_ads"]][i] if i < 3 else list(PLATFORMS))
        ),
        locations=draw(
            st.lists(st.sampled_from(["US", "DE", "JP"]), min_size=1)
            if nice
            else st.lists(country, max_size=4)
        ),
        languages=draw(st.lists(st.sampled_from(["en", "de", "ja", ""]), max_size=3)),
        landing_page_url="https://shop.example.com/landing" if nice else draw(url),
        business=Business(name=draw(text), brand_voice=draw(st.none() | text)),
    )


def feasible(brief: Brief) -> bool:
    """What a rules strategy needs: a platform, a URL, a sane flight, a budget and, for Meta only, a country."""
    if not brief.platforms or not brief.landing_page_url.startswith(("http://", "https://")):
        return False
    if brief.budget.period == "total" and brief.end_date is not None and brief.end_date < brief.start_date:
        return False
    days = 1
    if brief.budget.period == "total":
        days = (brief.end_date - brief.start_date).days + 1 if brief.end_date else 30
    if brief.budget.amount_micros // days < 1_000_000:
        return False
    has_country = any(len(c) == 2 and c.isascii() and c.isalpha() and c.isupper() for c in brief.locations)
    return "google_ads" in brief.platforms or has_country


@PROPERTY
@given(brief=briefs())
def test_rules_strategy_never_breaks_a_limit(brief: Brief) -> None:
    try:
        strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
    except StrategyRejected as rejected:
        assert rejected.reasons
        assert not feasible(brief), rejected.reasons
        return
    assert check_strategy(strategy) == []
    assert strategy.generator == "rules"


keys = st.sampled_from(["a", "b", "", "c"])


def rsa() -> st.SearchStrategy[ResponsiveSearchAd]:
    return st.builds(
        ResponsiveSearchAd,
        key=keys,
        headlines=st.lists(text, max_size=20),
        descriptions=st.lists(text, max_size=6),
        path1=st.none() | text,
        path2=st.none() | text,
        final_url=url,
    )


google_plans = st.builds(
    GoogleAdsPlan,
    campaigns=st.lists(
        st.builds(
            GoogleSearchCampaign,
            key=keys,
            name=text,
            daily_budget_micros=st.integers(0, 10**9),
            bidding_strategy=st.sampled_from(
                ["MAXIMIZE_CONVERSIONS", "TARGET_CPA", "TARGET_ROAS", "MANUAL_CPC"]
            ),
            locations=st.lists(country, max_size=3),
            languages=st.lists(st.sampled_from(["en", "de"]), max_size=2),
            ad_groups=st.lists(
                st.builds(
                    GoogleAdGroup,
                    key=keys,
                    name=text,
                    keywords=st.lists(st.builds(Keyword, text=text), max_size=12),
                    ads=st.lists(rsa(), max_size=4),
                ),
                max_size=3,
            ),
        ),
        max_size=3,
    ),
)
meta_plans = st.builds(
    MetaPlan,
    campaigns=st.lists(
        st.builds(
            MetaCampaign,
            key=keys,
            name=text,
            objective=st.sampled_from(["OUTCOME_TRAFFIC", "OUTCOME_SALES"]),
            special_ad_categories=st.lists(st.sampled_from(["HOUSING", "NONE", "credit"]), max_size=2),
            ad_sets=st.lists(
                st.builds(
                    MetaAdSet,
                    key=keys,
                    name=text,
                    daily_budget_micros=st.integers(0, 10**9),
                    optimization_goal=st.sampled_from(["LINK_CLICKS", "REACH", "MAGIC"]),
                    billing_event=st.sampled_from(["IMPRESSIONS", "THOUGHTS"]),
                    targeting=st.builds(
                        MetaTargeting,
                        countries=st.lists(country, max_size=3),
                        age_min=st.integers(13, 65),
                        age_max=st.integers(13, 65),
                    ),
                    ads=st.lists(
                        st.builds(
                            MetaAd,
                            key=keys,
                            name=text,
                            primary_text=text,
                            headline=text,
                            description=st.none() | text,
                            link_url=url,
                        ),
                        max_size=3,
                    ),
                ),
                max_size=3,
            ),
        ),
        max_size=2,
    ),
)


@st.composite
def drafts(draw: st.DrawFn, brief: Brief) -> CampaignStrategy:
    return CampaignStrategy(
        strategy_id=uuid.uuid4(),
        brief_id=brief.brief_id,
        project_id=brief.project_id,
        version=1,
        generator="llm",
        objective=draw(text),
        kpis=[],
        audiences=[],
        currency=brief.budget.currency,
        daily_budget_micros=draw(st.integers(0, 10**9)),
        budget_split=draw(
            st.lists(
                st.builds(
                    BudgetAllocation,
                    platform=st.sampled_from(PLATFORMS),
                    campaign_key=keys,
                    daily_budget_micros=st.integers(0, 10**9),
                    share=st.floats(0, 1),
                ),
                max_size=3,
            )
        ),
        start_date=brief.start_date,
        google_ads=draw(st.none() | google_plans),
        meta=draw(st.none() | meta_plans),
    )


@PROPERTY
@given(data=st.data())
def test_repaired_strategy_never_breaks_a_limit(data: st.DataObject) -> None:
    brief = data.draw(briefs())
    draft = data.draw(drafts(brief))
    try:
        repaired = repair_strategy(draft, brief=brief).strategy
    except StrategyRejected as rejected:
        assert rejected.reasons
        return
    assert check_strategy(repaired) == []


@PROPERTY
@given(data=st.data())
def test_repair_of_any_draft_for_a_sound_brief_succeeds(data: st.DataObject) -> None:
    brief = data.draw(briefs(nice=True))
    draft = data.draw(drafts(brief).filter(lambda s: s.google_ads is not None or s.meta is not None))
    result = repair_strategy(draft, brief=brief)
    assert check_strategy(result.strategy) == []
    if check_strategy(draft):
        assert result.fixes


@PROPERTY
@given(data=st.data())
def test_any_model_draft_for_a_sound_brief_ends_valid(data: st.DataObject) -> None:
    """The LLM path: whatever well-formed JSON the model returns, assembled and repaired, is valid."""
    brief = data.draw(briefs(nice=True))
    draft = data.draw(st.builds(StrategyDraft))
    strategy = assemble(draft, brief=brief, strategy_id=uuid.uuid4(), version=1, model="m")
    repaired = repair_strategy(strategy, brief=brief).strategy
    assert check_strategy(repaired) == []
    assert repaired.generator == "llm"
