"""What the language model drafts (`StrategyDraft`) and how code turns it into a `CampaignStrategy`.

The model fills the creative and structural part: copy, keywords, ad groups and ad sets, relative
budget shares, ages. Code fills the rest from the brief and keeps the model away from it: ids,
version, keys, budget micros, currency, dates, URLs, countries, languages and the Meta objective.
Every field is required (nullable where optional) so the JSON schema works in strict mode.
"""

from __future__ import annotations

import math
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from zamc_events.contracts.strategy import (
    Audience,
    Brief,
    CampaignStrategy,
    GoogleAdGroup,
    GoogleAdsPlan,
    GoogleSearchCampaign,
    Keyword,
    KeywordMatchType,
    MetaAd,
    MetaAdSet,
    MetaCallToAction,
    MetaCampaign,
    MetaPlan,
    MetaTargeting,
    ResponsiveSearchAd,
)
from zamc_orchestrator.domain import budget, fitting, rules_strategist


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftKeyword(_Draft):
    text: str
    match_type: KeywordMatchType


class DraftSearchAd(_Draft):
    headlines: list[str]
    descriptions: list[str]
    path1: str | None
    path2: str | None


class DraftAdGroup(_Draft):
    name: str
    keywords: list[DraftKeyword]
    ads: list[DraftSearchAd]


class DraftSearchCampaign(_Draft):
    name: str
    budget_share: float
    bidding_strategy: Literal["MAXIMIZE_CONVERSIONS", "MAXIMIZE_CLICKS"]
    ad_groups: list[DraftAdGroup]


class DraftGooglePlan(_Draft):
    campaigns: list[DraftSearchCampaign]


class DraftMetaAd(_Draft):
    name: str
    primary_text: str
    headline: str
    description: str | None
    call_to_action: MetaCallToAction


class DraftAdSet(_Draft):
    name: str
    budget_share: float
    age_min: int
    age_max: int
    genders: list[Literal["male", "female"]]
    interests: list[str]
    ads: list[DraftMetaAd]


class DraftMetaCampaign(_Draft):
    name: str
    special_ad_categories: list[str]
    ad_sets: list[DraftAdSet]


class DraftMetaPlan(_Draft):
    campaigns: list[DraftMetaCampaign]


class DraftAudience(_Draft):
    name: str
    description: str


class StrategyDraft(_Draft):
    """The part of a strategy the language model writes."""

    objective: str
    kpis: list[str]
    audiences: list[DraftAudience]
    rationale: str
    google_ads: DraftGooglePlan | None
    meta: DraftMetaPlan | None


def _share(value: float) -> float:
    return value if math.isfinite(value) and value > 0 else 0.0


def _google(draft: DraftGooglePlan, brief: Brief, weights: dict[str, float]) -> GoogleAdsPlan:
    campaigns = []
    for i, c in enumerate(draft.campaigns, 1):
        key = f"google-{i}"
        weights[key] = _share(c.budget_share)
        groups = []
        for j, g in enumerate(c.ad_groups, 1):
            group_key = f"{key}-ad-group-{j}"
            ads = [
                ResponsiveSearchAd(
                    key=f"{group_key}-ad-{k}",
                    headlines=ad.headlines,
                    descriptions=ad.descriptions,
                    path1=ad.path1 or None,
                    path2=ad.path2 or None,
                    final_url=brief.landing_page_url,
                )
                for k, ad in enumerate(g.ads, 1)
            ]
            keywords = [Keyword(text=kw.text, match_type=kw.match_type) for kw in g.keywords]
            groups.append(GoogleAdGroup(key=group_key, name=g.name, keywords=keywords, ads=ads))
        campaigns.append(
            GoogleSearchCampaign(
                key=key,
                name=c.name,
                daily_budget_micros=0,
                bidding_strategy=c.bidding_strategy,
                locations=fitting.countries(brief.locations),
                languages=[code.strip().lower() for code in brief.languages if code.strip()],
                ad_groups=groups,
            )
        )
    return GoogleAdsPlan(campaigns=campaigns)


