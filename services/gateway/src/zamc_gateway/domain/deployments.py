"""How a deployment's targets and status follow the connectors' and orchestrator's answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zamc_events.contracts.strategy import CampaignStrategy, GoogleSearchCampaign

Target = dict[str, Any]  # {platform, account_external_id, status, platform_campaign_ids, error}


def new_targets(targets: list[tuple[str, str]]) -> list[Target]:
    return [
        {
            "platform": platform,
            "account_external_id": account,
            "status": "pending",
            "platform_campaign_ids": [],
            "error": None,
        }
        for platform, account in targets
    ]


def _update(targets: list[Target], platform: str, account: str, **changes: Any) -> list[Target]:
    out = []
    for target in targets:
        if target["platform"] == platform and target["account_external_id"] == account:
            target = {**target, **changes}
        out.append(target)
    return out


def target_deployed(
    targets: list[Target], *, platform: str, account: str, campaign_ids: list[str]
) -> list[Target]:
    return _update(
        targets, platform, account, status="succeeded", platform_campaign_ids=campaign_ids, error=None
    )


def target_failed(
    targets: list[Target], *, platform: str, account: str, error: dict[str, Any]
) -> list[Target]:
    return _update(targets, platform, account, status="failed", error=error)


def running_status(current: str) -> str:
    """Before the orchestrator's verdict, a deployment with any answer is running."""
    return "running" if current in ("pending", "running") else current


@dataclass(frozen=True)
class CampaignDetails:
    name: str | None = None
    daily_budget_micros: int | None = None
    bidding: dict[str, Any] | None = None  # Google: {"strategy", "target_roas" | "target_cpa_micros"}


def campaign_details(strategy: CampaignStrategy, platform: str, strategy_key: str | None) -> CampaignDetails:
    """Name, daily budget (micros) and bidding of the strategy campaign `strategy_key` on `platform`."""
    if platform == "google_ads" and strategy.google_ads is not None:
        for campaign in strategy.google_ads.campaigns:
            if campaign.key == strategy_key:
                return CampaignDetails(campaign.name, campaign.daily_budget_micros, google_bidding(campaign))
    if platform == "meta" and strategy.meta is not None:
        for campaign in strategy.meta.campaigns:
            if campaign.key == strategy_key:
                return CampaignDetails(campaign.name, sum(a.daily_budget_micros for a in campaign.ad_sets))
    return CampaignDetails()


def google_bidding(campaign: GoogleSearchCampaign) -> dict[str, Any]:
    bidding: dict[str, Any] = {"strategy": campaign.bidding_strategy}
    if campaign.bidding_strategy == "TARGET_ROAS" and campaign.target_roas:
        bidding["target_roas"] = campaign.target_roas
    if campaign.bidding_strategy == "TARGET_CPA" and campaign.target_cpa_micros:
        bidding["target_cpa_micros"] = campaign.target_cpa_micros
    return bidding


def plans_platform(strategy: CampaignStrategy, platform: str) -> bool:
    plan = strategy.google_ads if platform == "google_ads" else strategy.meta
    return plan is not None and len(plan.campaigns) > 0
