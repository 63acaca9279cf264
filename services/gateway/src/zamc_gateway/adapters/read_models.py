"""Look-ups other parts of the gateway need in the core read models (e.g. analytics: which
project and organization a platform campaign belongs to)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters.db import platform_campaigns


@dataclass(frozen=True)
class CampaignOwner:
    campaign_id: uuid.UUID
    organization_id: uuid.UUID
    project_id: uuid.UUID
    deployment_id: uuid.UUID
    strategy_id: uuid.UUID


async def platform_campaign_owner(
    session: AsyncSession, *, platform: str, platform_campaign_id: str
) -> CampaignOwner | None:
    """Who owns a campaign a platform reports on (None: not deployed through ZAMC)."""
    c = platform_campaigns.c
    row = (
        await session.execute(
            select(c.id, c.organization_id, c.project_id, c.deployment_id, c.strategy_id).where(
                c.platform == platform, c.platform_campaign_id == platform_campaign_id
            )
        )
    ).first()
    if row is None:
        return None
    return CampaignOwner(
        campaign_id=row.id,
        organization_id=row.organization_id,
        project_id=row.project_id,
        deployment_id=row.deployment_id,
        strategy_id=row.strategy_id,
    )