def _meta(draft: DraftMetaPlan, brief: Brief, weights: dict[str, float]) -> MetaPlan:
    countries = fitting.countries(brief.locations)
    campaigns = []
    for i, c in enumerate(draft.campaigns, 1):
        key = f"meta-{i}"
        ad_sets = []
        shares = [_share(a.budget_share) for a in c.ad_sets]
        for j, a in enumerate(c.ad_sets, 1):
            set_key = f"{key}-ad-set-{j}"
            weights[set_key] = shares[j - 1] if sum(shares) > 0 else 1.0
            ads = [
                MetaAd(
                    key=f"{set_key}-ad-{k}",
                    name=ad.name,
                    primary_text=ad.primary_text,
                    headline=ad.headline,
                    description=ad.description or None,
                    call_to_action=ad.call_to_action,
                    link_url=brief.landing_page_url,
                )
                for k, ad in enumerate(a.ads, 1)
            ]
            targeting = MetaTargeting(
                countries=countries,
                age_min=fitting.age(a.age_min),
                age_max=fitting.age(a.age_max),
                genders=list(dict.fromkeys(a.genders)) if len(set(a.genders)) == 1 else [],
                interests=[i for i in a.interests if i.strip()][:25],
            )
            ad_sets.append(
                MetaAdSet(
                    key=set_key,
                    name=a.name,
                    daily_budget_micros=0,
                    optimization_goal=rules_strategist.META_OPTIMIZATION_GOAL[brief.goal],
                    billing_event="IMPRESSIONS",
                    targeting=targeting,
                    ads=ads,
                )
            )
        campaigns.append(
            MetaCampaign(
                key=key,
                name=c.name,
                objective=rules_strategist.META_OBJECTIVE[brief.goal],
                special_ad_categories=list(c.special_ad_categories),
                ad_sets=ad_sets,
            )
        )
    return MetaPlan(campaigns=campaigns)


def assemble(
    draft: StrategyDraft, *, brief: Brief, strategy_id: uuid.UUID, version: int, model: str | None
) -> CampaignStrategy:
    """The strategy a draft describes, completed from the brief; not yet checked against limits.

    A platform the brief asks for and the draft leaves out is built by the rules strategist (with a
    warning); a platform the brief does not ask for is dropped. Raises StrategyRejected when the
    budget cannot pay a single campaign.
    """
    total, warnings = budget.daily_budget_micros(brief.budget, start=brief.start_date, end=brief.end_date)
    weights: dict[str, float] = {}
    google = meta = None
    if "google_ads" in brief.platforms:
        if draft.google_ads and draft.google_ads.campaigns:
            google = _google(draft.google_ads, brief, weights)
        else:
            google = GoogleAdsPlan(campaigns=[rules_strategist.google_campaign(brief)])
            warnings.append(
                "The model drafted no Google Ads campaign; one was built by rules from the brief."
            )
    if "meta" in brief.platforms:
        if draft.meta and draft.meta.campaigns:
            meta = _meta(draft.meta, brief, weights)
        elif fitting.countries(brief.locations):
            meta = MetaPlan(campaigns=[rules_strategist.meta_campaign(brief)])
            warnings.append("The model drafted no Meta campaign; one was built by rules from the brief.")
    strategy = CampaignStrategy(
        strategy_id=strategy_id,
        brief_id=brief.brief_id,
        project_id=brief.project_id,
        version=version,
        generator="llm",
        model=model,
        objective=draft.objective,
        kpis=draft.kpis,
        audiences=[Audience(name=a.name, description=a.description) for a in draft.audiences],
        currency=brief.budget.currency,
        daily_budget_micros=total,
        budget_split=[],
        start_date=brief.start_date,
        end_date=brief.end_date,
        google_ads=google,
        meta=meta,
        rationale=draft.rationale,
        warnings=warnings,
    )
    strategy, dropped = budget.apply_budget(strategy, total_micros=total, goal=brief.goal, weights=weights)
    return strategy.model_copy(update={"warnings": [*strategy.warnings, *dropped]})
