"""Recommendation service functions (REST and GraphQL) and the optimiser projections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.optimization import (
    AutopilotChanged,
    OptimizationApplied,
    OptimizationApplyRequested,
    OptimizationClosed,
    OptimizationDismissed,
    OptimizationRecommended,
)
from zamc_events.runtime.outbox import Publisher
from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live import LiveChange, LiveHub, announce
from zamc_gateway.adapters.live_db import project_autopilot, recommendations
from zamc_gateway.domain import analytics_recommendations as rules
from zamc_gateway.domain.errors import NotFound
from zamc_gateway.domain.principal import Principal

t = recommendations


def public(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "kind": row.kind,
        "title": row.title,
        "actions": row.actions,
        "evidence": row.evidence,
        "expected_impact": row.expected_impact,
        "confidence": row.confidence,
        "autopilot": row.autopilot,
        "status": row.status,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "applied_by": row.applied_by,
        "change_ids": row.change_ids,
        "reason": row.reason,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


async def list_recommendations(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(t).where(t.c.organization_id == principal.organization_id)
    if project_id is not None:
        await tenancy.require_project(
            session, organization_id=principal.organization_id, project_id=project_id
        )
        query = query.where(t.c.project_id == project_id)
    if status is not None:
        query = query.where(t.c.status == status)
    rows = await session.execute(query.order_by(t.c.created_at.desc(), t.c.id).limit(limit))
    return [public(row) for row in rows]


async def get_recommendation(
    *, session: AsyncSession, principal: Principal, recommendation_id: uuid.UUID, for_update: bool = False
) -> dict[str, Any]:
    query = select(t).where(t.c.id == recommendation_id, t.c.organization_id == principal.organization_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound("recommendation not found")
    return public(row)


async def _decide(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    hub: LiveHub,
    recommendation_id: uuid.UUID,
    decision: str,
) -> dict[str, Any]:
    current = await get_recommendation(
        session=session, principal=principal, recommendation_id=recommendation_id, for_update=True
    )
    if decision == "apply":
        status = rules.after_apply_request(current["status"])
        event: Any = OptimizationApplyRequested(
            recommendation_id=recommendation_id, requested_by=principal.actor_id
        )
    else:
        status = rules.after_dismiss(current["status"])
        event = OptimizationDismissed(recommendation_id=recommendation_id, dismissed_by=principal.actor_id)
    row = (
        await session.execute(
            update(t)
            .where(t.c.id == recommendation_id)
            .values(
                status=status, decided_by=principal.actor_id, decided_at=func.now(), updated_at=func.now()
            )
            .returning(t)
        )
    ).one()
    await publisher.emit(session, event, tenant_id=principal.organization_id)
    result = public(row)
    announce(session, hub, changed(principal.organization_id, result))
    return result


async def apply_recommendation(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    hub: LiveHub,
    recommendation_id: uuid.UUID,
) -> dict[str, Any]:
    """Ask the optimiser to apply it (`zamc.optimization.apply_requested.v1`); 409 unless open."""
    return await _decide(
        session=session,
        principal=principal,
        publisher=publisher,
        hub=hub,
        recommendation_id=recommendation_id,
        decision="apply",
    )


async def dismiss_recommendation(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    hub: LiveHub,
    recommendation_id: uuid.UUID,
) -> dict[str, Any]:
    """Decline it (`zamc.optimization.dismissed.v1`); 409 unless open."""
    return await _decide(
        session=session,
        principal=principal,
        publisher=publisher,
        hub=hub,
        recommendation_id=recommendation_id,
        decision="dismiss",
    )


async def get_autopilot(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> dict[str, Any]:
    await tenancy.require_project(session, organization_id=principal.organization_id, project_id=project_id)
    row = (
        await session.execute(select(project_autopilot).where(project_autopilot.c.project_id == project_id))
    ).first()
    return {
        "project_id": project_id,
        "enabled": bool(row and row.enabled),
        "updated_at": row.updated_at if row else None,
    }


async def set_autopilot(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    hub: LiveHub,
    project_id: uuid.UUID,
    enabled: bool,
) -> dict[str, Any]:
    """Turn autopilot on or off for a project (`zamc.optimization.autopilot_changed.v1`)."""
    await tenancy.require_project(session, organization_id=principal.organization_id, project_id=project_id)
    statement = pg_insert(project_autopilot).values(
        project_id=project_id,
        organization_id=principal.organization_id,
        enabled=enabled,
        changed_by=principal.actor_id,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[project_autopilot.c.project_id],
            set_={"enabled": enabled, "changed_by": principal.actor_id, "updated_at": func.now()},
        )
    )
    campaigns = await tenancy.project_campaigns(
        session, organization_id=principal.organization_id, project_id=project_id
    )
    await publisher.emit(
        session,
        AutopilotChanged(
            project_id=project_id,
            enabled=enabled,
            platform_campaign_ids=sorted(campaign.platform_campaign_id for campaign in campaigns),
        ),
        tenant_id=principal.organization_id,
    )
    result = {"project_id": project_id, "enabled": enabled, "updated_at": datetime.now(UTC)}
    announce(
        session,
        hub,
        LiveChange(
            organization_id=principal.organization_id,
            topic="recommendation.changed",
            data={"autopilot": result},
        ),
    )
    return result


def changed(organization_id: uuid.UUID, recommendation: dict[str, Any]) -> LiveChange:
    return LiveChange(
        organization_id=organization_id,
        topic="recommendation.changed",
        data={
            key: recommendation[key]
            for key in ("id", "project_id", "kind", "title", "status", "confidence", "autopilot")
        },
    )


# projections ---------------------------------------------------------------------------------


async def recommendation_owner(
    session: AsyncSession, *, data: OptimizationRecommended, tenant_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """(organization, project) of a recommendation: from its project, its campaigns, or the envelope."""
    if data.project_id is not None:
        owner = await tenancy.project_owner(session, data.project_id)
        if owner is not None:
            return owner, data.project_id
    for action in data.actions:
        campaign = await tenancy.campaign_by_platform_id(
            session, platform=action.platform, platform_campaign_id=action.platform_object_id
        )
        if campaign is not None:
            return campaign.organization_id, data.project_id or campaign.project_id
    if await tenancy.organization_exists(session, tenant_id):
        return tenant_id, None  # type: ignore[return-value]
    return None


async def project_recommended(
    session: AsyncSession,
    *,
    data: OptimizationRecommended,
    organization_id: uuid.UUID,
    project_id: uuid.UUID | None,
) -> dict[str, Any] | None:
    """Store a new recommendation; None when it was stored before (a replayed event)."""
    row = (
        await session.execute(
            pg_insert(t)
            .values(
                id=data.recommendation_id,
                organization_id=organization_id,
                project_id=project_id,
                kind=data.kind,
                title=data.title,
                actions=[action.model_dump(mode="json") for action in data.actions],
                evidence=data.evidence,
                expected_impact=data.expected_impact.model_dump(mode="json")
                if data.expected_impact
                else None,
                confidence=data.confidence,
                autopilot=data.autopilot,
                status="open",
            )
            .on_conflict_do_nothing()
            .returning(t)
        )
    ).first()
    return public(row) if row else None


async def recommendation_org(session: AsyncSession, recommendation_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(select(t.c.organization_id).where(t.c.id == recommendation_id))


async def project_applied(session: AsyncSession, *, data: OptimizationApplied) -> dict[str, Any] | None:
    current = (
        await session.execute(select(t).where(t.c.id == data.recommendation_id).with_for_update())
    ).first()
    if current is None:
        return None
    row = (
        await session.execute(
            update(t)
            .where(t.c.id == data.recommendation_id)
            .values(
                status=rules.after_applied(current.status),
                applied_by=data.applied_by,
                change_ids=[str(change) for change in data.change_ids],
                updated_at=func.now(),
            )
            .returning(t)
        )
    ).one()
    return public(row)


async def recommendation_of_change(session: AsyncSession, change_id: uuid.UUID) -> Any | None:
    """The applied recommendation that sent platform change `change_id`, if one did."""
    return (
        await session.execute(
            select(t.c.id, t.c.organization_id, t.c.project_id, t.c.title).where(
                t.c.change_ids.contains([str(change_id)])
            )
        )
    ).first()


async def project_closed(session: AsyncSession, *, data: OptimizationClosed) -> dict[str, Any] | None:
    """The optimiser closed it without applying; None if it is unknown or already decided otherwise."""
    row = (
        await session.execute(
            update(t)
            .where(t.c.id == data.recommendation_id, t.c.status.in_(rules.CLOSABLE))
            .values(status=data.status, reason=data.reason, updated_at=func.now())
            .returning(t)
        )
    ).first()
    return public(row) if row else None
