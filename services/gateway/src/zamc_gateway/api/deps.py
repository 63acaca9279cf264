"""Typed dependencies of every router: runtime, settings, the transaction, who is calling, what they may do.

    async def endpoint(session: SessionDep, principal: WritePrincipal) -> ...

- `SessionDep`: one AsyncSession per request inside a transaction; commits after the endpoint
  returns (before the response is sent), rolls back if it raises.
- `CurrentIdentity`: the authenticated user or API key (401 otherwise); `CurrentPrincipal`: that
  identity acting in one organization (the `{org_id}` path parameter, else the
  `X-Organization-Id` header, else the user's first organization), rate-limited per principal.
- Every dependency is `async def`: FastAPI runs plain `def` dependencies in a worker thread.
- `require(Action.X)`: the only role check; `ReadPrincipal`, `WritePrincipal`, `MembersAdmin`,
  `KeysAdmin`, `ConnectionsAdmin` are the usual ones. `OrgDep` is the principal's organization id.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.requests import HTTPConnection

from zamc_events.runtime.outbox import Publisher
from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway.adapters.principal_cache import PrincipalCache
from zamc_gateway.adapters.rate_limits import RateLimiter
from zamc_gateway.config import Settings
from zamc_gateway.domain.errors import FieldError, Forbidden, InvalidFields, RateLimited, Unauthorized
from zamc_gateway.domain.policy import Action, can
from zamc_gateway.domain.principal import Identity, Principal
from zamc_gateway.domain.rate_limits import Limit
from zamc_gateway.service_layer import identity as identity_service


async def get_runtime(connection: HTTPConnection) -> ServiceRuntime:
    return connection.app.state.runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_publisher(runtime: RuntimeDep) -> Publisher:
    return runtime.publisher


PublisherDep = Annotated[Publisher, Depends(get_publisher)]


async def get_hasher(request: Request) -> PasswordHasher:
    return request.app.state.password_hasher


HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    if runtime.sessions is None:
        raise RuntimeError("the service runtime has not started")
    async with runtime.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# rate limits ----------------------------------------------------------------------------------
def client_ip(connection: HTTPConnection, settings: Settings) -> str:
    if settings.trust_forwarded_for:
        forwarded = connection.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return connection.client.host if connection.client else "unknown"


async def _enforce(connection: HTTPConnection, limit: Limit, identity: str) -> None:
    limiter: RateLimiter = connection.app.state.rate_limiter
    decision = await limiter.hit(limit, identity)
    if not decision.allowed:
        raise RateLimited(
            f"Rate limit of {limit.limit} requests per {limit.window_seconds} s exceeded ({limit.name}).",
            retry_after=decision.retry_after,
        )


async def limit_ip(connection: HTTPConnection, settings: SettingsDep) -> None:
    """Every request under /api/v1 and /graphql, per client IP."""
    if settings.rate_limit_enabled:
        limit = Limit("ip", settings.rate_limit_per_ip, settings.rate_limit_window_seconds)
        await _enforce(connection, limit, client_ip(connection, settings))


async def limit_auth(request: Request, settings: SettingsDep) -> None:
    """Sign-up, login and refresh: a tighter limit per IP against password guessing."""
    if settings.rate_limit_enabled:
        limit = Limit("auth", settings.rate_limit_auth_per_ip, settings.rate_limit_window_seconds)
        await _enforce(request, limit, client_ip(request, settings))


# who is calling -------------------------------------------------------------------------------
def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Authentication required: send `Authorization: Bearer <token>`.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use `Authorization: Bearer <access token or API key>`.")
    return token.strip()


async def limit_identity(connection: HTTPConnection, settings: Settings, identity: Identity) -> None:
    """The per-principal limit (used by `current_identity`; GraphQL calls it after authenticating)."""
    if settings.rate_limit_enabled:
        limit = Limit("principal", settings.rate_limit_per_principal, settings.rate_limit_window_seconds)
        await _enforce(connection, limit, identity.rate_limit_key)


async def get_principal_cache(connection: HTTPConnection) -> PrincipalCache:
    return connection.app.state.principal_cache


PrincipalCacheDep = Annotated[PrincipalCache, Depends(get_principal_cache)]


async def current_identity(
    request: Request, session: SessionDep, settings: SettingsDep, cache: PrincipalCacheDep
) -> Identity:
    token = bearer_token(request)
    identity = cache.get(("token", token))
    if identity is None:
        identity = await identity_service.authenticate(session=session, settings=settings, token=token)
        if identity.kind == "api_key":  # a JWT is read without the database: nothing to save
            cache.put(("token", token), identity)
    await limit_identity(request, settings, identity)
    return identity


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def _organization_hint(request: Request) -> tuple[uuid.UUID | None, bool]:
    raw, from_path = request.path_params.get("org_id"), True
    if raw is None:
        raw, from_path = request.headers.get("x-organization-id"), False
    if raw is None:
        return None, False
    try:
        return uuid.UUID(str(raw)), from_path
    except ValueError:
        field = "org_id" if from_path else "X-Organization-Id"
        raise InvalidFields(
            [FieldError(field=field, message="must be a UUID", type="uuid_parsing")]
        ) from None


async def current_principal(
    request: Request, session: SessionDep, identity: CurrentIdentity, cache: PrincipalCacheDep
) -> Principal:
    organization_id, from_path = _organization_hint(request)
    key = ("principal", identity, organization_id)
    principal = cache.get(key)
    if principal is None:
        principal = await identity_service.resolve_principal(
            session=session, identity=identity, organization_id=organization_id, from_path=from_path
        )
        cache.put(key, principal)
    return principal


def forget_principals(connection: HTTPConnection) -> BackgroundTask:
    """After a revocation: forget every remembered credential of this process now, and again
    (the returned task, attach it to the response) once the revocation is committed, so that a
    request racing with the commit cannot remember the old state."""
    cache: PrincipalCache = connection.app.state.principal_cache
    cache.clear()
    return BackgroundTask(cache.clear)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(action: Action):
    """The one place a permission is checked (the rules are `domain.policy.POLICY`)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not can(principal.role, action):
            raise Forbidden(f"The {principal.role} role may not {action.value.replace('_', ' ')}.")
        return principal

    check.__name__ = f"require_{action.value}"
    return Depends(check)


ReadPrincipal = Annotated[Principal, require(Action.read)]
WritePrincipal = Annotated[Principal, require(Action.write_resources)]
MembersAdmin = Annotated[Principal, require(Action.manage_members)]
KeysAdmin = Annotated[Principal, require(Action.manage_api_keys)]
ConnectionsAdmin = Annotated[Principal, require(Action.manage_connections)]


async def current_org(principal: CurrentPrincipal) -> uuid.UUID:
    return principal.organization_id


OrgDep = Annotated[uuid.UUID, Depends(current_org)]
