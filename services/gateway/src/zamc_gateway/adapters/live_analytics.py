"""Analytics service functions (shared by REST and GraphQL) and the rollup/anomaly projections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.metrics import AnomalyDetected, RollupUpdated
from zamc_gateway.adapters import db
from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live_db import analytics_anomalies, analytics_rollups
from zamc_gateway.domain import analytics
from zamc_gateway.domain.errors import NotFound, invalid
from zamc_gateway.domain.principal import Principal

r = analytics_rollups
c = db.platform_campaigns


def _range(
    start: datetime | None, end: datetime | None, granularity: str | None = None
) -> tuple[datetime, datetime]:
    default_start, default_end = analytics.default_range(now=datetime.now(UTC))
    return analytics.check_range(
        start=start or default_start, end=end or default_end, granularity=granularity
    )


def _joined(organization_id: uuid.UUID):
    """Rollups of the organization's platform campaigns (the join that scopes them to a tenant)."""
    return r.join(
        c,
        and_(
            c.c.platform == r.c.platform,
            c.c.platform_campaign_id == r.c.campaign_id,
            c.c.organization_id == organization_id,
        ),
    )


_SUMS = (
    func.sum(r.c.impressions).label("impressions"),
    func.sum(r.c.clicks).label("clicks"),
    func.sum(r.c.cost_micros).label("cost_micros"),
    func.sum(r.c.conversions).label("conversions"),
    func.sum(r.c.conversion_value_micros).label("conversion_value_micros"),
    func.bool_and(r.c.settled).label("settled"),
)


def _point(
    row: Any, *, granularity: str, period_start: datetime, campaign_id: str = "*"
) -> analytics.RollupPoint:
    return analytics.RollupPoint(
        platform=row.platform,
        campaign_id=campaign_id,
        period_start=period_start,
        granularity=granularity,  # type: ignore[arg-type]
        currency=row.currency,
        impressions=int(row.impressions or 0),
        clicks=int(row.clicks or 0),
        cost_micros=int(row.cost_micros or 0),
        conversions=float(row.conversions or 0),
        conversion_value_micros=int(row.conversion_value_micros or 0),
        settled=bool(row.settled),
    )


