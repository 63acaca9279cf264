"""`/recommendations` and a project's autopilot switch."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Query, status
from pydantic import BaseModel, ConfigDict

from zamc_gateway.adapters import live_recommendations as service
from zamc_gateway.api.deps import ReadPrincipal, SessionDep, WritePrincipal
from zamc_gateway.api.live import HubDep, PublisherDep
from zamc_gateway.api.routing import GatewayRouter

router = GatewayRouter(tags=["recommendations"])


class AutopilotUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


@router.get("/recommendations")
async def list_recommendations(
    session: SessionDep,
    principal: ReadPrincipal,
    project_id: uuid.UUID | None = None,
    status: Literal["open", "apply_requested", "applied", "dismissed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    return await service.list_recommendations(
        session=session, principal=principal, project_id=project_id, status=status, limit=limit
    )


@router.get("/recommendations/{recommendation_id}")
async def get_recommendation(
    recommendation_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> dict[str, Any]:
    return await service.get_recommendation(
        session=session, principal=principal, recommendation_id=recommendation_id
    )


@router.post("/recommendations/{recommendation_id}/apply", status_code=status.HTTP_202_ACCEPTED)
async def apply_recommendation(
    recommendation_id: uuid.UUID,
    session: SessionDep,
    principal: WritePrincipal,
    publisher: PublisherDep,
    hub: HubDep,
) -> dict[str, Any]:
    """Ask the optimiser to apply it: it turns `applied` once the platform changes are sent, or
    `refused` with the `reason` (a guardrail, e.g. the campaign's cool-down); nothing then changes."""
    return await service.apply_recommendation(
        session=session,
        principal=principal,
        publisher=publisher,
        hub=hub,
        recommendation_id=recommendation_id,
    )


@router.post("/recommendations/{recommendation_id}/dismiss")
async def dismiss_recommendation(
    recommendation_id: uuid.UUID,
    session: SessionDep,
    principal: WritePrincipal,
    publisher: PublisherDep,
    hub: HubDep,
) -> dict[str, Any]:
    return await service.dismiss_recommendation(
        session=session,
        principal=principal,
        publisher=publisher,
        hub=hub,
        recommendation_id=recommendation_id,
    )


@router.get("/projects/{project_id}/autopilot", tags=["projects"])
async def get_autopilot(
    project_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> dict[str, Any]:
    return await service.get_autopilot(session=session, principal=principal, project_id=project_id)


@router.post("/projects/{project_id}/autopilot", tags=["projects"])
async def set_autopilot(
    project_id: uuid.UUID,
    body: AutopilotUpdate,
    session: SessionDep,
    principal: WritePrincipal,
    publisher: PublisherDep,
    hub: HubDep,
) -> dict[str, Any]:
    """Let the optimiser apply its recommendations for this project by itself (inside its guardrails)."""
    return await service.set_autopilot(
        session=session,
        principal=principal,
        publisher=publisher,
        hub=hub,
        project_id=project_id,
        enabled=body.enabled,
    )
