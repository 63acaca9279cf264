"""Sign-up, login, refresh-token rotation with reuse detection, logout, authentication."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zamc_events.contracts.base import utcnow
from zamc_gateway.adapters.db import (
    api_keys,
    auth_sessions,
    memberships,
    organizations,
    refresh_tokens,
    users,
)
from zamc_gateway.adapters.reads import Reader
from zamc_gateway.config import Settings
from zamc_gateway.domain import credentials
from zamc_gateway.domain.errors import Conflict, Forbidden, NotFound, Unauthorized
from zamc_gateway.domain.policy import API_KEY_ROLE, ApiKeyScope, Role
from zamc_gateway.domain.principal import Identity, Principal
from zamc_gateway.schemas import (
    ApiKeyIdentity,
    MePublic,
    OrganizationPublic,
    SignupResponse,
    TokenPair,
    UserPublic,
)

INVALID_CREDENTIALS = "The email or password is not correct."


async def _issue_pair(
    session: AsyncSession, *, settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID
) -> TokenPair:
    now = utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    refresh = credentials.new_refresh_token()
    await session.execute(
        insert(refresh_tokens).values(
            id=uuid.uuid4(),
            session_id=session_id,
            token_hash=credentials.digest(refresh),
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    access = credentials.issue_access_token(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        user_id=user_id,
        session_id=session_id,
        now=now,
        lifetime=lifetime,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=int(lifetime.total_seconds()))


async def _start_session(session: AsyncSession, *, settings: Settings, user_id: uuid.UUID) -> TokenPair:
    session_id = uuid.uuid4()
    await session.execute(insert(auth_sessions).values(id=session_id, user_id=user_id))
    return await _issue_pair(session, settings=settings, user_id=user_id, session_id=session_id)


async def signup(
    *,
    session: AsyncSession,
    settings: Settings,
    hasher: PasswordHasher,
    email: str,
    password: str,
    organization_name: str,
) -> SignupResponse:
    email = email.lower()
    password_hash = await asyncio.to_thread(hasher.hash, password)
    existing = (await session.execute(select(users).where(users.c.email == email).with_for_update())).first()
    if existing is not None and existing.password_hash is not None:
        raise Conflict("An account with this email already exists.")
    if existing is not None:  # invited by an organization before signing up: claim the account
        user_id = existing.id
        await session.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))
    else:
        user_id = uuid.uuid4()
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(users).values(id=user_id, email=email, password_hash=password_hash)
                )
        except IntegrityError:
            raise Conflict("An account with this email already exists.") from None
    organization_id = uuid.uuid4()
    await session.execute(insert(organizations).values(id=organization_id, name=organization_name))
    await session.execute(
        insert(memberships).values(organization_id=organization_id, user_id=user_id, role=Role.owner)
    )
    pair = await _start_session(session, settings=settings, user_id=user_id)
    user = (await session.execute(select(users).where(users.c.id == user_id))).one()
    organization = (
        await session.execute(select(organizations).where(organizations.c.id == organization_id))
    ).one()
    return SignupResponse(
        **pair.model_dump(),
        user=UserPublic.model_validate(user),
        organization=OrganizationPublic(id=organization.id, name=organization.name, role=Role.owner),
    )


async def login(
    *, session: AsyncSession, settings: Settings, hasher: PasswordHasher, email: str, password: str
) -> TokenPair:
    user = (await session.execute(select(users).where(users.c.email == email.lower()))).first()
    password_hash = user.password_hash if user is not None else None
    if not await asyncio.to_thread(credentials.verify_password, hasher, password_hash, password):
        raise Unauthorized(INVALID_CREDENTIALS)
    assert user is not None
    if hasher.check_needs_rehash(user.password_hash):
        new_hash = await asyncio.to_thread(hasher.hash, password)
        await session.execute(update(users).where(users.c.id == user.id).values(password_hash=new_hash))
    return await _start_session(session, settings=settings, user_id=user.id)


async def refresh(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, refresh_token: str
) -> TokenPair:
    """Rotate a refresh token. Presenting an already rotated token revokes its whole family."""
    token_hash = credentials.digest(refresh_token)
    reused_family: uuid.UUID | None = None
    async with sessions() as session, session.begin():
        row = (
            await session.execute(
                select(
                    refresh_tokens.c.id,
                    refresh_tokens.c.session_id,
                    refresh_tokens.c.expires_at,
                    refresh_tokens.c.rotated_at,
                    auth_sessions.c.user_id,
                    auth_sessions.c.revoked_at,
                )
                .join(auth_sessions, auth_sessions.c.id == refresh_tokens.c.session_id)
                .where(refresh_tokens.c.token_hash == token_hash)
                .with_for_update(of=refresh_tokens)
            )
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            raise Unauthorized("The refresh token is not valid.")
        if row.rotated_at is not None:
            reused_family = row.session_id
        else:
            await session.execute(
                update(refresh_tokens).where(refresh_tokens.c.id == row.id).values(rotated_at=func.now())
            )
            return await _issue_pair(
                session, settings=settings, user_id=row.user_id, session_id=row.session_id
            )
    # A rotated token came back: it was stolen, or the client is confused. End the whole login.
    async with sessions() as session, session.begin():
        await _revoke(session, session_id=reused_family, reason="refresh_token_reuse")
    raise Unauthorized("The refresh token was already used; the session has been revoked.")


async def _revoke(session: AsyncSession, *, session_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        update(auth_sessions)
        .where(auth_sessions.c.id == session_id, auth_sessions.c.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoked_reason=reason)
    )


async def logout(*, session: AsyncSession, identity: Identity, refresh_token: str | None) -> None:
    """End the caller's login session (its access and refresh tokens), and that of `refresh_token`."""
    if identity.session_id is not None:
        await _revoke(session, session_id=identity.session_id, reason="logout")
    if refresh_token:
        family = (
            await session.execute(
                select(refresh_tokens.c.session_id)
                .join(auth_sessions, auth_sessions.c.id == refresh_tokens.c.session_id)
                .where(
                    refresh_tokens.c.token_hash == credentials.digest(refresh_token),
                    auth_sessions.c.user_id == identity.user_id,
                )
            )
        ).scalar()
        if family is not None:
            await _revoke(session, session_id=family, reason="logout")


