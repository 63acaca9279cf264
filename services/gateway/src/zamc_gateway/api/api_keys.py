"""`/api-keys`: the organization's API keys (the secret is shown once, at creation)."""

from __future__ import annotations

import uuid

from fastapi import Request, Response, status

from zamc_gateway.api.deps import KeysAdmin, SessionDep, forget_principals
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from zamc_gateway.service_layer import api_keys

router = GatewayRouter(prefix="/api-keys", tags=["api-keys"])


@router.get("")
async def list_api_keys(session: SessionDep, principal: KeysAdmin) -> list[ApiKeyPublic]:
    return await api_keys.list_api_keys(session=session, principal=principal)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: KeysAdmin) -> ApiKeyCreated:
    return await api_keys.create_api_key(
        session=session, principal=principal, name=body.name, scope=body.scope
    )


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID, request: Request, session: SessionDep, principal: KeysAdmin
) -> Response:
    await api_keys.revoke_api_key(session=session, principal=principal, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=forget_principals(request))
