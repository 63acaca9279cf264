"""Platform connections: start an OAuth consent, check its `state` on the callback, hand the code
to the connector (event), follow its answer (projection), remove."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts import accounts as events
from zamc_events.contracts.base import utcnow
from zamc_events.contracts.common import Platform
from zamc_events.runtime.outbox import Publisher
from zamc_gateway.adapters.db import ad_accounts, platform_connections
from zamc_gateway.config import Settings
from zamc_gateway.domain import credentials, oauth
from zamc_gateway.domain.errors import Conflict, InvalidRequest, NotFound
from zamc_gateway.domain.principal import Principal
from zamc_gateway.schemas import AdAccountPublic, ConnectionCreated, ConnectionPublic, OAuthCallbackResult

OAUTH_CODE_RECEIVED = {
    "google_ads": events.GoogleAdsOAuthCodeReceived,
    "meta": events.MetaOAuthCodeReceived,
}
CONNECTION_REMOVED = {
    "google_ads": events.GoogleAdsConnectionRemoved,
    "meta": events.MetaConnectionRemoved,
}


def _oauth_client(settings: Settings, platform: Platform) -> tuple[str, str, list[str]]:
    if platform == "google_ads":
        return (
            settings.google_oauth_authorize_url,
            settings.google_oauth_client_id,
            settings.google_oauth_scopes,
        )
    return settings.meta_oauth_authorize_url, settings.meta_oauth_client_id, settings.meta_oauth_scopes


async def create_connection(
    *, session: AsyncSession, principal: Principal, settings: Settings, platform: Platform
) -> ConnectionCreated:
    state = credentials.new_oauth_state()
    authorize_url, client_id, scopes = _oauth_client(settings, platform)
    redirect_uri = oauth.redirect_uri(settings.public_base_url, platform)
    row = (
        await session.execute(
            insert(platform_connections)
            .values(
                id=uuid.uuid4(),
                organization_id=principal.organization_id,
                platform=platform,
                status="pending",
                state_hash=credentials.digest(state),
                state_expires_at=utcnow() + timedelta(minutes=settings.oauth_state_minutes),
                redirect_uri=redirect_uri,
                scopes=scopes,
                created_by=principal.actor_id,
            )
            .returning(platform_connections)
        )
    ).one()
    url = oauth.authorization_url(
        platform=platform,
        authorize_url=authorize_url,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
    )
    return ConnectionCreated(**_public(row, []).model_dump(), authorization_url=url, state=state)


def _public(row, accounts: list[AdAccountPublic]) -> ConnectionPublic:
    return ConnectionPublic(
        id=row.id,
        platform=row.platform,
        status=row.status,
        reason=row.reason,
        accounts=accounts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def list_connections(*, session: AsyncSession, principal: Principal) -> list[ConnectionPublic]:
    rows = (
        await session.execute(
            select(platform_connections)
            .where(
                platform_connections.c.organization_id == principal.organization_id,
                platform_connections.c.removed_at.is_(None),
            )
            .order_by(platform_connections.c.created_at, platform_connections.c.id)
        )
    ).all()
    accounts = (
        await session.execute(
            select(ad_accounts)
            .where(ad_accounts.c.organization_id == principal.organization_id)
            .order_by(ad_accounts.c.external_id)
        )
    ).all()
    by_connection: dict[uuid.UUID, list[AdAccountPublic]] = {}
    for account in accounts:
        by_connection.setdefault(account.connection_id, []).append(AdAccountPublic.model_validate(account))
    return [_public(row, by_connection.get(row.id, [])) for row in rows]


async def remove_connection(
    *, session: AsyncSession, principal: Principal, publisher: Publisher, connection_id: uuid.UUID
) -> None:
    row = (
        await session.execute(
            update(platform_connections)
            .where(
                platform_connections.c.id == connection_id,
                platform_connections.c.organization_id == principal.organization_id,
                platform_connections.c.removed_at.is_(None),
            )
            .values(removed_at=func.now(), updated_at=func.now(), state_hash=None)
            .returning(platform_connections.c.platform)
        )
    ).first()
    if row is None:
        raise NotFound("No such platform connection.")
    await session.execute(ad_accounts.delete().where(ad_accounts.c.connection_id == connection_id))
    await publisher.emit(
        session,
        CONNECTION_REMOVED[row.platform](connection_id=connection_id),
        tenant_id=principal.organization_id,
    )


async def complete_oauth(
    *,
    session: AsyncSession,
    publisher: Publisher,
    platform: Platform,
    state: str,
    code: str | None,
    error: str | None,
) -> OAuthCallbackResult:
    """The platform sent the browser back: `state` names the connection (and proves the flow)."""
    row = (
        await session.execute(
            select(platform_connections)
            .where(
                platform_connections.c.state_hash == credentials.digest(state),
                platform_connections.c.platform == platform,
                platform_connections.c.removed_at.is_(None),
            )
            .with_for_update()
        )
    ).first()
    if row is None:
        raise InvalidRequest("Unknown OAuth state: start the connection again.")
    if row.status != "pending":
        raise Conflict("This OAuth consent was already completed.")
    if row.state_expires_at <= utcnow():
        raise InvalidRequest("The OAuth state has expired: start the connection again.")
    if error or not code:
        reason = f"consent not given: {error or 'no authorization code'}"
        await _set_status(session, row.id, "failed", reason)
        return OAuthCallbackResult(connection_id=row.id, platform=platform, status="failed")
    await _set_status(session, row.id, "linking", None)
    await publisher.emit(
        session,
        OAUTH_CODE_RECEIVED[platform](connection_id=row.id, code=code, redirect_uri=row.redirect_uri),
        tenant_id=row.organization_id,
    )
    return OAuthCallbackResult(connection_id=row.id, platform=platform, status="linking")


async def _set_status(
    session: AsyncSession, connection_id: uuid.UUID, status: str, reason: str | None
) -> None:
    await session.execute(
        update(platform_connections)
        .where(platform_connections.c.id == connection_id)
        .values(status=status, reason=reason, updated_at=func.now())
    )


# projections ------------------------------------------------------------------------------------
async def project_linked(
    *, session: AsyncSession, platform: Platform, data: events.AccountLinked
) -> uuid.UUID | None:
    row = await _live_connection(session, data.connection_id, platform)
    if row is None:
        return None
    await session.execute(
        update(platform_connections)
        .where(platform_connections.c.id == row.id)
        .values(status="linked", reason=None, scopes=list(data.scopes) or row.scopes, updated_at=func.now())
    )
    await session.execute(ad_accounts.delete().where(ad_accounts.c.connection_id == row.id))
    if data.accounts:
        await session.execute(
            insert(ad_accounts),
            [
                {
                    "connection_id": row.id,
                    "organization_id": row.organization_id,
                    "platform": platform,
                    "external_id": a.external_id,
                    "name": a.name,
                    "currency": a.currency,
                    "time_zone": a.time_zone,
                    "manager_external_id": a.manager_external_id,
                }
                for a in data.accounts
            ],
        )
    return row.organization_id


async def project_status(
    *, session: AsyncSession, platform: Platform, connection_id: uuid.UUID, status: str, reason: str
) -> uuid.UUID | None:
    row = await _live_connection(session, connection_id, platform)
    if row is None:
        return None
    await _set_status(session, row.id, status, reason)
    return row.organization_id


async def _live_connection(session: AsyncSession, connection_id: uuid.UUID, platform: str):
    return (
        await session.execute(
            select(platform_connections)
            .where(
                platform_connections.c.id == connection_id,
                platform_connections.c.platform == platform,
                platform_connections.c.removed_at.is_(None),
            )
            .with_for_update()
        )
    ).first()


async def linked_accounts(
    *, session: AsyncSession, organization_id: uuid.UUID, platforms: list[str] | None = None
) -> list:
    """Ad accounts of the organization's linked connections (optionally of some platforms)."""
    query = (
        select(ad_accounts)
        .join(platform_connections, platform_connections.c.id == ad_accounts.c.connection_id)
        .where(
            ad_accounts.c.organization_id == organization_id,
            platform_connections.c.status == "linked",
            platform_connections.c.removed_at.is_(None),
        )
        .order_by(ad_accounts.c.platform, ad_accounts.c.external_id)
    )
    if platforms is not None:
        query = query.where(ad_accounts.c.platform.in_(platforms))
    return list((await session.execute(query)).all())
