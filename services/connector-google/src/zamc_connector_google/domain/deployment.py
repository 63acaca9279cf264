"""The plan of one Google Ads deployment: every object, its idempotency key and temporary id.

A campaign tree (budget → campaign → ad groups → keywords and responsive search ads → location
and language criteria) is created in one atomic `GoogleAdsService.Mutate`; objects refer to their
parents by temporary (negative) resource ids. The plan is plain data: the SDK adapter turns it
into operations, and maps the response (one result per operation, in order) back onto it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from zamc_connector_google.domain.keys import object_key, tag_for, tagged_name
from zamc_connector_google.domain.targeting import geo_target_constant, language_constant
from zamc_events.contracts.campaign import ObjectKind, PlatformObject
from zamc_events.contracts.strategy import GoogleBiddingStrategy, GoogleSearchCampaign, KeywordMatchType

# Currencies without minor units: budgets are whole units there.
WHOLE_UNIT_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "HUF", "TWD", "VND", "IDR", "COP"})


def budget_unit_micros(currency: str) -> int:
    return 1_000_000 if currency in WHOLE_UNIT_CURRENCIES else 10_000


def whole_units(amount_micros: int, currency: str) -> int:
    """Money as Google Ads takes it: rounded down to the currency's smallest unit, at least one unit."""
    unit = budget_unit_micros(currency)
    return max(amount_micros // unit * unit, unit)


@dataclass(frozen=True, slots=True)
class BudgetSpec:
    name: str
    amount_micros: int


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    name: str
    bidding_strategy: GoogleBiddingStrategy
    target_cpa_micros: int | None = None
    target_roas: float | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True, slots=True)
class AdGroupSpec:
    name: str
    cpc_bid_micros: int | None = None


@dataclass(frozen=True, slots=True)
class KeywordSpec:
    text: str
    match_type: KeywordMatchType


@dataclass(frozen=True, slots=True)
class AdSpec:
    headlines: tuple[str, ...]
    descriptions: tuple[str, ...]
    final_url: str
    path1: str | None = None
    path2: str | None = None


@dataclass(frozen=True, slots=True)
class CriterionSpec:
    kind: Literal["location", "language"]
    constant: str  # "geoTargetConstants/2276" or "languageConstants/1001"


Spec = BudgetSpec | CampaignSpec | AdGroupSpec | KeywordSpec | AdSpec | CriterionSpec


@dataclass(frozen=True, slots=True)
class PlannedObject:
    kind: ObjectKind
    idempotency_key: str
    strategy_key: str  # which strategy object it comes from, e.g. "spring/brand/kw:0"
    temp_id: int
    parent_key: str | None
    spec: Spec


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    """One campaign and everything below it: created in one atomic mutate, found again by `tag`."""

    campaign_key: str
    idempotency_key: str
    tag: str
    objects: tuple[PlannedObject, ...]

    def of_kind(self, kind: ObjectKind) -> list[PlannedObject]:
        return [o for o in self.objects if o.kind == kind]

    @property
    def campaign(self) -> PlannedObject:
        return self.of_kind("campaign")[0]

    @property
    def budget(self) -> PlannedObject:
        return self.of_kind("budget")[0]


@dataclass(frozen=True, slots=True)
class DeploymentPlan:
    campaigns: tuple[CampaignPlan, ...]

    @property
    def objects(self) -> list[PlannedObject]:
        return [o for c in self.campaigns for o in c.objects]


@dataclass
class _TempIds:
    next_id: int = -1

    def take(self) -> int:
        value = self.next_id
        self.next_id -= 1
        return value


