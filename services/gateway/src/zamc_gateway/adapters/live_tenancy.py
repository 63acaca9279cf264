"""Read-only look-ups into the core read models (`adapters/db.py`) that the live models need.

Every function filters by organization where it answers a caller; the `*_owner` functions tell a
projection which organization an event belongs to, from the gateway's own records first (an
event's `tenant_id` is only trusted when it names an organization that exists).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters import db
from zamc_gateway.domain.errors import NotFound


@dataclass(frozen=True)
class CampaignRef:
    id: uuid.UUID
    organization_id: uuid.UUID
    project_id: uuid.UUID
    platform: str
    account_external_id: str
    platform_campaign_id: str
    name: str


async def require_project(
    session: AsyncSession, *, organization_id: uuid.UUID, project_id: uuid.UUID
) -> None:
    """404 unless the project exists, is not deleted and belongs to the organization."""
    p = db.projects
    found = await session.scalar(
        select(
            exists().where(
                p.c.id == project_id, p.c.organization_id == organization_id, p.c.deleted_at.is_(None)
            )
        )
    )
    if not found:
        raise NotFound("project not found")


def _campaign_ref(row) -> CampaignRef:
    return CampaignRef(
        id=row.id,
        organization_id=row.organization_id,
        project_id=row.project_id,
        platform=row.platform,
        account_external_id=row.account_external_id,
        platform_campaign_id=row.platform_campaign_id,
        name=row.name,
    )


_CAMPAIGN_COLUMNS = (
    db.platform_campaigns.c.id,
    db.platform_campaigns.c.organization_id,
    db.platform_campaigns.c.project_id,
    db.platform_campaigns.c.platform,
    db.platform_campaigns.c.account_external_id,
    db.platform_campaigns.c.platform_campaign_id,
    db.platform_campaigns.c.name,
)


async def require_campaign(
    session: AsyncSession, *, organization_id: uuid.UUID, campaign_id: uuid.UUID
) -> CampaignRef:
    c = db.platform_campaigns
    row = (
        await session.execute(
            select(*_CAMPAIGN_COLUMNS).where(c.c.id == campaign_id, c.c.organization_id == organization_id)
        )
    ).first()
    if row is None:
        raise NotFound("campaign not found")
    return _campaign_ref(row)


async def project_campaigns(
    session: AsyncSession, *, organization_id: uuid.UUID, project_id: uuid.UUID
) -> list[CampaignRef]:
    c = db.platform_campaigns
    rows = await session.execute(
        select(*_CAMPAIGN_COLUMNS).where(c.c.organization_id == organization_id, c.c.project_id == project_id)
    )
    return [_campaign_ref(row) for row in rows]


async def campaign_by_platform_id(
    session: AsyncSession, *, platform: str, platform_campaign_id: str
) -> CampaignRef | None:
    c = db.platform_campaigns
    row = (
        await session.execute(
            select(*_CAMPAIGN_COLUMNS).where(
                c.c.platform == platform, c.c.platform_campaign_id == platform_campaign_id
            )
        )
    ).first()
    return _campaign_ref(row) if row else None


async def organization_exists(session: AsyncSession, organization_id: uuid.UUID | None) -> bool:
    if organization_id is None:
        return False
    return bool(await session.scalar(select(exists().where(db.organizations.c.id == organization_id))))


async def project_owner(session: AsyncSession, project_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(select(db.projects.c.organization_id).where(db.projects.c.id == project_id))


async def deployment_owner(
    session: AsyncSession, deployment_id: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(organization_id, project_id) of a deployment the gateway requested."""
    d = db.deployments
    row = (
        await session.execute(select(d.c.organization_id, d.c.project_id).where(d.c.id == deployment_id))
    ).first()
    return (row.organization_id, row.project_id) if row else None


async def brief_owner(session: AsyncSession, brief_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(organization_id, project_id) of a brief."""
    b = db.briefs
    row = (
        await session.execute(select(b.c.organization_id, b.c.project_id).where(b.c.id == brief_id))
    ).first()
    return (row.organization_id, row.project_id) if row else None


async def connection_owner(session: AsyncSession, connection_id: uuid.UUID) -> uuid.UUID | None:
    pc = db.platform_connections
    return await session.scalar(select(pc.c.organization_id).where(pc.c.id == connection_id))


async def member_ids(session: AsyncSession, organization_id: uuid.UUID) -> list[uuid.UUID]:
    """Every user of the organization who has signed up (invited users get nothing yet)."""
    m, u = db.memberships, db.users
    rows = await session.scalars(
        select(m.c.user_id)
        .join(u, and_(u.c.id == m.c.user_id, u.c.password_hash.is_not(None)))
        .where(m.c.organization_id == organization_id)
        .order_by(m.c.user_id)
    )
    return list(rows)
