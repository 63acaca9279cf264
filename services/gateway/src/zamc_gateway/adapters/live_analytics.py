"""Analytics service functions (shared by REST and GraphQL) and the rollup/anomaly projections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, literal_column, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.metrics import AnomalyDetected, RollupUpdated
from zamc_gateway.adapters import db
from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live_db import analytics_anomalies, analytics_rollup_days, analytics_rollups
from zamc_gateway.adapters.read_cache import Answer, read_cache
from zamc_gateway.adapters.reads import Reader, read_database
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


def _joined(organization_id: Any):
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


def _summary_statement():
    """Totals per platform and currency of one project over [start, end), and the project itself.

    One statement (the hot path of the dashboard), built once with bound parameters so SQLAlchemy
    compiles it once per process. The project row scopes the caller's organization and answers
    404 when absent; the totals add the whole UTC days in [first, last) from the per-day sums and
    the hours of [start, first) and [last, end) from the hourly rollups (`analytics.whole_days`):
    about 30 + 24 rows per campaign for 30 days instead of 720.
    """
    p, d = db.projects, analytics_rollup_days
    organization_id = bindparam("organization_id", type_=p.c.organization_id.type)
    project_id = bindparam("project_id", type_=p.c.id.type)
    moment = r.c.period_start.type
    start, first, last, end = (bindparam(name, type_=moment) for name in ("start", "first", "last", "end"))
    measures = (r.c.impressions, r.c.clicks, r.c.cost_micros, r.c.conversions, r.c.conversion_value_micros)

    def hours(since, until):
        return (
            select(r.c.platform, r.c.currency, *measures, r.c.settled)
            .select_from(_joined(organization_id))
            .where(
                c.c.project_id == project_id,
                r.c.granularity == "hour",
                r.c.period_start >= since,
                r.c.period_start < until,
            )
        )

    days = (
        select(
            d.c.platform,
            d.c.currency,
            *(d.c[m.name] for m in measures),
            (d.c.unsettled_hours == 0).label("settled"),
        )
        .select_from(
            d.join(
                c,
                and_(
                    c.c.platform == d.c.platform,
                    c.c.platform_campaign_id == d.c.campaign_id,
                    c.c.organization_id == organization_id,
                ),
            )
        )
        .where(c.c.project_id == project_id, d.c.day_start >= first, d.c.day_start < last)
    )
    parts = union_all(hours(start, first), days, hours(last, end)).subquery("parts")
    totals = (
        select(
            parts.c.platform,
            parts.c.currency,
            *(func.sum(parts.c[m.name]).label(m.name) for m in measures),
            func.bool_and(parts.c.settled).label("settled"),
        )
        .group_by(parts.c.platform, parts.c.currency)
        .subquery("totals")
    )
    return (
        select(p.c.id, totals)
        .select_from(p.outerjoin(totals, true()))
        .where(p.c.id == project_id, p.c.organization_id == organization_id, p.c.deleted_at.is_(None))
    )


_SUMMARY = _summary_statement()


async def summary(
    *,
    session: Reader,
    principal: Principal,
    project_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Totals per platform and overall for a project over [start, end), from hourly rollups."""
    start, end = _range(start, end)
    first, last = analytics.whole_days(start, end)
    rows = (
        await session.execute(
            _SUMMARY,
            {
                "organization_id": principal.organization_id,
                "project_id": project_id,
                "start": start,
                "first": first,
                "last": last,
                "end": end,
            },
        )
    ).all()
    if not rows:
        raise NotFound("project not found")
    rows = [row for row in rows if row.platform is not None]
    result = analytics.summarize(_point(row, granularity="hour", period_start=start) for row in rows)
    return {"project_id": project_id, "from": start, "to": end, **result.as_dict()}


async def cached_summary(
    *,
    runtime: Any,
    principal: Principal,
    project_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Answer:
    """`summary` on the read pool, remembered per organization until its data changes (or for
    `summary_cache_seconds`; `adapters.read_cache`). What REST and GraphQL answer."""
    start, end = _range(start, end)

    async def load() -> Answer:
        async with read_database(runtime).connect() as connection:
            return Answer(
                await summary(
                    session=connection, principal=principal, project_id=project_id, start=start, end=end
                )
            )

    return await read_cache(runtime).get_or_load(
        principal.organization_id, ("summary", project_id, start, end), load
    )


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


# pg_advisory_xact_lock(class, key): the class of the per-campaign locks of `analytics_rollup_days`.
_ROLLUP_DAYS_LOCK = 0x5A4D  # "ZM"
_DAY = func.date_trunc(literal_column("'day'"), r.c.period_start, literal_column("'UTC'"))


async def project_rollup(
    session: AsyncSession, *, data: RollupUpdated, tenant_id: uuid.UUID | None, occurred_at: datetime
) -> int:
    """Upsert the event's rows; a row older than the stored one (by `observed_at`) never overwrites.

    Then recompute the per-UTC-day sums of the days its hourly rows touch. A transaction-scoped lock
    per campaign, taken first, makes concurrent projections of one campaign take turns, so each
    recomputation sees the hours the previous one committed.
    """
    if not data.rows:
        return 0
    touched: dict[tuple[str, str], set[datetime]] = {}
    for row in data.rows:
        if row.granularity == "hour":
            touched.setdefault((row.platform, row.campaign_id), set()).add(
                analytics.utc_day(row.period_start)
            )
    for platform, campaign_id in sorted(touched):
        await session.execute(
            select(func.pg_advisory_xact_lock(_ROLLUP_DAYS_LOCK, func.hashtext(f"{platform}:{campaign_id}")))
        )
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
    for (platform, campaign_id), days in sorted(touched.items()):
        await _sum_days(session, platform=platform, campaign_id=campaign_id, first=min(days), last=max(days))
    return result.rowcount or 0


async def _sum_days(
    session: AsyncSession, *, platform: str, campaign_id: str, first: datetime, last: datetime
) -> None:
    """Recompute `analytics_rollup_days` of one campaign for the UTC days first..last from its hours."""
    d = analytics_rollup_days
    await session.execute(
        delete(d).where(
            d.c.platform == platform,
            d.c.campaign_id == campaign_id,
            d.c.day_start >= first,
            d.c.day_start <= last,
        )
    )
    sums = select(
        r.c.platform,
        r.c.campaign_id,
        _DAY,
        r.c.currency,
        func.sum(r.c.impressions),
        func.sum(r.c.clicks),
        func.sum(r.c.cost_micros),
        func.sum(r.c.conversions),
        func.sum(r.c.conversion_value_micros),
        func.count(),
        func.count().filter(~r.c.settled),
    ).where(
        r.c.platform == platform,
        r.c.campaign_id == campaign_id,
        r.c.granularity == "hour",
        r.c.period_start >= first,
        r.c.period_start < last + timedelta(days=1),
    )
    await session.execute(
        insert(d).from_select(
            [col.name for col in d.c],
            sums.group_by(r.c.platform, r.c.campaign_id, _DAY, r.c.currency),
        )
    )


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
