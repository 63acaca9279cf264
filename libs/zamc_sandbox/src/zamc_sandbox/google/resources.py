"""The Google Ads resources the sandbox serves: message classes, resource names, references."""

from __future__ import annotations

from dataclasses import dataclass

from google.ads.googleads.v26.resources.types import (
    ad_group,
    ad_group_ad,
    ad_group_criterion,
    campaign,
    campaign_budget,
    campaign_criterion,
)
from google.protobuf.message import Message


@dataclass(frozen=True, slots=True)
class ResourceKind:
    name: str  # GAQL resource name, e.g. "ad_group"
    collection: str  # resource-name collection, e.g. "adGroups"
    message: type[Message]
    reference: str | None  # field holding the parent's resource name
    id_field: str  # "id" or "criterion_id"; for ad_group_ad the ad's id


KINDS: dict[str, ResourceKind] = {
    k.name: k
    for k in (
        ResourceKind("campaign_budget", "campaignBudgets", campaign_budget.CampaignBudget.pb(), None, "id"),
        ResourceKind("campaign", "campaigns", campaign.Campaign.pb(), "campaign_budget", "id"),
        ResourceKind("ad_group", "adGroups", ad_group.AdGroup.pb(), "campaign", "id"),
        ResourceKind("ad_group_ad", "adGroupAds", ad_group_ad.AdGroupAd.pb(), "ad_group", "id"),
        ResourceKind(
            "ad_group_criterion",
            "adGroupCriteria",
            ad_group_criterion.AdGroupCriterion.pb(),
            "ad_group",
            "criterion_id",
        ),
        ResourceKind(
            "campaign_criterion",
            "campaignCriteria",
            campaign_criterion.CampaignCriterion.pb(),
            "campaign",
            "criterion_id",
        ),
    )
}
KIND_BY_COLLECTION = {k.collection: k for k in KINDS.values()}


def resource_name(customer_id: str, kind: ResourceKind, *ids: int | str) -> str:
    return f"customers/{customer_id}/{kind.collection}/{'~'.join(str(i) for i in ids)}"


def parse_resource_name(name: str) -> tuple[str, ResourceKind, list[str]] | None:
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "customers" or parts[2] not in KIND_BY_COLLECTION:
        return None
    return parts[1], KIND_BY_COLLECTION[parts[2]], parts[3].split("~")


def last_id(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit("~", 1)[-1]


def enum_name(message: Message, field: str) -> str:
    descriptor = message.DESCRIPTOR.fields_by_name[field]
    return descriptor.enum_type.values_by_number[getattr(message, field)].name


def set_enum(message: Message, field: str, value: str) -> None:
    descriptor = message.DESCRIPTOR.fields_by_name[field]
    setattr(message, field, descriptor.enum_type.values_by_name[value].number)
