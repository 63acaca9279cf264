"""Members of an organization and their roles."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters.db import memberships, users
from zamc_gateway.domain.errors import Conflict, Forbidden, NotFound
from zamc_gateway.domain.policy import Role, may_grant
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import MemberPublic


def _member(row) -> MemberPublic:
    return MemberPublic(
        user_id=row.user_id,
        email=row.email,
        role=Role(row.role),
        status="active" if row.password_hash is not None else "invited",
        created_at=row.created_at,
    )


_COLUMNS = (
    memberships.c.user_id,
    users.c.email,
    users.c.password_hash,
    memberships.c.role,
    memberships.c.created_at,
)


async def list_members(*, session: AsyncSession, principal: Principal) -> list[MemberPublic]:
    rows = (
        await session.execute(
            select(*_COLUMNS)
            .join(users, users.c.id == memberships.c.user_id)
            .where(memberships.c.organization_id == principal.organization_id)
            .order_by(memberships.c.created_at, users.c.email)
        )
    ).all()
    return [_member(r) for r in rows]


async def add_member(*, session: AsyncSession, principal: Principal, email: str, role: Role) -> MemberPublic:
    """Add a user by email; someone without an account yet is invited and joins when they sign up."""
    if not may_grant(principal.role, role):
        raise Forbidden(f"The {principal.role} role may not grant the {role} role.")
    email = email.lower()
    user_id = (await session.execute(select(users.c.id).where(users.c.email == email))).scalar()
    if user_id is None:
        user_id = uuid.uuid4()
        await session.execute(insert(users).values(id=user_id, email=email))
    exists = (
        await session.execute(
            select(memberships.c.user_id).where(
                memberships.c.organization_id == principal.organization_id, memberships.c.user_id == user_id
            )
        )
    ).first()
    if exists is not None:
        raise Conflict("This user is already a member of the organization.")
    await session.execute(
        insert(memberships).values(organization_id=principal.organization_id, user_id=user_id, role=role)
    )
    row = (
        await session.execute(
            select(*_COLUMNS)
            .join(users, users.c.id == memberships.c.user_id)
            .where(
                memberships.c.organization_id == principal.organization_id, memberships.c.user_id == user_id
            )
        )
    ).one()
    return _member(row)


async def remove_member(*, session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> None:
    role = (
        await session.execute(
            select(memberships.c.role)
            .where(
                memberships.c.organization_id == principal.organization_id, memberships.c.user_id == user_id
            )
            .with_for_update()
        )
    ).scalar()
    if role is None:
        raise NotFound("No such member.")
    if not may_grant(principal.role, Role(role)):
        raise Forbidden(f"The {principal.role} role may not remove an {role}.")
    if role == Role.owner:
        owners = (
            await session.execute(
                select(func.count()).where(
                    memberships.c.organization_id == principal.organization_id,
                    memberships.c.role == Role.owner,
                )
            )
        ).scalar_one()
        if owners <= 1:
            raise Conflict("The last owner of an organization cannot be removed.")
    await session.execute(
        delete(memberships).where(
            memberships.c.organization_id == principal.organization_id, memberships.c.user_id == user_id
        )
    )
