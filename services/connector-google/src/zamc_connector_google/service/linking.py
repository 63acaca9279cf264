"""Linking a Google login: code exchange, encrypted tokens, account discovery, removal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_google.adapters import db
from zamc_connector_google.adapters.oauth import OAuthRefused
from zamc_connector_google.domain.accounts import Customer, as_ad_account, deployable, missing_scope
from zamc_connector_google.domain.errors import PlatformCallError, link_failure_reason
from zamc_connector_google.service.access import Connector, ReauthorizationNeeded
from zamc_events.contracts.accounts import (
    GoogleAdsAccountLinked,
    GoogleAdsAccountLinkFailed,
    GoogleAdsConnectionRemoved,
    GoogleAdsOAuthCodeReceived,
)
from zamc_events.contracts.base import Envelope

log = structlog.get_logger("zamc.connector_google.linking")

CODE_REFUSED = (
    "Google did not accept the authorisation code (it expired or was already used). Connect Google Ads again."
)
NO_REFRESH_TOKEN = (
    "Google did not grant offline access (no refresh token). Remove ZAMC under "
    "https://myaccount.google.com/permissions, then connect Google Ads again and allow access."
)
SCOPE_MISSING = "Access to Google Ads was not granted. Connect again and tick the Google Ads permission."
NO_ACCOUNTS = (
    "This Google login reaches no Google Ads client account. Sign in with a user of the ad account "
    "(or of its manager account), or create an ad account first."
)


async def link_account(
    *,
    connector: Connector,
    session: AsyncSession,
    command: GoogleAdsOAuthCodeReceived,
    caused_by: Envelope[Any],
) -> None:
    connection_id = command.connection_id
    current = (
        (await session.execute(select(db.connections).where(db.connections.c.connection_id == connection_id)))
        .mappings()
        .one_or_none()
    )
    if current is not None and current["status"] == "active":  # linked before: answer again
        await _answer_linked(
            connector=connector, session=session, connection_id=connection_id, caused_by=caused_by
        )
        return

    async def fail(reason: str) -> None:
        await _upsert_connection(
            session, connection_id, tenant_id=caused_by.tenant_id, status="failed", reason=reason
        )
        await connector.emit(
            session,
            GoogleAdsAccountLinkFailed(connection_id=connection_id, reason=reason),
            caused_by=caused_by,
        )
        log.info("account link failed", connection_id=str(connection_id), reason=reason)

    try:
        grant = await connector.oauth.exchange_code(code=command.code, redirect_uri=command.redirect_uri)
    except OAuthRefused as refused:
        await fail(
            CODE_REFUSED
            if refused.error == "invalid_grant"
            else f"Google refused the sign-in ({refused.error})."
        )
        return
    if grant.refresh_token is None:
        await fail(NO_REFRESH_TOKEN)
        return
    if missing_scope(grant.scopes):
        await fail(SCOPE_MISSING)
        return
    await _upsert_connection(
        session, connection_id, tenant_id=caused_by.tenant_id, status="active", scopes=list(grant.scopes)
    )
    await connector.store_grant(session, connection_id, grant, grant.refresh_token)

    try:
        customers, failures = await connector.call(
            session,
            connection_id,
            "discover_customers",
            lambda token: connector.api.discover_customers(access_token=token),
            caused_by=caused_by,
        )
    except PlatformCallError as error:
        await _forget_tokens(session, connection_id)
        await fail(link_failure_reason(error.failure))
        return
    except ReauthorizationNeeded as needed:
        await fail(needed.reason)
        return
    chosen = deployable(customers)
    if not chosen:
        await _forget_tokens(session, connection_id)
        await fail(link_failure_reason(failures[0]) if failures else NO_ACCOUNTS)
        return
    await session.execute(delete(db.accounts).where(db.accounts.c.connection_id == connection_id))
    await session.execute(
        pg_insert(db.accounts),
        [
            {
                "connection_id": connection_id,
                "customer_id": c.customer_id,
                "tenant_id": caused_by.tenant_id,
                "name": c.name,
                "currency": c.currency,
                "time_zone": c.time_zone,
                "login_customer_id": c.login_customer_id,
                "active": True,
            }
            for c in chosen
        ],
    )
    await _answer_linked(
        connector=connector, session=session, connection_id=connection_id, caused_by=caused_by
    )
    log.info("accounts linked", connection_id=str(connection_id), accounts=[c.customer_id for c in chosen])


async def _answer_linked(
    *, connector: Connector, session: AsyncSession, connection_id: uuid.UUID, caused_by: Envelope[Any]
) -> None:
    rows = (
        (
            await session.execute(
                select(db.accounts).where(db.accounts.c.connection_id == connection_id, db.accounts.c.active)
            )
        )
        .mappings()
        .all()
    )
    scopes = (
        await session.execute(
            select(db.connections.c.scopes).where(db.connections.c.connection_id == connection_id)
        )
    ).scalar_one()
    accounts = [
        as_ad_account(
            Customer(
                r["customer_id"], r["name"], r["currency"], r["time_zone"], False, r["login_customer_id"]
            )
        )
        for r in sorted(rows, key=lambda r: r["customer_id"])
    ]
    await connector.emit(
        session,
        GoogleAdsAccountLinked(connection_id=connection_id, accounts=accounts, scopes=list(scopes or [])),
        caused_by=caused_by,
    )


async def remove_connection(
    *,
    connector: Connector,
    session: AsyncSession,
    command: GoogleAdsConnectionRemoved,
    caused_by: Envelope[Any],
) -> None:
    """Revokes the grant at Google (best effort), forgets the tokens, stops syncing its accounts."""
    row = (
        (
            await session.execute(
                select(db.connections).where(db.connections.c.connection_id == command.connection_id)
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return
    if row["token_ciphertext"] is not None:
        tokens = connector.cipher.decrypt(row["token_ciphertext"])
        revoked = await connector.oauth.revoke(token=tokens.refresh_token)
        log.info("connection removed", connection_id=str(command.connection_id), revoked=revoked)
    await _forget_tokens(session, command.connection_id)
    await session.execute(
        update(db.connections)
        .where(db.connections.c.connection_id == command.connection_id)
        .values(status="removed", status_reason="removed by the user", updated_at=datetime.now(UTC))
    )
    await session.execute(
        update(db.accounts).where(db.accounts.c.connection_id == command.connection_id).values(active=False)
    )


async def rotate_token_keys(*, connector: Connector, session: AsyncSession) -> int:
    """Re-encrypts every stored token with the newest key (run after prepending a key)."""
    rows = (
        await session.execute(
            select(db.connections.c.connection_id, db.connections.c.token_ciphertext).where(
                db.connections.c.token_ciphertext.is_not(None)
            )
        )
    ).all()
    for connection_id, ciphertext in rows:
        await session.execute(
            update(db.connections)
            .where(db.connections.c.connection_id == connection_id)
            .values(token_ciphertext=connector.cipher.rotate(ciphertext))
        )
    return len(rows)


async def _upsert_connection(
    session: AsyncSession,
    connection_id: uuid.UUID,
    *,
    tenant_id: uuid.UUID | None,
    status: str,
    reason: str | None = None,
    scopes: list[str] | None = None,
) -> None:
    values: dict[str, Any] = {"tenant_id": tenant_id, "status": status, "status_reason": reason}
    if scopes is not None:
        values["scopes"] = scopes
    statement = pg_insert(db.connections).values(connection_id=connection_id, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[db.connections.c.connection_id], set_={**values, "updated_at": datetime.now(UTC)}
        )
    )


async def _forget_tokens(session: AsyncSession, connection_id: uuid.UUID) -> None:
    await session.execute(
        update(db.connections)
        .where(db.connections.c.connection_id == connection_id)
        .values(token_ciphertext=None, access_expires_at=None)
    )
