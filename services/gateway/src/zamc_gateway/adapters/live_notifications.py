"""Per-user notifications: service functions (REST and GraphQL) and the fan-out the projections call."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live import LiveChange, LiveHub, announce
from zamc_gateway.adapters.live_db import notifications
from zamc_gateway.domain.errors import Forbidden, NotFound
from zamc_gateway.domain.notifications import NotificationDraft, notification_id
from zamc_gateway.domain.principal import Principal

n = notifications


def public(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "severity": row.severity,
        "title": row.title,
        "body": row.body,
        "resource_type": row.resource_type,
        "resource_id": row.resource_id,
        "project_id": row.project_id,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "read": row.read_at is not None,
    }


def _user(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Forbidden("notifications belong to users; API keys have none")
    return principal.user_id


def _mine(principal: Principal):
    return (n.c.user_id == _user(principal)) & (n.c.organization_id == principal.organization_id)


async def list_notifications(
    *,
    session: AsyncSession,
    principal: Principal,
    unread_only: bool = False,
    limit: int = 50,
    before: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The caller's notifications in this organization, newest first, with the unread count."""
    query = select(n).where(_mine(principal))
    if unread_only:
        query = query.where(n.c.read_at.is_(None))
    if before is not None:
        anchor = (
            await session.execute(select(n.c.created_at).where(_mine(principal), n.c.id == before))
        ).first()
        if anchor is None:
            raise NotFound("notification not found")
        query = query.where(
            (n.c.created_at < anchor.created_at) | ((n.c.created_at == anchor.created_at) & (n.c.id < before))
        )
    rows = await session.execute(query.order_by(n.c.created_at.desc(), n.c.id.desc()).limit(limit))
    return {
        "items": [public(row) for row in rows],
        "unread_count": await unread_count(session=session, principal=principal),
    }


async def unread_count(*, session: AsyncSession, principal: Principal) -> int:
    return int(await session.scalar(select(func.count()).where(_mine(principal), n.c.read_at.is_(None))) or 0)


async def mark_read(
    *, session: AsyncSession, principal: Principal, hub: LiveHub, notification_id: uuid.UUID
) -> dict[str, Any]:
    """Mark one notification read (idempotent: reading it again keeps the first `read_at`)."""
    row = (
        await session.execute(
            update(n)
            .where(_mine(principal), n.c.id == notification_id)
            .values(read_at=func.coalesce(n.c.read_at, func.now()))
            .returning(n)
        )
    ).first()
    if row is None:
        raise NotFound("notification not found")
    result = public(row)
    announce(
        session,
        hub,
        LiveChange(
            organization_id=principal.organization_id,
            user_id=principal.user_id,
            topic="notification.read",
            data={"id": row.id, "unread_count": await unread_count(session=session, principal=principal)},
        ),
    )
    return result


async def mark_all_read(*, session: AsyncSession, principal: Principal, hub: LiveHub) -> dict[str, Any]:
    result = await session.execute(
        update(n).where(_mine(principal), n.c.read_at.is_(None)).values(read_at=func.now())
    )
    announce(
        session,
        hub,
        LiveChange(
            organization_id=principal.organization_id,
            user_id=principal.user_id,
            topic="notification.read",
            data={"id": None, "unread_count": 0},
        ),
    )
    return {"marked": result.rowcount or 0, "unread_count": 0}


async def notify_members(
    session: AsyncSession,
    hub: LiveHub,
    *,
    organization_id: uuid.UUID,
    draft: NotificationDraft,
    source_event_id: uuid.UUID,
) -> int:
    """One notification per member, ids derived from (event, user): a replay notifies nobody twice."""
    users = await tenancy.member_ids(session, organization_id)
    if not users:
        return 0
    rows = (
        await session.execute(
            pg_insert(n)
            .values(
                [
                    {
                        "id": notification_id(event_id=source_event_id, user_id=user_id),
                        "organization_id": organization_id,
                        "user_id": user_id,
                        "kind": draft.kind,
                        "severity": draft.severity,
                        "title": draft.title,
                        "body": draft.body,
                        "resource_type": draft.resource_type,
                        "resource_id": draft.resource_id,
                        "project_id": draft.project_id,
                        "source_event_id": source_event_id,
                    }
                    for user_id in users
                ]
            )
            .on_conflict_do_nothing()
            .returning(n)
        )
    ).all()
    announce(
        session,
        hub,
        *[
            LiveChange(
                organization_id=organization_id,
                user_id=row.user_id,
                topic="notification.created",
                data=public(row),
            )
            for row in rows
        ],
    )
    return len(rows)
