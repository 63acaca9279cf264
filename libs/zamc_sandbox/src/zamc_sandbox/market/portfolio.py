"""A ready-made portfolio of campaigns on both platforms, for the optimiser benchmark."""

from __future__ import annotations

import random

from zamc_sandbox.market.objects import MarketCampaign
from zamc_sandbox.market.profiles import Platform
from zamc_sandbox.market.simulator import Market


def build_portfolio(
    market: Market,
    *,
    campaigns_per_platform: int = 5,
    currency: str = "EUR",
    time_zone: str = "Europe/Berlin",
    daily_budget_micros: int = 50_000_000,
) -> list[MarketCampaign]:
    """Adds `campaigns_per_platform` campaigns on Google and on Meta, each with one ad group and one ad."""
    rng = random.Random(f"{market.seed}:portfolio")
    created: list[MarketCampaign] = []
    for platform in (Platform.GOOGLE, Platform.META):
        for n in range(campaigns_per_platform):
            campaign_id = f"{platform.value}-campaign-{n + 1}"
            budget = int(round(daily_budget_micros * rng.uniform(0.5, 1.5), -4))
            created.append(
                market.add_campaign(
                    campaign_id,
                    platform=platform,
                    account_id=f"{platform.value}-account",
                    currency=currency,
                    time_zone=time_zone,
                    daily_budget_micros=budget,
                )
            )
            market.add_ad_group(f"{campaign_id}-group", campaign_id=campaign_id)
            market.add_ad(f"{campaign_id}-ad", ad_group_id=f"{campaign_id}-group")
    return created
