"""Typed dependencies of every router: runtime, settings, the transaction, who is calling, what they may do.

    async def endpoint(session: SessionDep, principal: WritePrincipal) -> ...

- `SessionDep`: one AsyncSession per request inside a transaction; commits after the endpoint
  returns (before the response is sent), rolls back if it raises.
- `ReadsDep`: for endpoints that only read: `async with reads.connect() as connection:` runs each
  statement on its own (autocommit) on the read pool (`adapters.reads`), without BEGIN/COMMIT
  round trips (a context manager in the endpoint: a generator dependency costs more than the read).
- `CurrentIdentity`: the authenticated user or API key (401 otherwise); `CurrentPrincipal`: that
  identity acting in one organization (the `{org_id}` path parameter, else the
  `X-Organization-Id` header, else the user's first organization), rate-limited per principal.
  Both are resolved once per request (remembered in the ASGI scope) and, for `principal_cache_seconds`,
  per process; a cache miss reads on the read pool.
- Every dependency is `async def` (FastAPI runs plain `def` dependencies in a worker thread), and the
  hot ones take the connection only and find the rest on `app.state`: each sub-dependency costs a
  little on every request.
- `require(Action.X)`: the only role check; `ReadPrincipal`, `WritePrincipal`, `MembersAdmin`,
  `KeysAdmin`, `ConnectionsAdmin` are the usual ones. `OrgDep` is the principal's organization id.
"""

from __future__ import annotations

import time
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
from zamc_gateway.adapters.rate_limits import RateLimiter
from zamc_gateway.adapters.reads import ReadDatabase, read_database
from zamc_gateway.adapters.ttl_cache import TtlCache
from zamc_gateway.api.middleware import QUERY_TOKEN_KEY
from zamc_gateway.config import Settings
from zamc_gateway.domain import credentials
from zamc_gateway.domain.errors import (
    FieldError,
    Forbidden,
    InvalidFields,
    RateLimited,
    Unauthorized,
    invalid,
)
from zamc_gateway.domain.policy import Action, can
from zamc_gateway.domain.principal import Identity, Principal
from zamc_gateway.domain.rate_limits import Limit
from zamc_gateway.service_layer import identity as identity_service

_IDENTITY_KEY = "zamc.identity"
_PRINCIPAL_KEY = "zamc.principal"


async def get_runtime(connection: HTTPConnection) -> ServiceRuntime:
    return connection.app.state.runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


def settings_of(connection: HTTPConnection) -> Settings:
    settings = connection.app.state.runtime.settings
    assert isinstance(settings, Settings)
    return settings


async def get_settings(connection: HTTPConnection) -> Settings:
    return settings_of(connection)


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


async def get_reads(connection: HTTPConnection) -> ReadDatabase:
    return read_database(connection.app.state.runtime)


ReadsDep = Annotated[ReadDatabase, Depends(get_reads)]


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


async def limit_ip(connection: HTTPConnection) -> None:
    """Every request under /api/ (`api.ip_limit`) and /graphql (its router's dependency), per client IP."""
    settings = settings_of(connection)
    if settings.rate_limit_enabled:
        limit = Limit("ip", settings.rate_limit_per_ip, settings.rate_limit_window_seconds)
        await _enforce(connection, limit, client_ip(connection, settings))


async def limit_auth(request: Request) -> None:
    """Sign-up, login and refresh: a tighter limit per IP against password guessing."""
    settings = settings_of(request)
    if settings.rate_limit_enabled:
        limit = Limit("auth", settings.rate_limit_auth_per_ip, settings.rate_limit_window_seconds)
        await _enforce(request, limit, client_ip(request, settings))


async def limit_identity(connection: HTTPConnection, settings: Settings, identity: Identity) -> None:
    """The per-principal limit (REST: in `current_identity`; GraphQL calls it after authenticating)."""
    if settings.rate_limit_enabled:
        limit = Limit("principal", settings.rate_limit_per_principal, settings.rate_limit_window_seconds)
        await _enforce(connection, limit, identity.rate_limit_key)


# who is calling -------------------------------------------------------------------------------
def bearer_token(request: HTTPConnection) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Authentication required: send `Authorization: Bearer <token>`.")
    return parse_authorization(header)


