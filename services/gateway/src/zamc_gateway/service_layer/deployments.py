"""Deployments of an approved strategy version to ad accounts, and what they became."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts import campaign as events
from zamc_events.runtime.outbox import Publisher
from zamc_gateway.adapters.db import deployments, platform_campaigns
from zamc_gateway.domain import deployments as rules
from zamc_gateway.domain.errors import Conflict, FieldError, InvalidFields, NotFound
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import DeploymentAccepted, DeploymentCreate, DeploymentPublic, TargetPublic
from zamc_gateway.service_layer.connections import linked_accounts
from zamc_gateway.service_layer.strategies import load_strategy, load_version


async def create_deployment(
    *,
    session: AsyncSession,
    principal: Principal,
    publisher: Publisher,
    strategy_id: uuid.UUID,
    request: DeploymentCreate,
) -> DeploymentAccepted:
    row = await load_strategy(session=session, principal=principal, strategy_id=strategy_id)
    if row.approved_version is None:
        raise Conflict("Only an approved strategy can be deployed: approve it first.")
    strategy = await load_version(session, row.id, row.approved_version)
    assert strategy is not None
    accounts = {
        (a.platform, a.external_id)
        for a in await linked_accounts(session=session, organization_id=principal.organization_id)
    }
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for i, target in enumerate(request.targets):
        key = (target.platform, target.account_external_id)
        if not rules.plans_platform(strategy, target.platform):
            errors.append(FieldError(f"/targets/{i}/platform", f"the strategy has no {target.platform} plan"))
        elif key not in accounts:
            errors.append(
                FieldError(
                    f"/targets/{i}/account_external_id",
                    f"is not a linked {target.platform} account of the organization",
                    type="not_linked",
                )
            )
        elif key in seen:
            errors.append(FieldError(f"/targets/{i}", "is listed twice", type="duplicate"))
        seen.add(key)
    if errors:
        raise InvalidFields(errors)
    deployment_id = uuid.uuid4()
    targets = [(t.platform, t.account_external_id) for t in request.targets]
    await session.execute(
        insert(deployments).values(
            id=deployment_id,
            organization_id=principal.organization_id,
            project_id=row.project_id,
            strategy_id=row.id,
            strategy_version=row.approved_version,
            status="pending",
            policy=request.policy,
            targets=rules.new_targets(targets),
            requested_by=principal.actor_id,
        )
    )
    await publisher.emit(
        session,
        events.DeployRequested(
            deployment_id=deployment_id,
            strategy=strategy,
            targets=[events.DeploymentTarget(platform=p, account_external_id=a) for p, a in targets],
            policy=request.policy,
            requested_by=principal.actor_id,
        ),
        tenant_id=principal.organization_id,
        correlation_id=deployment_id,
    )
    return DeploymentAccepted(id=deployment_id, status="pending")


def _public(row: Any) -> DeploymentPublic:
    return DeploymentPublic(
        id=row.id,
        project_id=row.project_id,
        strategy_id=row.strategy_id,
        strategy_version=row.strategy_version,
        status=row.status,
        policy=row.policy,
        targets=[TargetPublic.model_validate(t) for t in row.targets],
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )


async def get_deployment(
    *, session: AsyncSession, principal: Principal, deployment_id: uuid.UUID
) -> DeploymentPublic:
    row = (
        await session.execute(
            select(deployments).where(
                deployments.c.id == deployment_id, deployments.c.organization_id == principal.organization_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("No such deployment.")
    return _public(row)


async def list_deployments(
    *, session: AsyncSession, principal: Principal, strategy_id: uuid.UUID
) -> list[DeploymentPublic]:
    await load_strategy(session=session, principal=principal, strategy_id=strategy_id)
    rows = (
        await session.execute(
            select(deployments)
            .where(
                deployments.c.organization_id == principal.organization_id,
                deployments.c.strategy_id == strategy_id,
            )
            .order_by(deployments.c.created_at.desc(), deployments.c.id)
        )
    ).all()
    return [_public(r) for r in rows]


# projections ------------------------------------------------------------------------------------
async def _locked(session: AsyncSession, deployment_id: uuid.UUID) -> Any:
    return (
        await session.execute(select(deployments).where(deployments.c.id == deployment_id).with_for_update())
    ).first()


async def project_deployed(*, session: AsyncSession, data: events.CampaignDeployed) -> uuid.UUID | None:
    row = await _locked(session, data.deployment_id)
    if row is None:
        return None
    targets = rules.target_deployed(
        row.targets,
        platform=data.platform,
        account=data.account_external_id,
        campaign_ids=list(data.platform_campaign_ids),
    )
    await session.execute(
        update(deployments)
        .where(deployments.c.id == row.id)
        .values(targets=targets, status=rules.running_status(row.status), updated_at=func.now())
    )
    strategy = await load_version(session, row.strategy_id, row.strategy_version)
    campaign_objects = {o.platform_id: o for o in data.objects if o.kind == "campaign"}
    for platform_campaign_id in data.platform_campaign_ids:
        obj = campaign_objects.get(platform_campaign_id)
        strategy_key = obj.strategy_key if obj else None
        details = (
            rules.campaign_details(strategy, data.platform, strategy_key)
            if strategy
            else rules.CampaignDetails()
        )
        await session.execute(
            pg_insert(platform_campaigns)
            .values(
                id=uuid.uuid4(),
                organization_id=row.organization_id,
                project_id=row.project_id,
                deployment_id=row.id,
                strategy_id=row.strategy_id,
                platform=data.platform,
                account_external_id=data.account_external_id,
                platform_campaign_id=platform_campaign_id,
                strategy_key=strategy_key,
                name=details.name or platform_campaign_id,
                status="PAUSED",
                daily_budget_micros=details.daily_budget_micros,
                bidding=details.bidding,
                currency=strategy.currency if strategy else "XXX",
            )
            .on_conflict_do_nothing(constraint="uq_platform_campaigns_platform_id")
        )
    return row.organization_id


async def project_deploy_failed(
    *, session: AsyncSession, data: events.CampaignDeployFailed
) -> uuid.UUID | None:
    row = await _locked(session, data.deployment_id)
    if row is None:
        return None
    targets = rules.target_failed(
        row.targets,
        platform=data.platform,
        account=data.account_external_id,
        error=data.error.model_dump(mode="json"),
    )
    await session.execute(
        update(deployments)
        .where(deployments.c.id == row.id)
        .values(targets=targets, status=rules.running_status(row.status), updated_at=func.now())
    )
    return row.organization_id


async def project_completed(*, session: AsyncSession, data: events.DeploymentCompleted) -> uuid.UUID | None:
    row = await _locked(session, data.deployment_id)
    if row is None:
        return None
    targets = [
        {
            "platform": t.platform,
            "account_external_id": t.account_external_id,
            "status": t.status,
            "platform_campaign_ids": list(t.platform_campaign_ids),
            "error": t.error.model_dump(mode="json") if t.error else None,
        }
        for t in data.targets
    ]
    await session.execute(
        update(deployments)
        .where(deployments.c.id == row.id)
        .values(targets=targets, status=data.status, completed_at=func.now(), updated_at=func.now())
    )
    removed = [
        campaign_id
        for t in data.targets
        if t.status == "rolled_back"
        for campaign_id in t.platform_campaign_ids
    ]
    if removed:
        await session.execute(
            update(platform_campaigns)
            .where(
                platform_campaigns.c.deployment_id == row.id,
                platform_campaigns.c.platform_campaign_id.in_(removed),
            )
            .values(status="REMOVED", updated_at=func.now())
        )
    return row.organization_id
