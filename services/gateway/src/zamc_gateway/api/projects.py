"""`/projects`: CRUD of the organization's projects."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from zamc_gateway.adapters.live import LiveChange, announce, live_hub
from zamc_gateway.api.deps import ReadPrincipal, RuntimeDep, SessionDep, WritePrincipal
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import ProjectCreate, ProjectPatch, ProjectPublic
from zamc_gateway.service_layer import projects

router = GatewayRouter(prefix="/projects", tags=["projects"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_project(
    body: ProjectCreate, session: SessionDep, principal: WritePrincipal
) -> ProjectPublic:
    return await projects.create_project(session=session, principal=principal, project=body)


@router.get("")
async def list_projects(session: SessionDep, principal: ReadPrincipal) -> list[ProjectPublic]:
    return await projects.list_projects(session=session, principal=principal)


@router.get("/{project_id}")
async def get_project(project_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal) -> ProjectPublic:
    return await projects.get_project(session=session, principal=principal, project_id=project_id)


@router.patch("/{project_id}")
async def update_project(
    project_id: uuid.UUID, body: ProjectPatch, session: SessionDep, principal: WritePrincipal
) -> ProjectPublic:
    return await projects.update_project(
        session=session, principal=principal, project_id=project_id, patch=body
    )


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(
    project_id: uuid.UUID, session: SessionDep, principal: WritePrincipal, runtime: RuntimeDep
) -> Response:
    await projects.delete_project(session=session, principal=principal, project_id=project_id)
    change = LiveChange(
        organization_id=principal.organization_id,
        topic="project.changed",
        data={"project_id": project_id, "deleted": True},
    )
    announce(session, live_hub(runtime), change)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