def parse_authorization(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use `Authorization: Bearer <access token or API key>`.")
    return token.strip()


async def authenticate(connection: HTTPConnection, token: str) -> Identity:
    """Who `token` is (401 otherwise), rate-limited per principal. REST and GraphQL both use it.

    Remembered by the process for `principal_cache_seconds` (never past an access token's expiry),
    so a burst with one token decodes and looks it up once.
    """
    settings = settings_of(connection)
    cache: TtlCache = connection.app.state.principal_cache
    identity = cache.get(("token", token))
    if identity is None:
        if credentials.is_api_key(token):

            async def look_up() -> Identity:
                async with read_database(connection.app.state.runtime).connect() as session:
                    return await identity_service.authenticate(
                        session=session, settings=settings, token=token
                    )

            identity = await cache.get_or_load(("token", token), look_up)
        else:  # a JWT is read without the database
            identity = await identity_service.authenticate(session=None, settings=settings, token=token)
            if identity.expires_at is not None:
                cache.put(("token", token), identity, ttl=identity.expires_at.timestamp() - time.time())
    await limit_identity(connection, settings, identity)
    return identity


async def resolve_principal(
    connection: HTTPConnection, identity: Identity, organization_id: uuid.UUID | None, *, from_path: bool
) -> Principal:
    """`identity` acting in `organization_id` (default: the user's first), through the process cache."""
    cache: TtlCache = connection.app.state.principal_cache

    async def look_up() -> Principal:
        async with read_database(connection.app.state.runtime).connect() as session:
            return await identity_service.resolve_principal(
                session=session, identity=identity, organization_id=organization_id, from_path=from_path
            )

    return await cache.get_or_load(("principal", identity, organization_id, from_path), look_up)


async def identify(connection: HTTPConnection, token: str) -> Identity:
    """`authenticate` once per request (or WebSocket connection): remembered in the ASGI scope, so
    the per-principal limit counts a request once however many dependencies ask who is calling."""
    identity: Identity | None = connection.scope.get(_IDENTITY_KEY)
    if identity is None:
        identity = connection.scope[_IDENTITY_KEY] = await authenticate(connection, token)
    return identity


async def current_identity(request: Request) -> Identity:
    return await identify(request, bearer_token(request))


async def limit_bearer(connection: HTTPConnection) -> None:
    """The per-principal limit of a request that may or may not authenticate (GraphQL over HTTP):
    counted as soon as a valid bearer token is seen, answered with 429 like REST. A missing or
    invalid token is left for the resolvers to report."""
    header = connection.headers.get("authorization")
    if header:
        try:
            await identify(connection, parse_authorization(header))
        except Unauthorized:
            pass


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


async def current_principal(request: Request) -> Principal:
    principal: Principal | None = request.scope.get(_PRINCIPAL_KEY)
    if principal is None:
        identity = await current_identity(request)
        organization_id, from_path = _organization_hint(request)
        principal = request.scope[_PRINCIPAL_KEY] = await resolve_principal(
            request, identity, organization_id, from_path=from_path
        )
    return principal


async def stream_principal(request: Request) -> Principal:
    """`GET /stream`'s reader: as `ReadPrincipal`, or, since a browser's EventSource cannot send
    headers, from the `access_token` query parameter (taken out of the URL by
    `EdgeMiddleware`) and the `organization_id` query parameter. Only a short-lived access
    token is accepted in a URL, never an API key: URLs end up in histories and proxy logs."""
    token: str | None = request.scope.get(QUERY_TOKEN_KEY)
    if token is None or request.headers.get("authorization"):
        principal = await current_principal(request)
    else:
        if credentials.is_api_key(token):
            raise Unauthorized("API keys are not accepted in URLs: send `Authorization: Bearer <key>`.")
        identity = await identify(request, token)
        hint = request.headers.get("x-organization-id") or request.query_params.get("organization_id")
        try:
            organization_id = uuid.UUID(hint) if hint else None
        except ValueError:
            raise invalid("organization_id", "must be a UUID") from None
        principal = await resolve_principal(request, identity, organization_id, from_path=False)
    if not can(principal.role, Action.read):
        raise Forbidden(f"The {principal.role} role may not read.")
    return principal


def forget_principals(connection: HTTPConnection) -> BackgroundTask:
    """After a revocation: forget every remembered credential of this process now, and again
    (the returned task, attach it to the response) once the revocation is committed, so that a
    request racing with the commit cannot remember the old state."""
    cache: TtlCache = connection.app.state.principal_cache
    cache.clear()
    return BackgroundTask(cache.clear)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def authorize(request: Request, action: Action) -> Principal:
    """The one place a permission is checked (the rules are `domain.policy.POLICY`): the caller,
    if its role allows `action`."""
    principal = await current_principal(request)
    if not can(principal.role, action):
        raise Forbidden(f"The {principal.role} role may not {action.value.replace('_', ' ')}.")
    return principal


def require(action: Action):
    """`authorize` as a dependency: `principal: Annotated[Principal, require(Action.x)]`."""

    async def check(request: Request) -> Principal:
        return await authorize(request, action)

    check.__name__ = f"require_{action.value}"
    return Depends(check)


ReadPrincipal = Annotated[Principal, require(Action.read)]
WritePrincipal = Annotated[Principal, require(Action.write_resources)]
MembersAdmin = Annotated[Principal, require(Action.manage_members)]
KeysAdmin = Annotated[Principal, require(Action.manage_api_keys)]
ConnectionsAdmin = Annotated[Principal, require(Action.manage_connections)]


async def current_org(request: Request) -> uuid.UUID:
    return (await current_principal(request)).organization_id


OrgDep = Annotated[uuid.UUID, Depends(current_org)]
