"""Deployment of an approved strategy and changes to live platform campaigns.

The orchestrator turns `zamc.campaign.deploy_requested.v1` into one command per platform
(`zamc.<platform>.deploy_requested.v1`); the connectors answer with `zamc.campaign.deployed.v1`
or `zamc.campaign.deploy_failed.v1`. Every object in a platform command carries a stable
`idempotency_key` so a redelivered command never creates a second object.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from zamc_events.contracts.base import Event
from zamc_events.contracts.common import Micros, Platform, PlatformError, Value
from zamc_events.contracts.strategy import CampaignStrategy, GoogleSearchCampaign, MetaCampaign

DeploymentPolicy = Literal["all_or_nothing", "best_effort"]
DeploymentStatus = Literal["pending", "running", "succeeded", "partially_failed", "failed", "rolled_back"]
TargetStatus = Literal["pending", "running", "succeeded", "failed", "timed_out", "rolled_back"]
CampaignStatus = Literal["ENABLED", "PAUSED", "REMOVED"]
ObjectKind = Literal[
    "budget", "campaign", "ad_group", "keyword", "ad", "criterion", "ad_set", "image", "creative"
]


class DeploymentTarget(Value):
    platform: Platform
    account_external_id: str


class PlatformObject(Value):
    """One object a deployment created on a platform, mapped to the strategy object it came from."""

    idempotency_key: str
    kind: ObjectKind
    strategy_key: str
    platform_id: str
    parent_platform_id: str | None = None


class DeployRequested(Event):
    subject: ClassVar[str] = "zamc.campaign.deploy_requested.v1"
    deployment_id: uuid.UUID
    strategy: CampaignStrategy
    targets: list[DeploymentTarget]
    policy: DeploymentPolicy = "all_or_nothing"
    requested_by: uuid.UUID | None = None


class PlatformDeployCommand(Event):
    deployment_id: uuid.UUID
    account_external_id: str
    connection_id: uuid.UUID | None = None
    key_prefix: str = Field(
        description="prefix of every object's idempotency key: <deployment_id>:<platform>"
    )


class GoogleAdsDeployRequested(PlatformDeployCommand):
    subject: ClassVar[str] = "zamc.google_ads.deploy_requested.v1"
    campaigns: list[GoogleSearchCampaign]


class MetaDeployRequested(PlatformDeployCommand):
    subject: ClassVar[str] = "zamc.meta.deploy_requested.v1"
    campaigns: list[MetaCampaign]


class CampaignDeployed(Event):
    subject: ClassVar[str] = "zamc.campaign.deployed.v1"
    deployment_id: uuid.UUID
    platform: Platform
    account_external_id: str
    platform_campaign_ids: list[str]
    objects: list[PlatformObject]
    policy_findings: list[str] = []


class CampaignDeployFailed(Event):
    subject: ClassVar[str] = "zamc.campaign.deploy_failed.v1"
    deployment_id: uuid.UUID
    platform: Platform
    account_external_id: str
    error: PlatformError
    cleaned_up: bool = Field(default=True, description="objects created before the failure were removed")


class TargetOutcome(Value):
    platform: Platform
    account_external_id: str
    status: TargetStatus
    platform_campaign_ids: list[str] = []
    error: PlatformError | None = None


class DeploymentCompleted(Event):
    subject: ClassVar[str] = "zamc.campaign.deployment_completed.v1"
    deployment_id: uuid.UUID
    strategy_id: uuid.UUID
    status: DeploymentStatus
    targets: list[TargetOutcome]


class PlatformChangeCommand(Event):
    """A change to objects a deployment created; `change_id` makes it idempotent."""

    change_id: uuid.UUID
    deployment_id: uuid.UUID | None = None
    account_external_id: str
    reason: str = ""


class RollbackRequested(PlatformChangeCommand):
    platform_campaign_ids: list[str]


class LaunchRequested(PlatformChangeCommand):
    platform_campaign_ids: list[str]


class BudgetUpdateRequested(PlatformChangeCommand):
    platform_campaign_id: str
    daily_budget_micros: Micros


class StatusUpdateRequested(PlatformChangeCommand):
    platform_object_id: str
    object_kind: Literal["campaign", "ad_group", "ad_set", "ad"] = "campaign"
    status: CampaignStatus


class BidTargetUpdateRequested(PlatformChangeCommand):
    """Move the target of a campaign that bids to one: exactly one of target ROAS or target CPA."""

    platform_campaign_id: str
    target_roas: float | None = Field(default=None, gt=0, description="value / spend, e.g. 4.2")
    target_cpa_micros: Micros | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_target(self) -> BidTargetUpdateRequested:
        if (self.target_roas is None) == (self.target_cpa_micros is None):
            raise ValueError("give exactly one of target_roas and target_cpa_micros")
        return self


class GoogleAdsRollbackRequested(RollbackRequested):
    subject: ClassVar[str] = "zamc.google_ads.rollback_requested.v1"


class MetaRollbackRequested(RollbackRequested):
    subject: ClassVar[str] = "zamc.meta.rollback_requested.v1"


class GoogleAdsLaunchRequested(LaunchRequested):
    subject: ClassVar[str] = "zamc.google_ads.launch_requested.v1"


class MetaLaunchRequested(LaunchRequested):
    subject: ClassVar[str] = "zamc.meta.launch_requested.v1"


class GoogleAdsBudgetUpdateRequested(BudgetUpdateRequested):
    subject: ClassVar[str] = "zamc.google_ads.budget_update_requested.v1"


class MetaBudgetUpdateRequested(BudgetUpdateRequested):
    subject: ClassVar[str] = "zamc.meta.budget_update_requested.v1"


class GoogleAdsStatusUpdateRequested(StatusUpdateRequested):
    subject: ClassVar[str] = "zamc.google_ads.status_update_requested.v1"


class MetaStatusUpdateRequested(StatusUpdateRequested):
    subject: ClassVar[str] = "zamc.meta.status_update_requested.v1"


class GoogleAdsBidTargetUpdateRequested(BidTargetUpdateRequested):
    """Google Ads: target ROAS on Maximize conversion value, target CPA on Maximize conversions."""

    subject: ClassVar[str] = "zamc.google_ads.bid_target_update_requested.v1"


class CampaignChanged(Event):
    """A connector applied a change command (rollback, launch, budget or status)."""

    subject: ClassVar[str] = "zamc.campaign.changed.v1"
    change_id: uuid.UUID
    deployment_id: uuid.UUID | None = None
    platform: Platform
    account_external_id: str
    change: Literal["rollback", "launch", "budget", "status"]
    platform_campaign_ids: list[str]
    daily_budget_micros: Micros | None = None
    status: CampaignStatus | None = None


class CampaignChangeFailed(Event):
    subject: ClassVar[str] = "zamc.campaign.change_failed.v1"
    change_id: uuid.UUID
    deployment_id: uuid.UUID | None = None
    platform: Platform
    account_external_id: str
    change: Literal["rollback", "launch", "budget", "status"]
    error: PlatformError


class BidTargetAnswer(Event):
    change_id: uuid.UUID
    deployment_id: uuid.UUID | None = None
    platform: Platform
    account_external_id: str
    platform_campaign_id: str


class CampaignBidTargetChanged(BidTargetAnswer):
    """A connector set a campaign's bid target (the answer to `bid_target_update_requested`)."""

    subject: ClassVar[str] = "zamc.campaign.bid_target_changed.v1"
    target_roas: float | None = None
    target_cpa_micros: Micros | None = None


class CampaignBidTargetChangeFailed(BidTargetAnswer):
    subject: ClassVar[str] = "zamc.campaign.bid_target_change_failed.v1"
    error: PlatformError
