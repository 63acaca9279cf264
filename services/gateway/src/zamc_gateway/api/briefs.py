"""`/projects/{id}/briefs` and `/briefs/{id}`: ask for a strategy and follow its generation."""

from __future__ import annotations

import uuid

from fastapi import status

from zamc_gateway.api.deps import PublisherDep, ReadPrincipal, SessionDep, WritePrincipal
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.metrics import BRIEFS_SUBMITTED
from zamc_gateway.schemas import BriefAccepted, BriefCreate, BriefPublic
from zamc_gateway.service_layer import briefs

router = GatewayRouter(tags=["briefs"])


@router.post("/projects/{project_id}/briefs", status_code=status.HTTP_202_ACCEPTED)
async def create_brief(
    project_id: uuid.UUID,
    body: BriefCreate,
    session: SessionDep,
    publisher: PublisherDep,
    principal: WritePrincipal,
) -> BriefAccepted:
    """Accepted at once; follow `GET /briefs/{id}` (or the live stream) for progress and the strategy."""
    accepted = await briefs.create_brief(
        session=session, principal=principal, publisher=publisher, project_id=project_id, request=body
    )
    BRIEFS_SUBMITTED.inc()
    return accepted


@router.get("/projects/{project_id}/briefs")
async def list_briefs(
    project_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> list[BriefPublic]:
    return await briefs.list_briefs(session=session, principal=principal, project_id=project_id)


@router.get("/briefs/{brief_id}")
async def get_brief(brief_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal) -> BriefPublic:
    return await briefs.get_brief(session=session, principal=principal, brief_id=brief_id)
