"""A deterministic strategist: a valid strategy from the brief alone, without a language model.

Keywords come from the product and audience words, copy from templates fitted to the limits, the
budget is split by goal and platform. Used when no model is configured or none answers, and to
fill a platform a model's draft left out. Every result passes `check_strategy`.
"""

from __future__ import annotations

import uuid

from zamc_events.contracts.common import Platform
from zamc_events.contracts.strategy import (
    Audience,
    Brief,
    CampaignStrategy,
    Goal,
    GoogleAdGroup,
    GoogleAdsPlan,
    GoogleBiddingStrategy,
    GoogleSearchCampaign,
    Keyword,
    MetaAd,
    MetaAdSet,
    MetaCampaign,
    MetaObjective,
    MetaPlan,
    MetaTargeting,
    ResponsiveSearchAd,
)
from zamc_events.platform_limits import META
from zamc_orchestrator.domain import budget, copywriting, fitting
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.text import clean, fit

META_OBJECTIVE: dict[Goal, MetaObjective] = {
    "awareness": "OUTCOME_AWARENESS",
    "traffic": "OUTCOME_TRAFFIC",
    "leads": "OUTCOME_LEADS",
    "sales": "OUTCOME_SALES",
}
META_OPTIMIZATION_GOAL: dict[Goal, str] = {
    "awareness": "REACH",
    "traffic": "LINK_CLICKS",
    "leads": "LINK_CLICKS",
    "sales": "LINK_CLICKS",
}
GOOGLE_BIDDING: dict[Goal, GoogleBiddingStrategy] = {
    "awareness": "MAXIMIZE_CLICKS",
    "traffic": "MAXIMIZE_CLICKS",
    "leads": "MAXIMIZE_CONVERSIONS",
    "sales": "MAXIMIZE_CONVERSIONS",
}
KPIS: dict[Goal, list[str]] = {
    "awareness": ["impressions", "reach", "cost per thousand impressions (CPM)"],
    "traffic": ["clicks", "click-through rate (CTR)", "cost per click (CPC)"],
    "leads": ["conversions", "cost per lead", "conversion rate"],
    "sales": ["conversions", "return on ad spend (ROAS)", "cost per acquisition (CPA)"],
}
OBJECTIVE: dict[Goal, str] = {
    "awareness": "Make {audience} aware of {product}",
    "traffic": "Bring {audience} to the website for {product}",
    "leads": "Win leads for {product} from {audience}",
    "sales": "Sell {product} to {audience}",
}


def product_name(brief: Brief) -> str:
    return fit(brief.product, 60) or fit(brief.business.name, 60) or "Offer"


def google_campaign(brief: Brief, *, key: str = "google-1") -> GoogleSearchCampaign:
    url = fitting.url(brief.landing_page_url, "")
    if url is None:
        raise StrategyRejected(["The landing page URL must start with http:// or https://."])
    product = product_name(brief)
    path1, path2 = fitting.paths(brief.product, brief.goal)
    ad = ResponsiveSearchAd(
        key=f"{key}-ad-group-1-ad-1",
        headlines=fitting.headlines(copywriting.headlines(brief), copywriting.GENERIC_HEADLINES),
        descriptions=fitting.descriptions(copywriting.descriptions(brief), copywriting.GENERIC_DESCRIPTIONS),
        path1=path1,
        path2=path2,
        final_url=url,
    )
    keyword_texts = fitting.keywords(copywriting.keywords(brief))[:20] or ["offer"]
    group = GoogleAdGroup(
        key=f"{key}-ad-group-1",
        name=fitting.name(f"{product} - core", "Core"),
        keywords=[Keyword(text=text, match_type="PHRASE") for text in keyword_texts],
        ads=[ad],
    )
    return GoogleSearchCampaign(
        key=key,
        name=fitting.name(f"{clean(brief.business.name)} - {product} - Search", "Search"),
        daily_budget_micros=0,
        bidding_strategy=GOOGLE_BIDDING[brief.goal],
        locations=fitting.countries(brief.locations),
        languages=[clean(code).lower() for code in brief.languages if clean(code)],
        ad_groups=[group],
    )


