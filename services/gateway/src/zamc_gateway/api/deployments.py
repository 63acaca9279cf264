"""`/strategies/{id}/deployments` and `/deployments/{id}`: deploy an approved strategy, follow it."""

from __future__ import annotations

import uuid

from fastapi import status

from zamc_gateway.api.deps import PublisherDep, ReadPrincipal, SessionDep, WritePrincipal
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import DeploymentAccepted, DeploymentCreate, DeploymentPublic
from zamc_gateway.service_layer import deployments

router = GatewayRouter(tags=["deployments"])


@router.post("/strategies/{strategy_id}/deployments", status_code=status.HTTP_202_ACCEPTED)
async def create_deployment(
    strategy_id: uuid.UUID,
    body: DeploymentCreate,
    session: SessionDep,
    publisher: PublisherDep,
    principal: WritePrincipal,
) -> DeploymentAccepted:
    """Deploys the approved version to linked ad accounts; 409 if no version is approved."""
    return await deployments.create_deployment(
        session=session, principal=principal, publisher=publisher, strategy_id=strategy_id, request=body
    )


@router.get("/strategies/{strategy_id}/deployments")
async def list_deployments(
    strategy_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> list[DeploymentPublic]:
    return await deployments.list_deployments(session=session, principal=principal, strategy_id=strategy_id)


@router.get("/deployments/{deployment_id}")
async def get_deployment(
    deployment_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> DeploymentPublic:
    return await deployments.get_deployment(session=session, principal=principal, deployment_id=deployment_id)
