"""Who is calling GraphQL, and a transaction per resolver.

HTTP requests authenticate with `Authorization: Bearer ...` (and `X-Organization-Id`), exactly
as REST. WebSocket clients (graphql-transport-ws) may send the same two values either as upgrade
headers or in the `connection_init` payload (`{"Authorization": "Bearer ...",
"organizationId": "..."}`), since browsers cannot set WebSocket headers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from graphql import GraphQLError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway.adapters.live import LiveHub, live_hub
from zamc_gateway.adapters.live_assets import AssetStore
from zamc_gateway.api import deps
from zamc_gateway.api.problems import json_pointer
from zamc_gateway.domain.errors import DomainError, Forbidden, InvalidFields, Unauthorized
from zamc_gateway.domain.policy import Action, can
from zamc_gateway.domain.principal import Principal


def as_graphql_error(error: DomainError) -> GraphQLError:
    """A domain error as a GraphQL error whose extensions carry the REST problem's status and fields."""
    extensions: dict[str, Any] = {"status": error.status, "type": error.type, "title": error.title}
    if isinstance(error, InvalidFields):
        extensions["errors"] = [
            {"field": e.field, "message": e.message, "type": e.type} for e in error.errors
        ]
    return GraphQLError(error.detail, extensions=extensions)


def invalid_input(error: ValidationError, *, prefix: str = "") -> GraphQLError:
    errors = [
        {"field": prefix + json_pointer(tuple(e["loc"])), "message": e["msg"], "type": e["type"]}
        for e in error.errors()
    ]
    return GraphQLError(
        "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]),
        extensions={"status": 422, "type": "https://zamc.dev/problems/validation", "errors": errors},
    )


class GatewayContext(BaseContext):
    def __init__(self, runtime: ServiceRuntime) -> None:
        super().__init__()
        self.runtime = runtime
        self._principal: Principal | None = None

    @property
    def hub(self) -> LiveHub:
        return live_hub(self.runtime)

    @property
    def publisher(self) -> Any:
        return self.runtime.publisher

    @property
    def asset_store(self) -> AssetStore:
        assert self.runtime.js is not None
        return AssetStore(self.runtime.js)

    def _credentials(self) -> tuple[str | None, str | None]:
        params = self.connection_params if isinstance(self.connection_params, dict) else {}
        headers = self.request.headers if self.request is not None else {}
        authorization = (
            params.get("Authorization") or params.get("authorization") or headers.get("authorization")
        )
        organization = params.get("organizationId") or headers.get("x-organization-id")
        return authorization, organization

    async def authenticate(self) -> Principal:
        """Resolve (once) the caller as REST does (same cache, same per-principal rate limit);
        raises a GraphQL error with status 401/403/404/429."""
        if self._principal is not None:
            return self._principal
        authorization, organization = self._credentials()
        try:
            if not authorization:
                raise Unauthorized("Authentication required: send `Authorization: Bearer <token>`.")
            token = deps.parse_authorization(authorization)
            try:
                organization_id = uuid.UUID(str(organization)) if organization else None
            except ValueError:
                raise InvalidFields([]) from None
            assert self.request is not None
            identity = await deps.identify(self.request, token)
            self._principal = await deps.resolve_principal(
                self.request, identity, organization_id, from_path=False
            )
        except DomainError as error:
            raise as_graphql_error(error) from error
        return self._principal

    async def principal(self, action: Action = Action.read) -> Principal:
        principal = await self.authenticate()
        if not can(principal.role, action):
            raise as_graphql_error(
                Forbidden(f"The {principal.role} role may not {action.value.replace('_', ' ')}.")
            )
        return principal

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction per resolver; domain errors become GraphQL errors."""
        assert self.runtime.sessions is not None
        try:
            async with self.runtime.sessions() as session, session.begin():
                yield session
        except DomainError as error:
            raise as_graphql_error(error) from error