async def summary(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Totals per platform and overall for a project over [start, end), from hourly rollups.

    One statement (the hot path of the dashboard): the project row scopes the caller's organization
    and answers 404 when absent; a lateral aggregate adds the totals per platform and currency.
    """
    start, end = _range(start, end)
    p = db.projects
    totals = (
        select(r.c.platform, r.c.currency, *_SUMS)
        .select_from(_joined(principal.organization_id))
        .where(
            c.c.project_id == p.c.id,
            r.c.granularity == "hour",
            r.c.period_start >= start,
            r.c.period_start < end,
        )
        .group_by(r.c.platform, r.c.currency)
        .lateral("totals")
    )
    rows = (
        await session.execute(
            select(p.c.id, totals)
            .select_from(p.outerjoin(totals, true()))
            .where(
                p.c.id == project_id,
                p.c.organization_id == principal.organization_id,
                p.c.deleted_at.is_(None),
            )
        )
    ).all()
    if not rows:
        raise NotFound("project not found")
    rows = [row for row in rows if row.platform is not None]
    result = analytics.summarize(_point(row, granularity="hour", period_start=start) for row in rows)
    return {"project_id": project_id, "from": start, "to": end, **result.as_dict()}


async def _scoped_points(
    *,
    session: AsyncSession,
    principal: Principal,
    campaign_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    granularity: str,
    start: datetime,
    end: datetime,
    per_campaign: bool,
) -> list[analytics.RollupPoint]:
    organization_id = principal.organization_id
    if (campaign_id is None) == (project_id is None):
        raise invalid("/campaign_id", "give exactly one of campaign_id or project_id")
    if campaign_id is not None:
        await tenancy.require_campaign(session, organization_id=organization_id, campaign_id=campaign_id)
        scope = c.c.id == campaign_id
    else:
        await tenancy.require_project(session, organization_id=organization_id, project_id=project_id)
        scope = c.c.project_id == project_id
    keys = [r.c.period_start, r.c.platform, r.c.currency]
    if per_campaign:
        keys.append(r.c.campaign_id)
    rows = await session.execute(
        select(*keys, *_SUMS)
        .select_from(_joined(organization_id))
        .where(
            scope,
            r.c.granularity == granularity,
            r.c.period_start > start - analytics.period_length(granularity),  # periods overlapping the range
            r.c.period_start < end,
        )
        .group_by(*keys)
        .order_by(r.c.period_start)
    )
    return [
        _point(
            row,
            granularity=granularity,
            period_start=row.period_start,
            campaign_id=row.campaign_id if per_campaign else "*",
        )
        for row in rows
    ]


async def timeseries(
    *,
    session: AsyncSession,
    principal: Principal,
    campaign_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    granularity: analytics.Granularity = "day",
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    start, end = _range(start, end, granularity)
    points = await _scoped_points(
        session=session,
        principal=principal,
        campaign_id=campaign_id,
        project_id=project_id,
        granularity=granularity,
        start=start,
        end=end,
        per_campaign=False,
    )
    return {
        "campaign_id": campaign_id,
        "project_id": project_id,
        "granularity": granularity,
        "from": start,
        "to": end,
        "points": analytics.timeseries(points, granularity=granularity),
    }


async def export_csv(
    *,
    session: AsyncSession,
    principal: Principal,
    campaign_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    granularity: analytics.Granularity = "day",
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    start, end = _range(start, end, granularity)
    points = await _scoped_points(
        session=session,
        principal=principal,
        campaign_id=campaign_id,
        project_id=project_id,
        granularity=granularity,
        start=start,
        end=end,
        per_campaign=True,
    )
    return analytics.to_csv(analytics.export_rows(points, granularity=granularity))


async def anomalies(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID, limit: int = 50
) -> list[dict[str, Any]]:
    await tenancy.require_project(session, organization_id=principal.organization_id, project_id=project_id)
    a = analytics_anomalies
    rows = await session.execute(
        select(a, c.c.id.label("gateway_campaign_id"), c.c.name.label("campaign_name"))
        .join(
            c,
            and_(
                c.c.platform == a.c.platform,
                c.c.platform_campaign_id == a.c.campaign_id,
                c.c.organization_id == principal.organization_id,
            ),
        )
        .where(c.c.project_id == project_id)
        .order_by(a.c.hour_start.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "platform": row.platform,
            "campaign_id": row.gateway_campaign_id,
            "platform_campaign_id": row.campaign_id,
            "campaign_name": row.campaign_name,
            "kind": row.kind,
            "hour_start": row.hour_start,
            "evidence": row.evidence,
            "detected_at": row.detected_at,
        }
        for row in rows
    ]


# projections ---------------------------------------------------------------------------------


async def project_rollup(
    session: AsyncSession, *, data: RollupUpdated, tenant_id: uuid.UUID | None, occurred_at: datetime
) -> int:
    """Upsert the event's rows; a row older than the stored one (by `observed_at`) never overwrites."""
    if not data.rows:
        return 0
    observed_at = data.observed_at or occurred_at
    values = [
        {
            "platform": row.platform,
            "campaign_id": row.campaign_id,
            "granularity": row.granularity,
            "period_start": row.period_start,
            "account_external_id": row.account_external_id,
            "organization_id": tenant_id,
            "currency": row.currency,
            "impressions": row.impressions,
            "clicks": row.clicks,
            "cost_micros": row.cost_micros,
            "conversions": row.conversions,
            "conversion_value_micros": row.conversion_value_micros,
            "settled": row.settled,
            "observed_at": observed_at,
        }
        for row in data.rows
    ]
    statement = pg_insert(r).values(values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[r.c.platform, r.c.campaign_id, r.c.granularity, r.c.period_start],
        set_={
            **{
                name: excluded[name]
                for name in (
                    "account_external_id",
                    "currency",
                    "impressions",
                    "clicks",
                    "cost_micros",
                    "conversions",
                    "conversion_value_micros",
                    "settled",
                    "observed_at",
                )
            },
            "organization_id": func.coalesce(excluded.organization_id, r.c.organization_id),
            "updated_at": func.now(),
        },
        where=excluded.observed_at >= r.c.observed_at,
    )
    result = await session.execute(statement)
    return result.rowcount or 0


async def project_anomaly(
    session: AsyncSession, *, event_id: uuid.UUID, data: AnomalyDetected, tenant_id: uuid.UUID | None
) -> bool:
    hour_start = data.hour_start if data.hour_start.tzinfo else data.hour_start.replace(tzinfo=UTC)
    result = await session.execute(
        pg_insert(analytics_anomalies)
        .values(
            id=event_id,
            organization_id=tenant_id,
            platform=data.platform,
            account_external_id=data.account_external_id,
            campaign_id=data.campaign_id,
            kind=data.kind,
            hour_start=hour_start,
            evidence=data.evidence,
        )
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)