def meta_campaign(brief: Brief, *, key: str = "meta-1") -> MetaCampaign:
    url = fitting.url(brief.landing_page_url, "")
    if url is None:
        raise StrategyRejected(["The landing page URL must start with http:// or https://."])
    countries = fitting.countries(brief.locations)
    if not countries:
        raise StrategyRejected(["Meta ads need at least one target country; the brief names none."])
    product = product_name(brief)
    primary, headline, description = copywriting.meta_copy(brief)
    ad = MetaAd(
        key=f"{key}-ad-set-1-ad-1",
        name=fitting.name(f"{product} - ad 1", "Ad 1", META.name_length),
        primary_text=primary,
        headline=headline,
        description=description,
        call_to_action=copywriting.CALL_TO_ACTION[brief.goal],
        link_url=url,
    )
    ad_set = MetaAdSet(
        key=f"{key}-ad-set-1",
        name=fitting.name(f"{product} - broad", "Broad", META.name_length),
        daily_budget_micros=0,
        optimization_goal=META_OPTIMIZATION_GOAL[brief.goal],
        billing_event="IMPRESSIONS",
        targeting=MetaTargeting(countries=countries, age_min=META.age_min, age_max=META.age_max),
        ads=[ad],
    )
    return MetaCampaign(
        key=key,
        name=fitting.name(f"{clean(brief.business.name)} - {product} - Meta", "Meta", META.name_length),
        objective=META_OBJECTIVE[brief.goal],
        special_ad_categories=[],
        ad_sets=[ad_set],
    )


def build_strategy(*, brief: Brief, strategy_id: uuid.UUID, version: int = 1) -> CampaignStrategy:
    """A valid strategy for `brief` with `generator="rules"`; raises StrategyRejected when none can be.

    A platform that cannot be served (Meta without a country, a budget too small for both) is left
    out with a warning; the brief is rejected only when no platform remains.
    """
    total, warnings = budget.daily_budget_micros(brief.budget, start=brief.start_date, end=brief.end_date)
    platforms: list[Platform] = list(dict.fromkeys(brief.platforms))
    if not platforms:
        raise StrategyRejected(["The brief names no platform."])
    google, meta, reasons = None, None, []
    for platform in platforms:
        try:
            if platform == "google_ads":
                google = GoogleAdsPlan(campaigns=[google_campaign(brief)])
            else:
                meta = MetaPlan(campaigns=[meta_campaign(brief)])
        except StrategyRejected as rejected:
            reasons += rejected.reasons
    if google is None and meta is None:
        raise StrategyRejected(reasons)
    warnings += [f"Left out a platform: {reason}" for reason in reasons]
    values = {"audience": clean(brief.audience) or "your audience", "product": product_name(brief)}
    strategy = CampaignStrategy(
        strategy_id=strategy_id,
        brief_id=brief.brief_id,
        project_id=brief.project_id,
        version=version,
        generator="rules",
        objective=fit(OBJECTIVE[brief.goal].format(**values), 300),
        kpis=KPIS[brief.goal],
        audiences=[Audience(name=fit(values["audience"], 60), description=fit(values["audience"], 500))],
        currency=brief.budget.currency,
        daily_budget_micros=total,
        budget_split=[],
        start_date=brief.start_date,
        end_date=brief.end_date,
        google_ads=google,
        meta=meta,
        rationale=f"Built by rules from the brief: {brief.goal} goal, budget split by goal across "
        f"{', '.join(p for p in platforms)}.",
        warnings=warnings,
    )
    strategy, dropped = budget.apply_budget(strategy, total_micros=total, goal=brief.goal)
    return strategy.model_copy(update={"warnings": [*strategy.warnings, *dropped]})
