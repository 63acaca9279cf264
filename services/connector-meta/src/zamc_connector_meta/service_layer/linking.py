"""Linking ad accounts: code exchange, permissions, account discovery, token upkeep, removal."""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_meta.adapters import db
from zamc_connector_meta.adapters.graph import GraphCallFailed, ReauthorizationNeeded
from zamc_connector_meta.adapters.oauth import TokenExchangeFailed, TokenGrant
from zamc_connector_meta.domain import linking
from zamc_connector_meta.domain.errors import FailureKind, is_unsupported_request
from zamc_connector_meta.service_layer.context import Connector
from zamc_events.contracts.accounts import MetaAccountLinked, MetaAccountLinkFailed
from zamc_events.contracts.base import Envelope

log = structlog.get_logger("zamc.connector_meta.linking")


async def link_with_code(
    *,
    connector: Connector,
    session: AsyncSession,
    connection_id: uuid.UUID,
    code: str,
    redirect_uri: str,
    caused_by: Envelope | None,
) -> None:
    try:
        short_lived = await connector.oauth.exchange_code(code=code, redirect_uri=redirect_uri)
        grant = await connector.oauth.long_lived(short_lived.access_token)
    except TokenExchangeFailed as error:
        failure = error.failure
        if failure.code == 100 or failure.kind is FailureKind.REAUTHORIZE:
            reason = linking.CODE_REJECTED_REASON
        else:
            reason = linking.exchange_failed_reason(failure.user_text())
        log.warning("meta code exchange failed", connection_id=str(connection_id), code=failure.code_text)
        await _link_failed(connector, session, connection_id, reason, caused_by)
        return
    await link_with_token(
        connector=connector, session=session, connection_id=connection_id, grant=grant, caused_by=caused_by
    )


async def link_with_token(
    *,
    connector: Connector,
    session: AsyncSession,
    connection_id: uuid.UUID,
    grant: TokenGrant,
    caused_by: Envelope | None,
) -> bool:
    """Check permissions, discover ad accounts, store the token encrypted; True when linked."""
    client = connector.client_for_token(grant.access_token)
    scopes: list[str] = []
    try:
        try:
            scopes = linking.granted_permissions(await client.permissions())
        except GraphCallFailed as error:
            if isinstance(error, ReauthorizationNeeded) or not is_unsupported_request(error.failure):
                raise
            log.info("the graph server has no /me/permissions; permission check skipped")
        else:
            missing = linking.missing_permissions(scopes, connector.settings.required_permissions)
            if missing:
                await _link_failed(
                    connector, session, connection_id, linking.missing_permissions_reason(missing), caused_by
                )
                return False
        rows = await client.ad_accounts()
    except ReauthorizationNeeded as error:
        reason = linking.token_rejected_reason(error.failure.user_text())
        await _link_failed(connector, session, connection_id, reason, caused_by)
        return False
    except GraphCallFailed as error:
        reason = (
            f"Meta could not list your ad accounts ({error.failure.user_text()}). "
            "Try connecting again in a few minutes."
        )
        await _link_failed(connector, session, connection_id, reason, caused_by)
        return False
    finally:
        client.close()
    accounts = linking.ad_accounts(rows)
    if not accounts:
        await _link_failed(connector, session, connection_id, linking.NO_ACCOUNTS_REASON, caused_by)
        return False
    tenant_id = caused_by.tenant_id if caused_by else None
    await db.save_connection(
        session,
        connection_id=connection_id,
        tenant_id=tenant_id,
        token_ciphertext=connector.cipher.encrypt(grant.access_token),
        token_expires_at=grant.expires_at(connector.clock()),
        scopes=scopes,
        accounts=[(a.external_id, a.name, a.currency, a.time_zone) for a in accounts],
    )
    connector.forget(connection_id)
    await connector.runtime.publisher.emit(
        session,
        MetaAccountLinked(connection_id=connection_id, accounts=accounts, scopes=scopes),
        caused_by=caused_by,
    )
    log.info("meta accounts linked", connection_id=str(connection_id), accounts=len(accounts))
    return True


async def _link_failed(
    connector: Connector,
    session: AsyncSession,
    connection_id: uuid.UUID,
    reason: str,
    caused_by: Envelope | None,
) -> None:
    await connector.runtime.publisher.emit(
        session, MetaAccountLinkFailed(connection_id=connection_id, reason=reason), caused_by=caused_by
    )


async def remove_connection(*, connector: Connector, session: AsyncSession, connection_id: uuid.UUID) -> None:
    """Forget the token at once; the connection's accounts are no longer called."""
    await db.set_status(session, connection_id, "removed", reason="removed by the user", only_if=None)
    connector.forget(connection_id)


async def refresh_expiring_tokens(*, connector: Connector) -> int:
    """Extend long-lived tokens before they expire; a refused token requires re-authorisation."""
    horizon = connector.clock() + timedelta(days=connector.settings.token_refresh_before_days)
    async with connector.sessions() as session:
        candidates = [
            c
            for c in await db.active_connections(session)
            if c.token_expires_at is not None and c.token_expires_at <= horizon and c.token_ciphertext
        ]
    refreshed = 0
    for connection in candidates:
        token = connector.cipher.decrypt(connection.token_ciphertext)  # type: ignore[arg-type]
        try:
            grant = await connector.oauth.long_lived(token)
        except TokenExchangeFailed as error:
            if error.failure.kind in (FailureKind.TRANSIENT, FailureKind.RATE_LIMITED):
                log.warning(
                    "meta token refresh failed; will retry", connection_id=str(connection.connection_id)
                )
                continue
            async with connector.sessions() as session, session.begin():
                await connector.require_reauthorization(
                    session,
                    connection,
                    reason=linking.token_rejected_reason(error.failure.user_text()),
                )
            continue
        async with connector.sessions() as session, session.begin():
            await db.update_token(
                session,
                connection.connection_id,
                ciphertext=connector.cipher.encrypt(grant.access_token),
                expires_at=grant.expires_at(connector.clock()),
            )
        connector.forget(connection.connection_id)
        refreshed += 1
    return refreshed


async def rotate_token_encryption(*, connector: Connector) -> int:
    """Re-encrypt stored tokens that the newest key did not encrypt (after a key rotation)."""
    rotated = 0
    async with connector.sessions() as session, session.begin():
        for connection_id, ciphertext in await db.all_connection_tokens(session):
            if connector.cipher.is_current(ciphertext):
                continue
            await db.update_token(
                session, connection_id, ciphertext=connector.cipher.rotate(ciphertext), keep_expiry=True
            )
            rotated += 1
    return rotated


async def link_system_user(*, connector: Connector) -> None:
    """With a configured system user token, link its accounts once under the configured id."""
    settings = connector.settings
    if settings.system_user_token is None or not settings.system_user_connection_id:
        return
    connection_id = uuid.UUID(settings.system_user_connection_id)
    async with connector.sessions() as session:
        existing = await db.get_connection(session, connection_id)
    if existing is not None and existing.status != "removed":
        return
    async with connector.sessions() as session, session.begin():
        await link_with_token(
            connector=connector,
            session=session,
            connection_id=connection_id,
            grant=TokenGrant(access_token=settings.system_user_token.get_secret_value(), expires_in=None),
            caused_by=None,
        )
