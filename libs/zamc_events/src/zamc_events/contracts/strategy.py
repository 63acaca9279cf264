"""Briefs in, campaign strategies out.

`CampaignStrategy` is the typed plan the orchestrator produces and the marketer edits: platform
neutral where it can be (objective, audiences, budget split, schedule), platform specific below
(`google_ads`, `meta`). Platform limits are checked by `zamc_events.platform_limits`, not here,
so that an over-long draft can still be represented, reported and repaired.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from zamc_events.contracts.base import Event
from zamc_events.contracts.common import AdAccount, AssetRef, CurrencyCode, Micros, Platform, Value

Goal = Literal["awareness", "traffic", "leads", "sales"]
BudgetPeriod = Literal["daily", "total"]
Generator = Literal["llm", "rules"]
KeywordMatchType = Literal["EXACT", "PHRASE", "BROAD"]
GoogleBiddingStrategy = Literal[
    "MAXIMIZE_CONVERSIONS", "MAXIMIZE_CLICKS", "TARGET_CPA", "TARGET_ROAS", "MANUAL_CPC"
]
MetaObjective = Literal[
    "OUTCOME_AWARENESS", "OUTCOME_TRAFFIC", "OUTCOME_ENGAGEMENT", "OUTCOME_LEADS", "OUTCOME_SALES"
]
MetaCallToAction = Literal[
    "LEARN_MORE", "SHOP_NOW", "SIGN_UP", "GET_OFFER", "CONTACT_US", "SUBSCRIBE", "BOOK_NOW"
]


class Business(Value):
    name: str
    website: str | None = None
    industry: str | None = None
    description: str | None = None
    brand_voice: str | None = None


class BriefBudget(Value):
    amount_micros: Micros
    currency: CurrencyCode
    period: BudgetPeriod


class Brief(Value):
    brief_id: uuid.UUID
    project_id: uuid.UUID
    product: str
    audience: str
    goal: Goal
    budget: BriefBudget
    start_date: date
    end_date: date | None = None
    platforms: list[Platform]
    locations: list[str] = Field(description="ISO 3166-1 alpha-2 country codes")
    languages: list[str] = Field(description="ISO 639-1 language codes")
    landing_page_url: str
    business: Business
    accounts: list[AdAccount] = Field(default=[], description="linked accounts the brief may deploy to")


class Keyword(Value):
    text: str
    match_type: KeywordMatchType = "PHRASE"


class ResponsiveSearchAd(Value):
    key: str
    headlines: list[str]
    descriptions: list[str]
    path1: str | None = None
    path2: str | None = None
    final_url: str


class GoogleAdGroup(Value):
    key: str
    name: str
    cpc_bid_micros: Micros | None = None
    keywords: list[Keyword]
    ads: list[ResponsiveSearchAd]


class GoogleSearchCampaign(Value):
    key: str
    name: str
    daily_budget_micros: Micros
    bidding_strategy: GoogleBiddingStrategy = "MAXIMIZE_CONVERSIONS"
    target_cpa_micros: Micros | None = None
    target_roas: float | None = None
    locations: list[str]
    languages: list[str]
    ad_groups: list[GoogleAdGroup]


class GoogleAdsPlan(Value):
    campaigns: list[GoogleSearchCampaign]


class MetaTargeting(Value):
    countries: list[str]
    age_min: int = Field(default=18, ge=13, le=65)
    age_max: int = Field(default=65, ge=13, le=65)
    genders: list[Literal["male", "female"]] = []
    interests: list[str] = []


class MetaAd(Value):
    key: str
    name: str
    primary_text: str
    headline: str
    description: str | None = None
    call_to_action: MetaCallToAction = "LEARN_MORE"
    link_url: str
    image: AssetRef | None = None


class MetaAdSet(Value):
    key: str
    name: str
    daily_budget_micros: Micros
    optimization_goal: str = "LINK_CLICKS"
    billing_event: str = "IMPRESSIONS"
    targeting: MetaTargeting
    ads: list[MetaAd]


class MetaCampaign(Value):
    key: str
    name: str
    objective: MetaObjective
    special_ad_categories: list[str] = []
    ad_sets: list[MetaAdSet]


class MetaPlan(Value):
    campaigns: list[MetaCampaign]


class Audience(Value):
    name: str
    description: str


class BudgetAllocation(Value):
    platform: Platform
    campaign_key: str
    daily_budget_micros: Micros
    share: float = Field(ge=0, le=1)


class CampaignStrategy(Value):
    strategy_id: uuid.UUID
    brief_id: uuid.UUID
    project_id: uuid.UUID
    version: int = Field(ge=1)
    generator: Generator
    model: str | None = Field(default=None, description="the LLM that drafted it, when generator is llm")
    objective: str
    kpis: list[str]
    audiences: list[Audience]
    currency: CurrencyCode
    daily_budget_micros: Micros
    budget_split: list[BudgetAllocation]
    start_date: date
    end_date: date | None = None
    google_ads: GoogleAdsPlan | None = None
    meta: MetaPlan | None = None
    rationale: str = ""
    warnings: list[str] = []


class StrategyRequested(Event):
    subject: ClassVar[str] = "zamc.strategy.requested.v1"
    brief: Brief


class StrategyProgress(Event):
    subject: ClassVar[str] = "zamc.strategy.progress.v1"
    brief_id: uuid.UUID
    step: str
    percent: int = Field(ge=0, le=100)
    message: str


class StrategyGenerated(Event):
    subject: ClassVar[str] = "zamc.strategy.generated.v1"
    strategy: CampaignStrategy


class StrategyFailed(Event):
    subject: ClassVar[str] = "zamc.strategy.failed.v1"
    brief_id: uuid.UUID
    reason: str


class StrategyRevised(Event):
    """A marketer's edit: a new version, already checked against platform limits by the gateway."""

    subject: ClassVar[str] = "zamc.strategy.revised.v1"
    strategy: CampaignStrategy
    revised_by: uuid.UUID


class StrategyApproved(Event):
    subject: ClassVar[str] = "zamc.strategy.approved.v1"
    strategy_id: uuid.UUID
    version: int
    approved_by: uuid.UUID
