"""An approved strategy compiled into one deploy command per platform target.

Each command carries the platform's part of the strategy and `key_prefix = <deployment_id>:<platform>`;
the connectors derive every object's idempotency key from it and the object's strategy key, so the
same deployment always names the same objects. One target per platform.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from zamc_events.contracts.campaign import (
    DeploymentTarget,
    GoogleAdsDeployRequested,
    MetaDeployRequested,
    PlatformDeployCommand,
)
from zamc_events.contracts.common import Platform, PlatformError
from zamc_events.contracts.strategy import CampaignStrategy


@dataclass(frozen=True)
class Compiled:
    """What each target gets: a command, or the reason it cannot get one."""

    commands: dict[Platform, PlatformDeployCommand]
    errors: dict[Platform, PlatformError]


def key_prefix(deployment_id: uuid.UUID, platform: Platform) -> str:
    return f"{deployment_id}:{platform}"


def duplicate_platforms(targets: list[DeploymentTarget]) -> list[Platform]:
    seen: set[str] = set()
    duplicates: list[Platform] = []
    for target in targets:
        if target.platform in seen and target.platform not in duplicates:
            duplicates.append(target.platform)
        seen.add(target.platform)
    return duplicates


def compile_deployment(
    *, deployment_id: uuid.UUID, strategy: CampaignStrategy, targets: list[DeploymentTarget]
) -> Compiled:
    commands: dict[Platform, PlatformDeployCommand] = {}
    errors: dict[Platform, PlatformError] = {}
    for target in targets:
        common = {
            "deployment_id": deployment_id,
            "account_external_id": target.account_external_id,
            "key_prefix": key_prefix(deployment_id, target.platform),
        }
        if target.platform == "google_ads":
            campaigns = strategy.google_ads.campaigns if strategy.google_ads else []
            if campaigns:
                commands["google_ads"] = GoogleAdsDeployRequested(**common, campaigns=campaigns)
        else:
            campaigns = strategy.meta.campaigns if strategy.meta else []
            if campaigns:
                commands["meta"] = MetaDeployRequested(**common, campaigns=campaigns)
        if target.platform not in commands:
            errors[target.platform] = PlatformError(
                code="NO_PLAN",
                message=f"Strategy version {strategy.version} has no {_label(target.platform)} campaigns "
                "to deploy; add them or remove this target.",
            )
    return Compiled(commands=commands, errors=errors)


def _label(platform: Platform) -> str:
    return {"google_ads": "Google Ads", "meta": "Meta"}[platform]
