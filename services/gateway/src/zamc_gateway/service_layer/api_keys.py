"""Organization API keys: created with a scope, shown once, stored hashed, revocable."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters.db import api_keys
from zamc_gateway.domain import credentials
from zamc_gateway.domain.errors import NotFound
from zamc_gateway.domain.policy import ApiKeyScope
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import ApiKeyCreated, ApiKeyPublic


async def create_api_key(
    *, session: AsyncSession, principal: Principal, name: str, scope: ApiKeyScope
) -> ApiKeyCreated:
    key = credentials.new_api_key()
    row = (
        await session.execute(
            insert(api_keys)
            .values(
                id=uuid.uuid4(),
                organization_id=principal.organization_id,
                name=name,
                scope=scope,
                key_hash=credentials.digest(key),
                prefix=credentials.api_key_prefix(key),
                created_by=principal.actor_id,
            )
            .returning(api_keys)
        )
    ).one()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(row).model_dump(), key=key)


async def list_api_keys(*, session: AsyncSession, principal: Principal) -> list[ApiKeyPublic]:
    rows = (
        await session.execute(
            select(api_keys)
            .where(api_keys.c.organization_id == principal.organization_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
    ).all()
    return [ApiKeyPublic.model_validate(r) for r in rows]


async def revoke_api_key(*, session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> None:
    found = (
        await session.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.organization_id == principal.organization_id)
            .values(revoked_at=func.coalesce(api_keys.c.revoked_at, func.now()))
            .returning(api_keys.c.id)
        )
    ).first()
    if found is None:
        raise NotFound("No such API key.")
