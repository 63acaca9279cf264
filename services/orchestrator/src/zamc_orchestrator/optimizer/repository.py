"""The optimiser's state in PostgreSQL: what it learnt from events, and loading a project's histories."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.campaign import (
    CampaignBidTargetChanged,
    CampaignBidTargetChangeFailed,
    CampaignChanged,
    CampaignChangeFailed,
    CampaignDeployed,
    DeployRequested,
)
from zamc_events.contracts.metrics import MetricsObserved, RollupUpdated
from zamc_events.contracts.optimization import AutopilotChanged
from zamc_events.contracts.strategy import Brief
from zamc_orchestrator.adapters.db import strategy_generations
from zamc_orchestrator.optimizer import tables as t
from zamc_orchestrator.optimizer.domain.budgets import total_budget_micros
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, HourRow


def key_filter(table: Any, key: CampaignKey) -> Any:
    return and_(
        table.c.platform == key.platform,
        table.c.account_external_id == key.account_external_id,
        table.c.campaign_id == key.campaign_id,
    )


async def ensure_campaign(session: AsyncSession, key: CampaignKey, **values: Any) -> None:
    statement = pg_insert(t.campaigns).values(
        platform=key.platform,
        account_external_id=key.account_external_id,
        campaign_id=key.campaign_id,
        **values,
    )
    await session.execute(statement.on_conflict_do_nothing())


# ----- metrics -----------------------------------------------------------------------------------
async def record_rollup(session: AsyncSession, event: RollupUpdated) -> int:
    rows = [r for r in event.rows if r.granularity == "hour"]
    key = CampaignKey(event.platform, event.account_external_id, event.campaign_id)
    await ensure_campaign(session, key, currency=rows[0].currency if rows else None)
    if not rows:
        return 0
    values = [
        {
            "platform": event.platform,
            "account_external_id": event.account_external_id,
            "campaign_id": event.campaign_id,
            "hour_start": r.period_start,
            "currency": r.currency,
            "impressions": r.impressions,
            "clicks": r.clicks,
            "cost_micros": r.cost_micros,
            "conversions": r.conversions,
            "conversion_value_micros": r.conversion_value_micros,
            "settled": r.settled,
            "observed_at": event.observed_at,
        }
        for r in rows
    ]
    statement = pg_insert(t.campaign_hours).values(values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["platform", "account_external_id", "campaign_id", "hour_start"],
        set_={
            name: getattr(excluded, name)
            for name in (
                "currency",
                "impressions",
                "clicks",
                "cost_micros",
                "conversions",
                "conversion_value_micros",
                "settled",
                "observed_at",
            )
        }
        | {"updated_at": func.now()},
        # an older restatement never overwrites a newer one
        where=or_(
            excluded.observed_at.is_(None),
            t.campaign_hours.c.observed_at.is_(None),
            excluded.observed_at >= t.campaign_hours.c.observed_at,
        ),
    )
    await session.execute(statement)
    await session.execute(
        update(t.campaigns)
        .where(key_filter(t.campaigns, key), t.campaigns.c.currency.is_(None))
        .values(currency=rows[0].currency)
    )
    return len(rows)


async def record_observed(session: AsyncSession, event: MetricsObserved) -> int:
    latest: dict[tuple[str, datetime], Any] = {}
    for o in event.observations:
        if o.ad_id is None:
            continue
        k = (o.ad_id, o.hour_start)
        if k not in latest or o.reported_at >= latest[k].reported_at:
            latest[k] = o
    if not latest:
        return 0
    ads = {
        o.ad_id: {
            "platform": event.platform,
            "account_external_id": event.account_external_id,
            "ad_id": o.ad_id,
            "campaign_id": o.campaign_id,
            "ad_group_id": o.ad_group_id,
        }
        for o in latest.values()
    }
    await session.execute(pg_insert(t.ads).values(list(ads.values())).on_conflict_do_nothing())
    statement = pg_insert(t.ad_hours).values(
        [
            {
                "platform": event.platform,
                "account_external_id": event.account_external_id,
                "ad_id": o.ad_id,
                "hour_start": o.hour_start,
                "campaign_id": o.campaign_id,
                "ad_group_id": o.ad_group_id,
                "impressions": o.impressions,
                "clicks": o.clicks,
                "cost_micros": o.cost_micros,
                "conversions": o.conversions,
                "conversion_value_micros": o.conversion_value_micros,
                "reported_at": o.reported_at,
            }
            for o in latest.values()
        ]
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["platform", "account_external_id", "ad_id", "hour_start"],
        set_={
            name: getattr(excluded, name)
            for name in (
                "impressions",
                "clicks",
                "cost_micros",
                "conversions",
                "conversion_value_micros",
                "reported_at",
            )
        },
        where=excluded.reported_at >= t.ad_hours.c.reported_at,
    )
    await session.execute(statement)
    return len(latest)


# ----- deployments and changes (events the deployment saga also handles) ------------------------
async def record_deploy_requested(
    session: AsyncSession, event: DeployRequested, *, tenant_id: uuid.UUID | None
) -> None:
    strategy = event.strategy
    plan: dict[str, dict[str, Any]] = {}
    for campaign in strategy.google_ads.campaigns if strategy.google_ads else []:
        target = (
            campaign.target_roas if campaign.bidding_strategy == "TARGET_ROAS" else campaign.target_cpa_micros
        )
        plan[campaign.key] = {
            "kind": "campaign",
            "platform": "google_ads",
            "daily_budget_micros": campaign.daily_budget_micros,
            "bidding_strategy": campaign.bidding_strategy,
            "bid_target": target,
        }
    for campaign in strategy.meta.campaigns if strategy.meta else []:
        plan[campaign.key] = {"kind": "campaign", "platform": "meta"}
        for ad_set in campaign.ad_sets:
            plan[ad_set.key] = {"kind": "ad_set", "daily_budget_micros": ad_set.daily_budget_micros}
    await session.execute(
        pg_insert(t.deployments)
        .values(
            deployment_id=event.deployment_id,
            project_id=strategy.project_id,
            tenant_id=tenant_id,
            currency=strategy.currency,
            plan=plan,
        )
        .on_conflict_do_nothing()
    )
    brief = await session.scalar(
        select(strategy_generations.c.brief).where(strategy_generations.c.brief_id == strategy.brief_id)
    )
    statement = pg_insert(t.projects).values(
        project_id=strategy.project_id,
        tenant_id=tenant_id,
        currency=strategy.currency,
        daily_cap_micros=strategy.daily_budget_micros,
        total_budget_micros=total_budget_micros(
            brief_budget=Brief.model_validate(brief).budget if brief else None,
            currency=strategy.currency,
            daily_micros=strategy.daily_budget_micros,
            start=strategy.start_date,
            end=strategy.end_date,
        ),
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"],
            set_={
                "currency": statement.excluded.currency,
                "daily_cap_micros": statement.excluded.daily_cap_micros,
                "total_budget_micros": statement.excluded.total_budget_micros,
                "updated_at": func.now(),
            },
        )
    )


async def record_deployed(
    session: AsyncSession, event: CampaignDeployed, *, tenant_id: uuid.UUID | None, at: datetime
) -> None:
    found = (
        await session.execute(
            select(t.deployments).where(t.deployments.c.deployment_id == event.deployment_id)
        )
    ).first()
    plan: dict[str, Any] = dict(found.plan) if found else {}
    parents = {o.platform_id: o.parent_platform_id for o in event.objects}
    for obj in [o for o in event.objects if o.kind == "campaign"]:
        entry = plan.get(obj.strategy_key, {})
        if event.platform == "meta":
            budgets = [
                plan.get(o.strategy_key, {}).get("daily_budget_micros")
                for o in event.objects
                if o.kind == "ad_set" and o.parent_platform_id == obj.platform_id
            ]
            budget = sum(b for b in budgets if b) or None
        else:
            budget = entry.get("daily_budget_micros")
        key = CampaignKey(event.platform, event.account_external_id, obj.platform_id)
        values = {
            "project_id": found.project_id if found else None,
            "tenant_id": tenant_id,
            "deployment_id": event.deployment_id,
            "strategy_key": obj.strategy_key,
            "currency": found.currency if found else None,
            "daily_budget_micros": budget,
            "status": "ENABLED",
            "bidding": {k: entry[k] for k in ("bidding_strategy", "bid_target") if k in entry},
        }
        statement = pg_insert(t.campaigns).values(
            platform=key.platform,
            account_external_id=key.account_external_id,
            campaign_id=key.campaign_id,
            **values,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["platform", "account_external_id", "campaign_id"],
                set_={
                    **{k: getattr(statement.excluded, k) for k in values},
                    "currency": func.coalesce(statement.excluded.currency, t.campaigns.c.currency),
                    "updated_at": func.now(),
                },
            )
        )
        if budget:
            await record_budget(session, key, budget, at=at, source="deployed")
    ads = [
        {
            "platform": event.platform,
            "account_external_id": event.account_external_id,
            "ad_id": o.platform_id,
            "ad_group_id": o.parent_platform_id,
            "campaign_id": parents.get(o.parent_platform_id) or "",
        }
        for o in event.objects
        if o.kind == "ad"
    ]
    if ads:
        await session.execute(pg_insert(t.ads).values(ads).on_conflict_do_nothing())


async def record_changed(session: AsyncSession, event: CampaignChanged, *, at: datetime) -> None:
    audit = (await session.execute(select(t.changes).where(t.changes.c.change_id == event.change_id))).first()
    if audit is not None:
        await session.execute(
            update(t.changes)
            .where(t.changes.c.change_id == event.change_id)
            .values(outcome="applied", outcome_at=at)
        )
    for campaign_id in event.platform_campaign_ids:
        key = CampaignKey(event.platform, event.account_external_id, campaign_id)
        values: dict[str, Any] = {"updated_at": func.now()}
        if event.change == "budget" and event.daily_budget_micros is not None:
            current = (
                await session.execute(
                    select(t.campaigns.c.daily_budget_micros).where(key_filter(t.campaigns, key))
                )
            ).scalar_one_or_none()
            values["daily_budget_micros"] = event.daily_budget_micros
            values["last_changed_at"] = func.greatest(func.coalesce(t.campaigns.c.last_changed_at, at), at)
            if current != event.daily_budget_micros:
                await record_budget(
                    session,
                    key,
                    event.daily_budget_micros,
                    at=at,
                    source="changed",
                    change_id=event.change_id,
                )
        if event.status is not None and (audit is None or audit.object_kind == "campaign"):
            values["status"] = event.status
        await session.execute(update(t.campaigns).where(key_filter(t.campaigns, key)).values(**values))
    if audit is not None and audit.field == "status" and audit.object_kind != "campaign":
        await _set_object_status(session, audit, audit.new_value, at)


async def record_change_failed(session: AsyncSession, event: CampaignChangeFailed, *, at: datetime) -> None:
    audit = (await session.execute(select(t.changes).where(t.changes.c.change_id == event.change_id))).first()
    if audit is None:
        return
    await session.execute(
        update(t.changes)
        .where(t.changes.c.change_id == event.change_id)
        .values(outcome="failed", outcome_at=at, error=f"{event.error.code}: {event.error.message}")
    )
    # undo what was assumed when the command was sent
    key = CampaignKey(audit.platform, audit.account_external_id, audit.object_id)
    if audit.field == "daily_budget_micros" and audit.old_value is not None:
        result = await session.execute(
            update(t.campaigns)
            .where(key_filter(t.campaigns, key), t.campaigns.c.daily_budget_micros == int(audit.new_value))
            .values(daily_budget_micros=int(audit.old_value), updated_at=func.now())
        )
        if result.rowcount:
            await record_budget(
                session, key, int(audit.old_value), at=at, source="reverted", change_id=event.change_id
            )
    elif audit.field == "status" and audit.object_kind != "campaign" and audit.old_value:
        await _set_object_status(session, audit, audit.old_value, at)


async def record_budget(
    session: AsyncSession,
    key: CampaignKey,
    daily_budget_micros: int,
    *,
    at: datetime,
    source: str,
    change_id: uuid.UUID | None = None,
) -> None:
    """One row of a campaign's budget history: deployed, applied, changed or reverted."""
    await session.execute(
        t.budget_history.insert().values(
            platform=key.platform,
            account_external_id=key.account_external_id,
            campaign_id=key.campaign_id,
            effective_at=at,
            daily_budget_micros=daily_budget_micros,
            source=source,
            change_id=change_id,
        )
    )


