"""Deterministic repair: whatever still breaks a platform limit after the model's repair rounds is
fixed here (copy trimmed at word boundaries, missing headlines and descriptions padded from
templates, bad keywords cleaned or dropped, budgets re-split) or the strategy is rejected with
reasons. A strategy that breaks a limit never leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zamc_events.contracts.strategy import (
    Brief,
    CampaignStrategy,
    GoogleAdGroup,
    GoogleAdsPlan,
    GoogleSearchCampaign,
    Keyword,
    MetaAd,
    MetaAdSet,
    MetaCampaign,
    MetaPlan,
    ResponsiveSearchAd,
)
from zamc_events.platform_limits import META, check_strategy
from zamc_orchestrator.domain import budget, copywriting, fitting, rules_strategist
from zamc_orchestrator.domain.errors import StrategyRejected

MAX_ADS_PER_AD_GROUP = 3
MAX_ADS_PER_AD_SET = 50


@dataclass
class Repaired:
    strategy: CampaignStrategy
    fixes: list[str] = field(default_factory=list)


class _Repairer:
    def __init__(self, brief: Brief) -> None:
        self.brief = brief
        self.notes: list[str] = []
        self.headline_padding = [*copywriting.headlines(brief), *copywriting.GENERIC_HEADLINES]
        self.description_padding = [*copywriting.descriptions(brief), *copywriting.GENERIC_DESCRIPTIONS]

    def final_url(self, value: str) -> str:
        url = fitting.url(value, self.brief.landing_page_url)
        if url is None:
            raise StrategyRejected(["The landing page URL must start with http:// or https://."])
        return url

    # --- Google ---------------------------------------------------------------------------
    def google(self, plan: GoogleAdsPlan) -> GoogleAdsPlan:
        campaigns = [self.google_campaign(c) for c in plan.campaigns]
        campaigns = [c for c in campaigns if c.ad_groups]
        if not campaigns:
            self.notes.append("The Google Ads plan had no usable campaign; one was built from the brief.")
            campaigns = [rules_strategist.google_campaign(self.brief)]
        names = fitting.unique_names([c.name for c in campaigns])
        return GoogleAdsPlan(
            campaigns=[c.model_copy(update={"name": n}) for c, n in zip(campaigns, names, strict=True)]
        )

    def google_campaign(self, c: GoogleSearchCampaign) -> GoogleSearchCampaign:
        bidding = c.bidding_strategy
        if (bidding == "TARGET_CPA" and not c.target_cpa_micros) or (
            bidding == "TARGET_ROAS" and not c.target_roas
        ):
            bidding = "MAXIMIZE_CONVERSIONS"
        groups = [self.google_ad_group(g) for g in c.ad_groups]
        names = fitting.unique_names([g.name for g in groups])
        return c.model_copy(
            update={
                "name": fitting.name(c.name, "Search campaign"),
                "bidding_strategy": bidding,
                "locations": fitting.countries(c.locations),
                "ad_groups": [g.model_copy(update={"name": n}) for g, n in zip(groups, names, strict=True)],
            }
        )

    def google_ad_group(self, g: GoogleAdGroup) -> GoogleAdGroup:
        keywords: list[Keyword] = []
        seen: set[str] = set()
        for kw in g.keywords:
            text = fitting.keyword(kw.text)
            if text and text.casefold() not in seen:
                seen.add(text.casefold())
                keywords.append(kw.model_copy(update={"text": text}))
        if not keywords:
            keywords = [Keyword(text=t) for t in fitting.keywords(copywriting.keywords(self.brief))[:20]]
        if not keywords:
            keywords = [Keyword(text="offer")]
        ads = [self.google_ad(ad) for ad in g.ads[:MAX_ADS_PER_AD_GROUP]]
        if not ads:
            template = rules_strategist.google_campaign(self.brief).ad_groups[0].ads[0]
            ads = [template.model_copy(update={"key": f"{g.key}-ad-1"})]
        return g.model_copy(
            update={"name": fitting.name(g.name, "Ad group"), "keywords": keywords, "ads": ads}
        )

    def google_ad(self, ad: ResponsiveSearchAd) -> ResponsiveSearchAd:
        path1, path2 = fitting.paths(ad.path1, ad.path2)
        return ad.model_copy(
            update={
                "headlines": fitting.headlines(ad.headlines, self.headline_padding),
                "descriptions": fitting.descriptions(ad.descriptions, self.description_padding),
                "path1": path1,
                "path2": path2,
                "final_url": self.final_url(ad.final_url),
            }
        )

    # --- Meta -----------------------------------------------------------------------------
    def meta(self, plan: MetaPlan) -> MetaPlan:
        campaigns = [self.meta_campaign(c) for c in plan.campaigns]
        campaigns = [c for c in campaigns if c.ad_sets]
        if not campaigns:
            self.notes.append("The Meta plan had no usable campaign; one was built from the brief.")
            campaigns = [rules_strategist.meta_campaign(self.brief)]
        return MetaPlan(campaigns=campaigns)

    def meta_campaign(self, c: MetaCampaign) -> MetaCampaign:
        categories = [
            cat for cat in dict.fromkeys(c.special_ad_categories) if cat in META.special_ad_categories
        ]
        ad_sets = [a for a in (self.meta_ad_set(a) for a in c.ad_sets) if a is not None]
        return c.model_copy(
            update={
                "name": fitting.name(c.name, "Meta campaign", META.name_length),
                "special_ad_categories": categories,
                "ad_sets": ad_sets,
            }
        )

    def meta_ad_set(self, a: MetaAdSet) -> MetaAdSet | None:
        t = a.targeting
        countries = fitting.countries(t.countries) or fitting.countries(self.brief.locations)
        if not countries:
            return None
        age_min, age_max = sorted((fitting.age(t.age_min), fitting.age(t.age_max)))
        goal = a.optimization_goal
        if goal not in META.optimization_goals:
            goal = rules_strategist.META_OPTIMIZATION_GOAL[self.brief.goal]
        ads = [self.meta_ad(ad) for ad in a.ads[:MAX_ADS_PER_AD_SET]]
        if not ads:
            template = rules_strategist.meta_campaign(self.brief).ad_sets[0].ads[0]
            ads = [template.model_copy(update={"key": f"{a.key}-ad-1"})]
        return a.model_copy(
            update={
                "name": fitting.name(a.name, "Ad set", META.name_length),
                "optimization_goal": goal,
                "billing_event": a.billing_event if a.billing_event in META.billing_events else "IMPRESSIONS",
                "targeting": t.model_copy(
                    update={"countries": countries, "age_min": age_min, "age_max": age_max}
                ),
                "ads": ads,
            }
        )

    def meta_ad(self, ad: MetaAd) -> MetaAd:
        primary, headline, _ = copywriting.meta_copy(self.brief)
        return ad.model_copy(
            update={
                "name": fitting.name(ad.name, "Ad", META.name_length),
                "primary_text": fitting.meta_primary_text(ad.primary_text, primary),
                "headline": fitting.meta_headline(ad.headline, headline),
                "description": fitting.meta_description(ad.description),
                "link_url": self.final_url(ad.link_url),
            }
        )


def _rekeyed(strategy: CampaignStrategy) -> CampaignStrategy:
    """Every object keyed by its position, so keys are unique and never empty."""
    update: dict[str, object] = {}
    if strategy.google_ads is not None:
        campaigns = []
        for i, c in enumerate(strategy.google_ads.campaigns, 1):
            ck = f"google-{i}"
            groups = []
            for j, g in enumerate(c.ad_groups, 1):
                gk = f"{ck}-ad-group-{j}"
                ads = [ad.model_copy(update={"key": f"{gk}-ad-{k}"}) for k, ad in enumerate(g.ads, 1)]
                groups.append(g.model_copy(update={"key": gk, "ads": ads}))
            campaigns.append(c.model_copy(update={"key": ck, "ad_groups": groups}))
        update["google_ads"] = GoogleAdsPlan(campaigns=campaigns)
    if strategy.meta is not None:
        campaigns_m = []
        for i, c in enumerate(strategy.meta.campaigns, 1):
            ck = f"meta-{i}"
            sets = []
            for j, a in enumerate(c.ad_sets, 1):
                ak = f"{ck}-ad-set-{j}"
                ads_m = [ad.model_copy(update={"key": f"{ak}-ad-{k}"}) for k, ad in enumerate(a.ads, 1)]
                sets.append(a.model_copy(update={"key": ak, "ads": ads_m}))
            campaigns_m.append(c.model_copy(update={"key": ck, "ad_sets": sets}))
        update["meta"] = MetaPlan(campaigns=campaigns_m)
    return strategy.model_copy(update=update)


def repair_strategy(strategy: CampaignStrategy, *, brief: Brief) -> Repaired:
    """`strategy` within every platform limit, with a note per fix; raises StrategyRejected otherwise.

    A strategy that already passes comes back unchanged. Platforms the brief did not ask for are
    removed; a requested platform the strategy lacks is not added (that is the caller's choice).
    """
    before = check_strategy(strategy)
    if not before:
        return Repaired(strategy)
    fixer = _Repairer(brief)
    google, meta = strategy.google_ads, strategy.meta
    reasons: list[str] = []
    if google is not None and "google_ads" not in brief.platforms:
        google = None
        fixer.notes.append("Removed the Google Ads plan: the brief does not ask for Google Ads.")
    if meta is not None and "meta" not in brief.platforms:
        meta = None
        fixer.notes.append("Removed the Meta plan: the brief does not ask for Meta.")
    try:
        google = fixer.google(google) if google is not None else None
    except StrategyRejected as rejected:
        reasons += rejected.reasons
        google = None
    try:
        meta = fixer.meta(meta) if meta is not None else None
    except StrategyRejected as rejected:
        reasons += rejected.reasons
        meta = None
    if google is None and meta is None:
        raise StrategyRejected(reasons or ["The strategy has no platform plan that can be made valid."])
    fixer.notes += [f"Left out a platform: {reason}" for reason in reasons]
    repaired = strategy.model_copy(update={"google_ads": google, "meta": meta})
    if any(v.rule.startswith("strategy.key") for v in check_strategy(repaired)):
        repaired = _rekeyed(repaired)
    total, _ = budget.daily_budget_micros(brief.budget, start=brief.start_date, end=brief.end_date)
    repaired, dropped = budget.apply_budget(
        repaired, total_micros=total, goal=brief.goal, keep_current_split=True
    )
    fixer.notes += dropped
    after = check_strategy(repaired)
    if after:
        raise StrategyRejected([str(v) for v in after])
    fixes = [f"{v.path}: {v.message}" for v in before] + fixer.notes
    summary = f"{len(before)} field(s) broke platform limits and were fixed automatically."
    return Repaired(
        repaired.model_copy(update={"warnings": [*repaired.warnings, summary, *fixer.notes]}), fixes
    )
