"""Live platform campaigns: list, pause/resume and budget changes (commands to the connectors),
and what the connectors answer."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts import campaign as events
from zamc_events.platform_limits import GOOGLE, META
from zamc_events.runtime.outbox import Publisher
from zamc_gateway.adapters.db import campaign_changes, platform_campaigns
from zamc_gateway.domain.errors import Conflict, FieldError, InvalidFields, NotFound
from zamc_gateway.domain.money import fits_currency, from_micros, to_micros
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import CampaignChangeAccepted, CampaignChangePublic, CampaignPatch, CampaignPublic
from zamc_gateway.service_layer.projects import load_project

STATUS_COMMAND = {
    "google_ads": events.GoogleAdsStatusUpdateRequested,
    "meta": events.MetaStatusUpdateRequested,
}
BUDGET_COMMAND = {
    "google_ads": events.GoogleAdsBudgetUpdateRequested,
    "meta": events.MetaBudgetUpdateRequested,
}
MIN_DAILY_BUDGET_MICROS = {
    "google_ads": GOOGLE.min_daily_budget_micros,
    "meta": META.min_adset_daily_budget_micros,
}


def _public(row: Any, pending: list[CampaignChangePublic]) -> CampaignPublic:
    return CampaignPublic(
        id=row.id,
        project_id=row.project_id,
        deployment_id=row.deployment_id,
        strategy_id=row.strategy_id,
        platform=row.platform,
        account_external_id=row.account_external_id,
        platform_campaign_id=row.platform_campaign_id,
        name=row.name,
        status=row.status,
        daily_budget_micros=row.daily_budget_micros,
        daily_budget=from_micros(row.daily_budget_micros) if row.daily_budget_micros is not None else None,
        currency=row.currency,
        bidding=row.bidding,
        last_error=row.last_error,
        pending_changes=pending,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _pending(
    session: AsyncSession, campaign_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[CampaignChangePublic]]:
    if not campaign_ids:
        return {}
    rows = (
        await session.execute(
            select(campaign_changes)
            .where(campaign_changes.c.campaign_id.in_(campaign_ids), campaign_changes.c.status == "pending")
            .order_by(campaign_changes.c.created_at)
        )
    ).all()
    out: dict[uuid.UUID, list[CampaignChangePublic]] = {}
    for r in rows:
        out.setdefault(r.campaign_id, []).append(CampaignChangePublic.model_validate(r))
    return out


async def list_campaigns(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID | None = None
) -> list[CampaignPublic]:
    query = select(platform_campaigns).where(
        platform_campaigns.c.organization_id == principal.organization_id
    )
    if project_id is not None:
        await load_project(session=session, principal=principal, project_id=project_id)
        query = query.where(platform_campaigns.c.project_id == project_id)
    rows = (
        await session.execute(query.order_by(platform_campaigns.c.created_at, platform_campaigns.c.id))
    ).all()
    pending = await _pending(session, [r.id for r in rows])
    return [_public(r, pending.get(r.id, [])) for r in rows]


async def _load(
    session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, *, for_update: bool = False
) -> Any:
    query = select(platform_campaigns).where(
        platform_campaigns.c.id == campaign_id,
        platform_campaigns.c.organization_id == principal.organization_id,
    )
    row = (await session.execute(query.with_for_update() if for_update else query)).first()
    if row is None:
        raise NotFound("No such campaign.")
    return row


async def get_campaign(
    *, session: AsyncSession, principal: Principal, campaign_id: uuid.UUID
) -> CampaignPublic:
    row = await _load(session, principal, campaign_id)
    return _public(row, (await _pending(session, [row.id])).get(row.id, []))


async def _record_change(
    session: AsyncSession, principal: Principal, row: Any, kind: str, requested: dict[str, Any]
) -> uuid.UUID:
    change_id = uuid.uuid4()
    await session.execute(
        insert(campaign_changes).values(
            id=change_id,
            organization_id=principal.organization_id,
            campaign_id=row.id,
            kind=kind,
            requested=requested,
            status="pending",
            requested_by=principal.actor_id,
        )
    )
    return change_id


async def request_status(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    campaign_id: uuid.UUID,
    status: Literal["PAUSED", "ENABLED"],
) -> CampaignChangeAccepted:
    row = await _load(session, principal, campaign_id, for_update=True)
    if row.status == "REMOVED":
        raise Conflict("The campaign was removed; it cannot be paused or resumed.")
    change_id = await _record_change(session, principal, row, "status", {"status": status})
    await publisher.emit(
        session,
        STATUS_COMMAND[row.platform](
            change_id=change_id,
            deployment_id=row.deployment_id,
            account_external_id=row.account_external_id,
            reason=f"{'paused' if status == 'PAUSED' else 'resumed'} by a user",
            platform_object_id=row.platform_campaign_id,
            object_kind="campaign",
            status=status,
        ),
        tenant_id=principal.organization_id,
    )
    return CampaignChangeAccepted(change_id=change_id, campaign_id=row.id, status="pending")


async def request_budget(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    campaign_id: uuid.UUID,
    patch: CampaignPatch,
) -> CampaignChangeAccepted:
    if (patch.daily_budget is None) == (patch.daily_budget_micros is None):
        raise InvalidFields(
            [FieldError("/daily_budget", "give exactly one of daily_budget or daily_budget_micros")]
        )
    field = "/daily_budget" if patch.daily_budget is not None else "/daily_budget_micros"
    micros = to_micros(patch.daily_budget) if patch.daily_budget is not None else patch.daily_budget_micros
    assert micros is not None
    row = await _load(session, principal, campaign_id, for_update=True)
    if row.status == "REMOVED":
        raise Conflict("The campaign was removed; its budget cannot change.")
    minimum = MIN_DAILY_BUDGET_MICROS[row.platform]
    if micros < minimum:
        raise InvalidFields(
            [
                FieldError(
                    field,
                    f"is below the minimum daily budget of {from_micros(minimum)} {row.currency}",
                    type="budget.min",
                    extra={"limit": minimum, "actual": micros},
                )
            ]
        )
    if not fits_currency(micros, row.currency):
        raise InvalidFields(
            [
                FieldError(
                    field, f"is finer than the smallest unit of {row.currency}", type="budget.currency_unit"
                )
            ]
        )
    change_id = await _record_change(session, principal, row, "budget", {"daily_budget_micros": micros})
    await publisher.emit(
        session,
        BUDGET_COMMAND[row.platform](
            change_id=change_id,
            deployment_id=row.deployment_id,
            account_external_id=row.account_external_id,
            reason="budget changed by a user",
            platform_campaign_id=row.platform_campaign_id,
            daily_budget_micros=micros,
        ),
        tenant_id=principal.organization_id,
    )
    return CampaignChangeAccepted(change_id=change_id, campaign_id=row.id, status="pending")


# projections ------------------------------------------------------------------------------------
async def project_changed(*, session: AsyncSession, data: events.CampaignChanged) -> uuid.UUID | None:
    values: dict[str, Any] = {"updated_at": func.now(), "last_error": None}
    if data.change == "rollback":
        values["status"] = "REMOVED"
    elif data.change == "launch":
        values["status"] = "ENABLED"
    elif data.change == "status" and data.status is not None:
        values["status"] = data.status
    elif data.change == "budget" and data.daily_budget_micros is not None:
        values["daily_budget_micros"] = data.daily_budget_micros
    rows = (
        await session.execute(
            update(platform_campaigns)
            .where(
                platform_campaigns.c.platform == data.platform,
                platform_campaigns.c.platform_campaign_id.in_(list(data.platform_campaign_ids)),
            )
            .values(**values)
            .returning(platform_campaigns.c.organization_id)
        )
    ).all()
    await session.execute(
        update(campaign_changes)
        .where(campaign_changes.c.id == data.change_id)
        .values(status="applied", error=None, updated_at=func.now())
    )
    return rows[0].organization_id if rows else None


async def project_change_failed(
    *, session: AsyncSession, data: events.CampaignChangeFailed
) -> uuid.UUID | None:
    error = data.error.model_dump(mode="json")
    change = (
        await session.execute(
            update(campaign_changes)
            .where(campaign_changes.c.id == data.change_id)
            .values(status="failed", error=error, updated_at=func.now())
            .returning(campaign_changes.c.campaign_id, campaign_changes.c.organization_id)
        )
    ).first()
    if change is None:
        return None
    await session.execute(
        update(platform_campaigns)
        .where(platform_campaigns.c.id == change.campaign_id)
        .values(last_error={**error, "change": data.change}, updated_at=func.now())
    )
    return change.organization_id


async def project_bid_target_changed(
    *, session: AsyncSession, data: events.CampaignBidTargetChanged
) -> uuid.UUID | None:
    target = {"target_roas": data.target_roas, "target_cpa_micros": data.target_cpa_micros}
    target = {name: value for name, value in target.items() if value is not None}
    return await _update_campaign(
        session,
        data,
        bidding=func.coalesce(platform_campaigns.c.bidding, text("'{}'::jsonb")).op("||")(
            bindparam(None, target, type_=JSONB)
        ),
        last_error=None,
    )


async def project_bid_target_change_failed(
    *, session: AsyncSession, data: events.CampaignBidTargetChangeFailed
) -> uuid.UUID | None:
    return await _update_campaign(
        session, data, last_error={**data.error.model_dump(mode="json"), "change": "bid_target"}
    )


async def _update_campaign(session: AsyncSession, data: Any, **values: Any) -> uuid.UUID | None:
    """Set `values` on the platform campaign an answer names; its organization, or None if unknown."""
    return await session.scalar(
        update(platform_campaigns)
        .where(
            platform_campaigns.c.platform == data.platform,
            platform_campaigns.c.platform_campaign_id == data.platform_campaign_id,
        )
        .values(**values, updated_at=func.now())
        .returning(platform_campaigns.c.organization_id)
    )