async def set_bid_target(session: AsyncSession, key: CampaignKey, target: float | int | None) -> None:
    await session.execute(
        update(t.campaigns)
        .where(key_filter(t.campaigns, key))
        .values(
            bidding=t.campaigns.c.bidding.op("||")(bindparam(None, {"bid_target": target}, type_=JSONB)),
            updated_at=func.now(),
        )
    )


async def record_bid_target_changed(
    session: AsyncSession, event: CampaignBidTargetChanged, *, at: datetime
) -> None:
    await session.execute(
        update(t.changes)
        .where(t.changes.c.change_id == event.change_id)
        .values(outcome="applied", outcome_at=at)
    )
    key = CampaignKey(event.platform, event.account_external_id, event.platform_campaign_id)
    target = event.target_roas if event.target_roas is not None else event.target_cpa_micros
    await set_bid_target(session, key, target)


async def record_bid_target_change_failed(
    session: AsyncSession, event: CampaignBidTargetChangeFailed, *, at: datetime
) -> None:
    audit = (
        await session.execute(
            update(t.changes)
            .where(t.changes.c.change_id == event.change_id)
            .values(outcome="failed", outcome_at=at, error=f"{event.error.code}: {event.error.message}")
            .returning(t.changes.c.old_value, t.changes.c.field)
        )
    ).first()
    if audit is None or audit.old_value is None:
        return
    old = float(audit.old_value) if audit.field == "target_roas" else int(audit.old_value)
    key = CampaignKey(event.platform, event.account_external_id, event.platform_campaign_id)
    await set_bid_target(session, key, old)  # undo what was assumed when the command was sent


