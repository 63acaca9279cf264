"""A Meta deployment as an ordered plan of objects, each with a stable idempotency key.

Meta has no transactions, so a deployment creates objects one by one: campaign → ad set →
image → creative → ad. Every object carries a key derived from the command's `key_prefix`;
its name ends with a short tag of that key, so that after a crash between the platform call
and the commit the object can be found again instead of created twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zamc_connector_meta.domain.money import micros_to_minor_units
from zamc_events.contracts.campaign import MetaDeployRequested, PlatformObject
from zamc_events.contracts.common import AssetRef
from zamc_events.contracts.strategy import MetaAd, MetaAdSet, MetaCampaign, MetaTargeting

Kind = Literal["campaign", "ad_set", "image", "creative", "ad"]
NAME_LIMIT = 400
GENDERS = {"male": 1, "female": 2}
# deletion order: children before parents (images are account library content, kept)
DELETE_ORDER: tuple[Kind, ...] = ("ad", "creative", "ad_set", "campaign")


def tag_for(idempotency_key: str) -> str:
    """The short marker put in an object's name: `zamc-` + 16 hex digits of the key's sha256."""
    return "zamc-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def tagged_name(name: str, idempotency_key: str) -> str:
    suffix = f" [{tag_for(idempotency_key)}]"
    return name[: NAME_LIMIT - len(suffix)].rstrip() + suffix


@dataclass(frozen=True, slots=True)
class PlannedObject:
    key: str
    kind: Kind
    strategy_key: str
    name: str
    parent_key: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    # references filled in from the ids of objects created before: param -> key
    references: Mapping[str, str] = field(default_factory=dict)
    asset: AssetRef | None = None  # images only; None = the generated placeholder

    @property
    def tag(self) -> str:
        return tag_for(self.key)


@dataclass(frozen=True, slots=True)
class DeploymentPlan:
    objects: tuple[PlannedObject, ...]
    findings: tuple[str, ...] = ()

    def by_key(self) -> dict[str, PlannedObject]:
        return {o.key: o for o in self.objects}


def object_key(key_prefix: str, kind: Kind, strategy_key: str) -> str:
    return f"{key_prefix}:{kind}:{strategy_key}"


def plan_deployment(command: MetaDeployRequested, *, currency: str, page_id: str) -> DeploymentPlan:
    objects: list[PlannedObject] = []
    findings: list[str] = []
    for campaign in command.campaigns:
        campaign_key = object_key(command.key_prefix, "campaign", campaign.key)
        objects.append(_campaign(campaign, campaign_key))
        for ad_set in campaign.ad_sets:
            ad_set_key = object_key(command.key_prefix, "ad_set", ad_set.key)
            targeting, notes = targeting_spec(ad_set.targeting)
            findings += [f"{ad_set.key}: {n}" for n in notes]
            objects.append(_ad_set(ad_set, ad_set_key, campaign_key, targeting, currency))
            for ad in ad_set.ads:
                objects += _ad_objects(ad, command.key_prefix, ad_set_key, page_id)
    return DeploymentPlan(objects=tuple(objects), findings=tuple(findings))


def _campaign(campaign: MetaCampaign, key: str) -> PlannedObject:
    categories = [c for c in campaign.special_ad_categories if c != "NONE"]
    return PlannedObject(
        key=key,
        kind="campaign",
        strategy_key=campaign.key,
        name=tagged_name(campaign.name, key),
        params={
            "objective": campaign.objective,
            "status": "PAUSED",
            "special_ad_categories": categories,
            "buying_type": "AUCTION",
            # budgets live on the ad sets; say so explicitly (Meta asks since v24)
            "is_adset_budget_sharing_enabled": False,
        },
    )


def _ad_set(
    ad_set: MetaAdSet, key: str, campaign_key: str, targeting: dict[str, Any], currency: str
) -> PlannedObject:
    return PlannedObject(
        key=key,
        kind="ad_set",
        strategy_key=ad_set.key,
        name=tagged_name(ad_set.name, key),
        parent_key=campaign_key,
        params={
            "status": "PAUSED",
            "daily_budget": micros_to_minor_units(ad_set.daily_budget_micros, currency),
            "optimization_goal": ad_set.optimization_goal,
            "billing_event": ad_set.billing_event,
            "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
            "targeting": targeting,
        },
        references={"campaign_id": campaign_key},
    )


def _ad_objects(ad: MetaAd, key_prefix: str, ad_set_key: str, page_id: str) -> list[PlannedObject]:
    image_key = object_key(key_prefix, "image", ad.key)
    creative_key = object_key(key_prefix, "creative", ad.key)
    ad_key = object_key(key_prefix, "ad", ad.key)
    link_data: dict[str, Any] = {
        "link": ad.link_url,
        "message": ad.primary_text,
        "name": ad.headline,
        "call_to_action": {"type": ad.call_to_action, "value": {"link": ad.link_url}},
    }
    if ad.description:
        link_data["description"] = ad.description
    return [
        PlannedObject(
            key=image_key,
            kind="image",
            strategy_key=ad.key,
            name=f"{ad.image.sha256[:16] if ad.image else 'placeholder'}.png",
            asset=ad.image,
        ),
        PlannedObject(
            key=creative_key,
            kind="creative",
            strategy_key=ad.key,
            name=tagged_name(ad.name, creative_key),
            params={"object_story_spec": {"page_id": page_id, "link_data": link_data}},
            references={"object_story_spec.link_data.image_hash": image_key},
        ),
        PlannedObject(
            key=ad_key,
            kind="ad",
            strategy_key=ad.key,
            name=tagged_name(ad.name, ad_key),
            parent_key=ad_set_key,
            params={"status": "PAUSED"},
            references={"adset_id": ad_set_key, "creative.creative_id": creative_key},
        ),
    ]


def targeting_spec(targeting: MetaTargeting) -> tuple[dict[str, Any], list[str]]:
    """The Graph targeting spec and findings about what could not be expressed."""
    spec: dict[str, Any] = {
        "geo_locations": {"countries": list(targeting.countries)},
        "age_min": targeting.age_min,
        "age_max": targeting.age_max,
        "targeting_automation": {"advantage_audience": 0},
    }
    if targeting.genders and len(set(targeting.genders)) < len(GENDERS):
        spec["genders"] = sorted(GENDERS[g] for g in set(targeting.genders))
    interest_ids = [i for i in targeting.interests if i.isdigit()]
    findings = [
        f"interest {i!r} is not a Meta interest id and was left out of the targeting"
        for i in targeting.interests
        if not i.isdigit()
    ]
    if interest_ids:
        spec["flexible_spec"] = [{"interests": [{"id": i} for i in interest_ids]}]
    return spec, findings


def resolve_params(obj: PlannedObject, ids: Mapping[str, str]) -> dict[str, Any]:
    """The object's Graph params with `name` and every reference replaced by the created id."""
    params: dict[str, Any] = _deep_copy(dict(obj.params))
    params["name"] = obj.name
    for path, key in obj.references.items():
        if key not in ids:
            raise KeyError(f"{obj.key} refers to {key}, which was not created")
        target = params
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = ids[key]
    return params


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


CONTRACT_KINDS: dict[Kind, str] = {
    "campaign": "campaign",
    "ad_set": "ad_set",
    "image": "image",
    "creative": "creative",
    "ad": "ad",
}


def platform_objects(plan: DeploymentPlan, ids: Mapping[str, str]) -> list[PlatformObject]:
    """What `zamc.campaign.deployed.v1` reports: every object, mapped to its strategy key."""
    out: list[PlatformObject] = []
    for obj in plan.objects:
        parent = ids.get(obj.parent_key) if obj.parent_key else None
        out.append(
            PlatformObject(
                idempotency_key=obj.key,
                kind=CONTRACT_KINDS[obj.kind],  # type: ignore[arg-type]
                strategy_key=obj.strategy_key,
                platform_id=ids[obj.key],
                parent_platform_id=parent,
            )
        )
    return out
