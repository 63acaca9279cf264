"""`/platform-connections` and the OAuth callback `/oauth/{platform}/callback`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from zamc_events.contracts.common import Platform
from zamc_gateway.api.deps import (
    ConnectionsAdmin,
    PublisherDep,
    ReadPrincipal,
    SessionDep,
    SettingsDep,
)
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import ConnectionCreate, ConnectionCreated, ConnectionPublic, OAuthCallbackResult
from zamc_gateway.service_layer import connections

router = GatewayRouter(tags=["platform-connections"])


@router.post("/platform-connections", status_code=status.HTTP_201_CREATED)
async def create_connection(
    body: ConnectionCreate, session: SessionDep, settings: SettingsDep, principal: ConnectionsAdmin
) -> ConnectionCreated:
    """Start linking ad accounts: send the user to `authorization_url`."""
    return await connections.create_connection(
        session=session, principal=principal, settings=settings, platform=body.platform
    )


@router.get("/platform-connections")
async def list_connections(session: SessionDep, principal: ReadPrincipal) -> list[ConnectionPublic]:
    return await connections.list_connections(session=session, principal=principal)


@router.delete("/platform-connections/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_connection(
    connection_id: uuid.UUID, session: SessionDep, publisher: PublisherDep, principal: ConnectionsAdmin
) -> Response:
    await connections.remove_connection(
        session=session, principal=principal, publisher=publisher, connection_id=connection_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/oauth/{platform}/callback")
async def oauth_callback(
    platform: Platform,
    session: SessionDep,
    publisher: PublisherDep,
    state: Annotated[str, Query(min_length=8, max_length=200)],
    code: Annotated[str | None, Query(max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> OAuthCallbackResult:
    """Where the platform sends the browser back; `state` identifies and authorises the connection."""
    return await connections.complete_oauth(
        session=session, publisher=publisher, platform=platform, state=state, code=code, error=error
    )