def plan_deployment(
    *,
    campaigns: Sequence[GoogleSearchCampaign],
    key_prefix: str,
    currency: str,
    start_date: date | None = None,
    end_date: date | None = None,
) -> DeploymentPlan:
    """Raises `UnknownTargetError` for a location or language without a Google constant."""
    temp = _TempIds()
    plans = []
    for campaign in campaigns:
        objects: list[PlannedObject] = []
        campaign_key = object_key(key_prefix, campaign.key)
        budget_key = object_key(campaign_key, "budget")
        amount = whole_units(campaign.daily_budget_micros, currency)
        objects.append(
            PlannedObject(
                "budget",
                budget_key,
                f"{campaign.key}/budget",
                temp.take(),
                None,
                BudgetSpec(tagged_name(f"{campaign.name} budget", budget_key), amount),
            )
        )
        objects.append(
            PlannedObject(
                "campaign",
                campaign_key,
                campaign.key,
                temp.take(),
                budget_key,
                CampaignSpec(
                    name=tagged_name(campaign.name, campaign_key),
                    bidding_strategy=campaign.bidding_strategy,
                    target_cpa_micros=campaign.target_cpa_micros,
                    target_roas=campaign.target_roas,
                    start_date=start_date,
                    end_date=end_date,
                ),
            )
        )
        for group in campaign.ad_groups:
            group_key = object_key(campaign_key, group.key)
            objects.append(
                PlannedObject(
                    "ad_group",
                    group_key,
                    f"{campaign.key}/{group.key}",
                    temp.take(),
                    campaign_key,
                    AdGroupSpec(tagged_name(group.name, group_key), group.cpc_bid_micros),
                )
            )
            for i, keyword in enumerate(group.keywords):
                objects.append(
                    PlannedObject(
                        "keyword",
                        object_key(group_key, f"kw{i}"),
                        f"{campaign.key}/{group.key}/keywords/{i}",
                        temp.take(),
                        group_key,
                        KeywordSpec(keyword.text, keyword.match_type),
                    )
                )
            for ad in group.ads:
                objects.append(
                    PlannedObject(
                        "ad",
                        object_key(group_key, ad.key),
                        f"{campaign.key}/{group.key}/{ad.key}",
                        temp.take(),
                        group_key,
                        AdSpec(tuple(ad.headlines), tuple(ad.descriptions), ad.final_url, ad.path1, ad.path2),
                    )
                )
        for country in _unique(campaign.locations):
            objects.append(
                PlannedObject(
                    "criterion",
                    object_key(campaign_key, f"location:{country.upper()}"),
                    f"{campaign.key}/locations/{country.upper()}",
                    temp.take(),
                    campaign_key,
                    CriterionSpec("location", geo_target_constant(country)),
                )
            )
        for language in _unique(campaign.languages):
            objects.append(
                PlannedObject(
                    "criterion",
                    object_key(campaign_key, f"language:{language.lower()}"),
                    f"{campaign.key}/languages/{language.lower()}",
                    temp.take(),
                    campaign_key,
                    CriterionSpec("language", language_constant(language)),
                )
            )
        plans.append(CampaignPlan(campaign.key, campaign_key, tag_for(campaign_key), tuple(objects)))
    return DeploymentPlan(tuple(plans))


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value.strip().lower(), None)
    return [v for v in seen if v]


# ----- resource names and platform ids ----------------------------------------------------------
COLLECTIONS: dict[ObjectKind, str] = {
    "budget": "campaignBudgets",
    "campaign": "campaigns",
    "ad_group": "adGroups",
    "keyword": "adGroupCriteria",
    "ad": "adGroupAds",
    "criterion": "campaignCriteria",
}


def temporary_resource_name(customer_id: str, item: PlannedObject) -> str:
    return f"customers/{customer_id}/{COLLECTIONS[item.kind]}/{item.temp_id}"


def platform_id(kind: ObjectKind, resource_name: str) -> str:
    """The id ZAMC reports for an object: the numeric id; for ads the ad id (as metrics report it);
    for criteria Google's composite `<parent>~<criterion>` id."""
    last = resource_name.rsplit("/", 1)[-1]
    if kind == "ad":
        return last.rsplit("~", 1)[-1]
    return last