async def authenticate(*, session: Reader | None, settings: Settings, token: str) -> Identity:
    """Who an access token (read without the database: `session` may be None) or API key is."""
    if credentials.is_api_key(token):
        assert session is not None, "an API key is looked up in the database"
        key = (
            await session.execute(
                select(api_keys.c.id, api_keys.c.organization_id, api_keys.c.scope).where(
                    api_keys.c.key_hash == credentials.digest(token), api_keys.c.revoked_at.is_(None)
                )
            )
        ).first()
        if key is None:
            raise Unauthorized("The API key is not valid or has been revoked.")
        return Identity(
            kind="api_key",
            user_id=None,
            api_key_id=key.id,
            organization_id=key.organization_id,
            role=API_KEY_ROLE[ApiKeyScope(key.scope)],
        )
    try:
        claims = credentials.read_access_token(
            token, secret=settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer
        )
    except credentials.InvalidToken as error:
        raise Unauthorized(str(error)) from None
    return Identity(
        kind="user",
        user_id=claims.user_id,
        api_key_id=None,
        session_id=claims.session_id,
        expires_at=claims.expires_at,
    )


async def resolve_principal(
    *, session: Reader, identity: Identity, organization_id: uuid.UUID | None, from_path: bool
) -> Principal:
    """The identity acting in `organization_id` (or, for a user who names none, their first one).

    Also checks the user's login session is still live (logout and reuse detection end it at once).
    """
    if identity.kind == "api_key":
        assert identity.organization_id is not None and identity.role is not None
        if organization_id is not None and organization_id != identity.organization_id:
            _not_member(from_path)
        return Principal(
            kind="api_key",
            organization_id=identity.organization_id,
            role=identity.role,
            api_key_id=identity.api_key_id,
        )
    join_on = memberships.c.user_id == auth_sessions.c.user_id
    if organization_id is not None:
        join_on = join_on & (memberships.c.organization_id == organization_id)
    row = (
        await session.execute(
            select(auth_sessions.c.revoked_at, memberships.c.organization_id, memberships.c.role)
            .select_from(auth_sessions.outerjoin(memberships, join_on))
            .where(auth_sessions.c.id == identity.session_id, auth_sessions.c.user_id == identity.user_id)
            .order_by(memberships.c.created_at, memberships.c.organization_id)
            .limit(1)
        )
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The session has ended; sign in again.")
    if row.organization_id is None:
        _not_member(from_path)
    return Principal(
        kind="user", organization_id=row.organization_id, role=Role(row.role), user_id=identity.user_id
    )


def _not_member(from_path: bool) -> None:
    if from_path:
        raise NotFound("No such organization.")
    raise Forbidden("You are not a member of that organization.")


# The user, their organizations and whether the login session is live: one statement, built once
# (with bound parameters SQLAlchemy compiles it once per process; `/me` is called on every page).
_ME = (
    select(
        auth_sessions.c.revoked_at,
        users.c.id,
        users.c.email,
        users.c.created_at,
        organizations.c.id.label("organization_id"),
        organizations.c.name.label("organization_name"),
        memberships.c.role,
    )
    .select_from(
        auth_sessions.join(users, users.c.id == auth_sessions.c.user_id)
        .outerjoin(memberships, memberships.c.user_id == users.c.id)
        .outerjoin(organizations, organizations.c.id == memberships.c.organization_id)
    )
    .where(
        auth_sessions.c.id == bindparam("session_id", type_=auth_sessions.c.id.type),
        auth_sessions.c.user_id == bindparam("user_id", type_=auth_sessions.c.user_id.type),
    )
    .order_by(memberships.c.created_at, organizations.c.id)
)


async def me(*, session: Reader, identity: Identity) -> MePublic:
    """Who the caller is; for a user also checks the login session is live (one query)."""
    if identity.kind == "api_key":
        key = (
            await session.execute(
                select(
                    api_keys.c.id, api_keys.c.name, api_keys.c.scope, organizations.c.id, organizations.c.name
                )
                .join(organizations, organizations.c.id == api_keys.c.organization_id)
                .where(api_keys.c.id == identity.api_key_id)
            )
        ).one()
        return MePublic(
            kind="api_key",
            api_key=ApiKeyIdentity(id=key[0], name=key[1], scope=ApiKeyScope(key[2])),
            organizations=[OrganizationPublic(id=key[3], name=key[4], role=identity.role)],
        )
    rows = (
        await session.execute(_ME, {"session_id": identity.session_id, "user_id": identity.user_id})
    ).all()
    if not rows or rows[0].revoked_at is not None:
        raise Unauthorized("The session has ended; sign in again.")
    first = rows[0]
    return MePublic(
        kind="user",
        user=UserPublic(id=first.id, email=first.email, created_at=first.created_at),
        organizations=[
            OrganizationPublic(id=r.organization_id, name=r.organization_name, role=Role(r.role))
            for r in rows
            if r.organization_id is not None
        ],
    )
