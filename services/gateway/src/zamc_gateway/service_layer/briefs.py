"""Briefs: what the marketer wants; accepted at once, a strategy is generated asynchronously."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.common import AdAccount
from zamc_events.contracts.strategy import (
    Brief,
    BriefBudget,
    Business,
    StrategyFailed,
    StrategyGenerated,
    StrategyProgress,
    StrategyRequested,
)
from zamc_events.runtime.outbox import Publisher
from zamc_gateway.adapters.db import briefs
from zamc_gateway.domain.errors import FieldError, InvalidFields, NotFound
from zamc_gateway.domain.money import fits_currency, to_micros
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import BriefAccepted, BriefCreate, BriefPublic, Progress
from zamc_gateway.service_layer.connections import linked_accounts
from zamc_gateway.service_layer.projects import load_project


def _check(request: BriefCreate) -> None:
    errors = []
    if request.end_date is not None and request.end_date < request.start_date:
        errors.append(FieldError(field="/end_date", message="must not be before start_date"))
    if len(set(request.platforms)) != len(request.platforms):
        errors.append(FieldError(field="/platforms", message="lists a platform twice"))
    if not fits_currency(to_micros(request.budget.amount), request.budget.currency):
        errors.append(
            FieldError(
                field="/budget/amount",
                message=f"is finer than the smallest unit of {request.budget.currency}",
            )
        )
    if errors:
        raise InvalidFields(errors)


async def create_brief(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    project_id: uuid.UUID,
    request: BriefCreate,
) -> BriefAccepted:
    project = await load_project(session=session, principal=principal, project_id=project_id)
    _check(request)
    brief_id = uuid.uuid4()
    accounts = await linked_accounts(
        session=session, organization_id=principal.organization_id, platforms=list(request.platforms)
    )
    brief = Brief(
        brief_id=brief_id,
        project_id=project.id,
        product=request.product,
        audience=request.audience,
        goal=request.goal,
        budget=BriefBudget(
            amount_micros=to_micros(request.budget.amount),
            currency=request.budget.currency,
            period=request.budget.period,
        ),
        start_date=request.start_date,
        end_date=request.end_date,
        platforms=list(request.platforms),
        locations=list(request.locations),
        languages=list(request.languages),
        landing_page_url=request.landing_page_url,
        business=Business.model_validate(project.business),
        accounts=[
            AdAccount(
                external_id=a.external_id,
                name=a.name,
                currency=a.currency,
                time_zone=a.time_zone,
                manager_external_id=a.manager_external_id,
            )
            for a in accounts
        ],
    )
    await session.execute(
        insert(briefs).values(
            id=brief_id,
            organization_id=principal.organization_id,
            project_id=project.id,
            request=brief.model_dump(mode="json"),
            status="generating",
            created_by=principal.actor_id,
        )
    )
    await publisher.emit(
        session, StrategyRequested(brief=brief), tenant_id=principal.organization_id, correlation_id=brief_id
    )
    return BriefAccepted(id=brief_id, status="generating")


def _public(row) -> BriefPublic:
    return BriefPublic(
        id=row.id,
        project_id=row.project_id,
        status=row.status,
        progress=Progress(percent=row.progress_percent, step=row.progress_step, message=row.progress_message),
        strategy_id=row.strategy_id,
        failure_reason=row.failure_reason,
        request=row.request,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def get_brief(*, session: AsyncSession, principal: Principal, brief_id: uuid.UUID) -> BriefPublic:
    row = (
        await session.execute(
            select(briefs).where(
                briefs.c.id == brief_id, briefs.c.organization_id == principal.organization_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("No such brief.")
    return _public(row)


async def list_briefs(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> list[BriefPublic]:
    await load_project(session=session, principal=principal, project_id=project_id)
    rows = (
        await session.execute(
            select(briefs)
            .where(briefs.c.organization_id == principal.organization_id, briefs.c.project_id == project_id)
            .order_by(briefs.c.created_at.desc(), briefs.c.id)
        )
    ).all()
    return [_public(r) for r in rows]


# projections ------------------------------------------------------------------------------------
async def project_progress(*, session: AsyncSession, data: StrategyProgress) -> uuid.UUID | None:
    row = (
        await session.execute(
            update(briefs)
            .where(briefs.c.id == data.brief_id, briefs.c.status == "generating")
            .values(
                progress_percent=func.greatest(briefs.c.progress_percent, data.percent),
                progress_step=data.step,
                progress_message=data.message,
                updated_at=func.now(),
            )
            .returning(briefs.c.organization_id)
        )
    ).first()
    return row.organization_id if row else None


async def project_generated(*, session: AsyncSession, data: StrategyGenerated) -> uuid.UUID | None:
    row = (
        await session.execute(
            update(briefs)
            .where(briefs.c.id == data.strategy.brief_id)
            .values(
                status="generated",
                strategy_id=data.strategy.strategy_id,
                progress_percent=100,
                progress_step="done",
                failure_reason=None,
                updated_at=func.now(),
            )
            .returning(briefs.c.organization_id)
        )
    ).first()
    return row.organization_id if row else None


async def project_failed(*, session: AsyncSession, data: StrategyFailed) -> uuid.UUID | None:
    row = (
        await session.execute(
            update(briefs)
            .where(briefs.c.id == data.brief_id, briefs.c.status == "generating")
            .values(status="failed", failure_reason=data.reason, updated_at=func.now())
            .returning(briefs.c.organization_id)
        )
    ).first()
    return row.organization_id if row else None