@dataclass(frozen=True, slots=True)
class CreatedObject:
    item: PlannedObject
    resource_name: str


@dataclass
class DeploymentResult:
    created: list[CreatedObject] = field(default_factory=list)

    def platform_objects(self) -> list[PlatformObject]:
        by_key = {c.item.idempotency_key: c for c in self.created}
        out = []
        for c in self.created:
            parent = by_key.get(c.item.parent_key or "")
            out.append(
                PlatformObject(
                    idempotency_key=c.item.idempotency_key,
                    kind=c.item.kind,
                    strategy_key=c.item.strategy_key,
                    platform_id=platform_id(c.item.kind, c.resource_name),
                    parent_platform_id=platform_id(parent.item.kind, parent.resource_name)
                    if parent
                    else None,
                )
            )
        return out

    def campaign_ids(self) -> list[str]:
        return [platform_id("campaign", c.resource_name) for c in self.created if c.item.kind == "campaign"]


# ----- finding a campaign tree again after a crash ------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExistingTree:
    """What the platform holds for one tagged campaign (read back with GAQL)."""

    campaign: str  # resource names
    budget: str
    ad_groups: dict[str, str]  # name -> resource name
    keywords: list[tuple[str, str, str, str]]  # (ad group resource, text, match type, resource)
    ads: list[tuple[str, int, str]]  # (ad group resource, ad id, resource), any order
    criteria: dict[str, str]  # constant -> resource name


class IncompleteTreeError(ValueError):
    """The tagged campaign exists but lacks objects of the plan (it was edited on the platform)."""


def match_existing(plan: CampaignPlan, tree: ExistingTree) -> list[CreatedObject]:
    """Maps every planned object onto the platform object created for it (atomic mutate: all exist)."""
    resources: dict[str, str] = {
        plan.budget.idempotency_key: tree.budget,
        plan.idempotency_key: tree.campaign,
    }
    missing: list[str] = []
    for item in plan.objects:
        if item.kind == "ad_group":
            assert isinstance(item.spec, AdGroupSpec)
            found = tree.ad_groups.get(item.spec.name)
            if found is None:
                missing.append(item.strategy_key)
            else:
                resources[item.idempotency_key] = found
    keyword_pool = list(tree.keywords)
    ads_by_group: dict[str, list[tuple[int, str]]] = {}
    for group, ad_id, resource in sorted(tree.ads, key=lambda a: a[1]):
        ads_by_group.setdefault(group, []).append((ad_id, resource))
    for item in plan.objects:
        group_resource = resources.get(item.parent_key or "")
        if item.kind == "keyword" and group_resource:
            assert isinstance(item.spec, KeywordSpec)
            spec = item.spec
            match = next(
                (
                    k
                    for k in keyword_pool
                    if k[0] == group_resource and k[1] == spec.text and k[2] == spec.match_type
                ),
                None,
            )
            if match is None:
                missing.append(item.strategy_key)
            else:
                keyword_pool.remove(match)
                resources[item.idempotency_key] = match[3]
        elif item.kind == "ad" and group_resource:
            queue = ads_by_group.get(group_resource, [])
            if not queue:
                missing.append(item.strategy_key)
            else:  # ads are created in plan order, so their ids ascend in plan order
                resources[item.idempotency_key] = queue.pop(0)[1]
        elif item.kind == "criterion":
            assert isinstance(item.spec, CriterionSpec)
            found = tree.criteria.get(item.spec.constant)
            if found is None:
                missing.append(item.strategy_key)
            else:
                resources[item.idempotency_key] = found
        elif item.kind in ("keyword", "ad"):
            missing.append(item.strategy_key)
    if missing:
        raise IncompleteTreeError(
            f"campaign {plan.campaign_key} exists on the platform without {', '.join(missing)}"
        )
    return [CreatedObject(item, resources[item.idempotency_key]) for item in plan.objects]
