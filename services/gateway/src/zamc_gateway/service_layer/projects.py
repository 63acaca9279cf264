"""Projects: one business and its campaigns, owned by an organization."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters.db import projects
from zamc_gateway.domain.errors import NotFound
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import BusinessPublic, ProjectCreate, ProjectPatch, ProjectPublic


def _public(row) -> ProjectPublic:
    return ProjectPublic(
        id=row.id,
        name=row.name,
        business=BusinessPublic.model_validate(row.business),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _mine(principal: Principal, project_id: uuid.UUID):
    return (
        projects.c.id == project_id,
        projects.c.organization_id == principal.organization_id,
        projects.c.deleted_at.is_(None),
    )


async def create_project(
    *, session: AsyncSession, principal: Principal, project: ProjectCreate
) -> ProjectPublic:
    row = (
        await session.execute(
            insert(projects)
            .values(
                id=uuid.uuid4(),
                organization_id=principal.organization_id,
                name=project.name,
                business=project.business.model_dump(mode="json"),
                created_by=principal.actor_id,
            )
            .returning(projects)
        )
    ).one()
    return _public(row)


async def list_projects(*, session: AsyncSession, principal: Principal) -> list[ProjectPublic]:
    rows = (
        await session.execute(
            select(projects)
            .where(projects.c.organization_id == principal.organization_id, projects.c.deleted_at.is_(None))
            .order_by(projects.c.created_at, projects.c.id)
        )
    ).all()
    return [_public(r) for r in rows]


async def load_project(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID, for_update: bool = False
) -> Any:
    query = select(projects).where(*_mine(principal, project_id))
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound("No such project.")
    return row


async def get_project(*, session: AsyncSession, principal: Principal, project_id: uuid.UUID) -> ProjectPublic:
    return _public(await load_project(session=session, principal=principal, project_id=project_id))


async def update_project(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID, patch: ProjectPatch
) -> ProjectPublic:
    row = await load_project(session=session, principal=principal, project_id=project_id, for_update=True)
    values: dict[str, Any] = {"updated_at": func.now()}
    changes = patch.model_dump(mode="json", exclude_unset=True)
    if "name" in changes and changes["name"] is not None:
        values["name"] = changes["name"]
    if changes.get("business"):
        values["business"] = {**row.business, **changes["business"]}
        if not values["business"].get("name"):
            values["business"]["name"] = row.business["name"]
    updated = (
        await session.execute(
            update(projects).where(projects.c.id == row.id).values(**values).returning(projects)
        )
    ).one()
    return _public(updated)


async def delete_project(*, session: AsyncSession, principal: Principal, project_id: uuid.UUID) -> None:
    found = (
        await session.execute(
            update(projects)
            .where(*_mine(principal, project_id))
            .values(deleted_at=func.now(), updated_at=func.now())
            .returning(projects.c.id)
        )
    ).first()
    if found is None:
        raise NotFound("No such project.")