async def _set_object_status(session: AsyncSession, audit: Any, status: str, at: datetime) -> None:
    if audit.object_kind == "ad":
        await session.execute(
            update(t.ads)
            .where(
                t.ads.c.platform == audit.platform,
                t.ads.c.account_external_id == audit.account_external_id,
                t.ads.c.ad_id == audit.object_id,
            )
            .values(status=status, status_changed_at=at, updated_at=func.now())
        )
    else:  # an ad group / ad set: every ad under it
        await session.execute(
            update(t.ads)
            .where(
                t.ads.c.platform == audit.platform,
                t.ads.c.account_external_id == audit.account_external_id,
                t.ads.c.ad_group_id == audit.object_id,
            )
            .values(status=status, status_changed_at=at, updated_at=func.now())
        )


async def record_autopilot(
    session: AsyncSession, event: AutopilotChanged, *, tenant_id: uuid.UUID | None, at: datetime
) -> None:
    statement = pg_insert(t.projects).values(
        project_id=event.project_id,
        tenant_id=tenant_id,
        autopilot=event.enabled,
        autopilot_campaign_ids=list(event.platform_campaign_ids),
        autopilot_changed_at=at,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"],
            set_={
                "autopilot": statement.excluded.autopilot,
                "autopilot_campaign_ids": statement.excluded.autopilot_campaign_ids,
                "autopilot_changed_at": statement.excluded.autopilot_changed_at,
                "tenant_id": func.coalesce(t.projects.c.tenant_id, statement.excluded.tenant_id),
                "updated_at": func.now(),
            },
        )
    )
    if event.platform_campaign_ids:
        await session.execute(
            update(t.campaigns)
            .where(
                t.campaigns.c.campaign_id.in_(event.platform_campaign_ids), t.campaigns.c.project_id.is_(None)
            )
            .values(project_id=event.project_id, updated_at=func.now())
        )


# ----- loading ----------------------------------------------------------------------------------
@dataclass
class ProjectState:
    project_id: uuid.UUID
    tenant_id: uuid.UUID | None
    currency: str | None
    daily_cap_micros: int | None
    total_budget_micros: int | None
    autopilot: bool
    autopilot_campaign_ids: list[str]
    histories: list[CampaignHistory]
    deployments: dict[CampaignKey, uuid.UUID | None]
    ads: list[Any]  # optimizer_ads rows of the project's campaigns


async def project_ids(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.execute(
        select(t.campaigns.c.project_id).where(t.campaigns.c.project_id.is_not(None)).distinct()
    )
    return [r for (r,) in rows]


async def load_project(
    session: AsyncSession, project_id: uuid.UUID, *, lock: bool = False
) -> ProjectState | None:
    query = select(t.projects).where(t.projects.c.project_id == project_id)
    project = (await session.execute(query.with_for_update() if lock else query)).first()
    campaign_rows = (
        await session.execute(
            select(t.campaigns).where(
                t.campaigns.c.project_id == project_id, t.campaigns.c.status != "REMOVED"
            )
        )
    ).all()
    if project is None and not campaign_rows:
        return None
    keys = [CampaignKey(r.platform, r.account_external_id, r.campaign_id) for r in campaign_rows]
    campaign_ids = [k.campaign_id for k in keys]
    hours: dict[CampaignKey, list[HourRow]] = defaultdict(list)
    budgets: dict[CampaignKey, list[tuple[datetime, int]]] = defaultdict(list)
    if keys:
        for r in await session.execute(
            select(t.campaign_hours)
            .where(t.campaign_hours.c.campaign_id.in_(campaign_ids))
            .order_by(t.campaign_hours.c.hour_start)
        ):
            hours[CampaignKey(r.platform, r.account_external_id, r.campaign_id)].append(
                HourRow(
                    hour_start=r.hour_start,
                    impressions=r.impressions,
                    clicks=r.clicks,
                    cost_micros=r.cost_micros,
                    conversions=r.conversions,
                    value_micros=r.conversion_value_micros,
                    settled=r.settled,
                )
            )
        for r in await session.execute(
            select(t.budget_history)
            .where(t.budget_history.c.campaign_id.in_(campaign_ids))
            .order_by(t.budget_history.c.effective_at, t.budget_history.c.id)
        ):
            budgets[CampaignKey(r.platform, r.account_external_id, r.campaign_id)].append(
                (r.effective_at, r.daily_budget_micros)
            )
    histories = []
    for r, key in zip(campaign_rows, keys, strict=True):
        bidding = dict(r.bidding or {})
        histories.append(
            CampaignHistory(
                key=key,
                currency=r.currency or (project.currency if project else None) or "EUR",
                daily_budget_micros=r.daily_budget_micros,
                hours=hours.get(key, []),
                budgets=budgets.get(key, []),
                last_changed_at=r.last_changed_at,
                status=r.status,
                bidding_strategy=bidding.get("bidding_strategy"),
                bid_target=bidding.get("bid_target"),
            )
        )
    ads = (
        (await session.execute(select(t.ads).where(t.ads.c.campaign_id.in_(campaign_ids)))).all()
        if keys
        else []
    )
    return ProjectState(
        project_id=project_id,
        tenant_id=(project.tenant_id if project else None)
        or next((r.tenant_id for r in campaign_rows), None),
        currency=project.currency if project else None,
        daily_cap_micros=project.daily_cap_micros if project else None,
        total_budget_micros=project.total_budget_micros if project else None,
        autopilot=bool(project.autopilot) if project else False,
        autopilot_campaign_ids=list(project.autopilot_campaign_ids or []) if project else [],
        histories=histories,
        deployments={k: r.deployment_id for r, k in zip(campaign_rows, keys, strict=True)},
        ads=list(ads),
    )


async def ad_hours_of(session: AsyncSession, ads: list[Any]) -> dict[tuple[str, str, str], list[tuple]]:
    """(platform, account, ad_id) -> [(hour_start, impressions, clicks, conversions)] of the given ads."""
    if not ads:
        return {}
    rows = await session.execute(
        select(
            t.ad_hours.c.platform,
            t.ad_hours.c.account_external_id,
            t.ad_hours.c.ad_id,
            t.ad_hours.c.hour_start,
            t.ad_hours.c.impressions,
            t.ad_hours.c.clicks,
            t.ad_hours.c.conversions,
        ).where(t.ad_hours.c.ad_id.in_([a.ad_id for a in ads]))
    )
    out: dict[tuple[str, str, str], list[tuple]] = defaultdict(list)
    for r in rows:
        out[(r.platform, r.account_external_id, r.ad_id)].append(
            (r.hour_start, r.impressions, r.clicks, r.conversions)
        )
    return dict(out)
