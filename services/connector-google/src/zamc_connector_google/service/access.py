"""Calling Google Ads for a connection: fresh tokens, one refresh on an auth error, backoff with jitter.

`Connector` holds the SDK adapter, the OAuth client and the token cipher of one running service.
A refresh the token endpoint refuses (`invalid_grant`) marks the connection, publishes
`zamc.google_ads.reauthorization_required.v1`, and stops every later call for its accounts.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import structlog
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_google import metrics
from zamc_connector_google.adapters import db
from zamc_connector_google.adapters.crypto import StoredTokens, TokenCipher
from zamc_connector_google.adapters.oauth import OAuthClient, OAuthRefused, OAuthUnavailable, TokenGrant
from zamc_connector_google.config import Settings
from zamc_connector_google.domain.backoff import backoff_delay
from zamc_connector_google.domain.errors import PlatformCallError, PlatformFailure
from zamc_events.contracts.accounts import GoogleAdsReauthorizationRequired
from zamc_events.contracts.base import Envelope, Event
from zamc_events.runtime.outbox import Publisher

log = structlog.get_logger("zamc.connector_google")
T = TypeVar("T")
ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"


class AccountNotLinked(Exception):
    """No active connection reaches the customer."""


class ReauthorizationNeeded(Exception):
    """The connection's refresh token was refused; the user must connect again."""

    def __init__(self, connection_id: uuid.UUID, reason: str) -> None:
        super().__init__(reason)
        self.connection_id = connection_id
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Account:
    connection_id: uuid.UUID
    tenant_id: uuid.UUID | None
    customer_id: str
    name: str
    currency: str
    time_zone: str
    login_customer_id: str | None


def trust_roots(ca_cert_file: os.PathLike[str] | str | None) -> None:
    """Points grpc at the configured PEM roots (read by grpc when it first opens a TLS channel)."""
    if ca_cert_file is None:
        return
    path = os.fspath(ca_cert_file)
    if os.environ.get(ROOTS_ENV) not in (None, path):
        log.warning("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH already set; keeping it", configured=path)
        return
    os.environ[ROOTS_ENV] = path


class Connector:
    def __init__(self, *, settings: Settings, publisher: Publisher) -> None:
        from zamc_connector_google.adapters.google_ads import GoogleAdsApi  # imports grpc: after trust_roots

        self.settings = settings
        self.publisher = publisher
        self.cipher = TokenCipher(settings.token_key_list())
        self.oauth = OAuthClient(
            token_uri=settings.token_uri,
            client_id=settings.oauth_client_id,
            client_secret=settings.oauth_client_secret,
            revoke_uri=settings.revoke_uri,
        )
        self.api = GoogleAdsApi(
            endpoint=settings.endpoint,
            developer_token=settings.developer_token,
            token_uri=settings.token_uri,
            client_id=settings.oauth_client_id,
            client_secret=settings.oauth_client_secret,
            timeout=settings.api_timeout_seconds,
        )

    # ----- events --------------------------------------------------------------------------------
    async def emit(
        self,
        session: AsyncSession,
        event: Event,
        *,
        caused_by: Envelope[Any] | None = None,
        tenant_id: uuid.UUID | None = None,
    ) -> None:
        await self.publisher.emit(session, event, caused_by=caused_by, tenant_id=tenant_id)

    # ----- accounts ------------------------------------------------------------------------------
    async def account(
        self, session: AsyncSession, customer_id: str, *, connection_id: uuid.UUID | None = None
    ) -> Account:
        """The customer through an active connection; raises AccountNotLinked or ReauthorizationNeeded."""
        customer_id = customer_id.replace("-", "")
        query = (
            select(db.accounts, db.connections.c.status, db.connections.c.status_reason)
            .join(db.connections, db.connections.c.connection_id == db.accounts.c.connection_id)
            .where(db.accounts.c.customer_id == customer_id, db.accounts.c.active)
            .order_by(db.accounts.c.linked_at.desc())
        )
        if connection_id is not None:
            query = query.where(db.accounts.c.connection_id == connection_id)
        rows = (await session.execute(query)).mappings().all()
        active = [r for r in rows if r["status"] == "active"]
        if not active:
            stale = next((r for r in rows if r["status"] == "reauthorization_required"), None)
            if stale is not None:
                raise ReauthorizationNeeded(stale["connection_id"], stale["status_reason"] or "reauthorize")
            raise AccountNotLinked(customer_id)
        row = active[0]
        return Account(
            connection_id=row["connection_id"],
            tenant_id=row["tenant_id"],
            customer_id=row["customer_id"],
            name=row["name"],
            currency=row["currency"],
            time_zone=row["time_zone"],
            login_customer_id=self.settings.login_customer_id or row["login_customer_id"],
        )

    # ----- tokens --------------------------------------------------------------------------------
    async def store_grant(
        self, session: AsyncSession, connection_id: uuid.UUID, grant: TokenGrant, refresh_token: SecretStr
    ) -> None:
        ciphertext = self.cipher.encrypt(StoredTokens(refresh_token, grant.access_token, grant.expires_at))
        await session.execute(
            update(db.connections)
            .where(db.connections.c.connection_id == connection_id)
            .values(token_ciphertext=ciphertext, access_expires_at=grant.expires_at, updated_at=_now())
        )

    async def access_token(
        self,
        session: AsyncSession,
        connection_id: uuid.UUID,
        *,
        force_refresh: bool = False,
        caused_by: Envelope[Any] | None = None,
    ) -> SecretStr:
        row = (
            (
                await session.execute(
                    select(db.connections).where(db.connections.c.connection_id == connection_id)
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None or row["status"] == "removed" or row["token_ciphertext"] is None:
            raise AccountNotLinked(str(connection_id))
        if row["status"] == "reauthorization_required":
            raise ReauthorizationNeeded(connection_id, row["status_reason"] or "reauthorize")
        tokens = self.cipher.decrypt(row["token_ciphertext"])
        margin = timedelta(seconds=self.settings.token_refresh_margin_seconds)
        fresh = tokens.access_expires_at is not None and tokens.access_expires_at - margin > _now()
        if fresh and not force_refresh:
            return tokens.access_token
        return await self.refresh(
            session, connection_id, tokens, tenant_id=row["tenant_id"], caused_by=caused_by
        )

    async def refresh(
        self,
        session: AsyncSession,
        connection_id: uuid.UUID,
        tokens: StoredTokens,
        *,
        tenant_id: uuid.UUID | None,
        caused_by: Envelope[Any] | None = None,
    ) -> SecretStr:
        try:
            grant = await self.oauth.refresh(refresh_token=tokens.refresh_token)
        except OAuthRefused as refused:
            reason = (
                "Google refused to renew access (the grant was revoked or expired). Connect Google Ads again."
                if refused.error == "invalid_grant"
                else f"Google refused to renew access ({refused.error}). Connect Google Ads again."
            )
            await self.require_reauthorization(
                session, connection_id, reason=reason, tenant_id=tenant_id, caused_by=caused_by
            )
            raise ReauthorizationNeeded(connection_id, reason) from None
        except OAuthUnavailable as unavailable:
            log.warning("token refresh failed; using the current token", connection_id=str(connection_id))
            if tokens.access_expires_at and tokens.access_expires_at > _now():
                return tokens.access_token
            raise PlatformCallError(_unavailable(str(unavailable))) from None
        await self.store_grant(session, connection_id, grant, grant.refresh_token or tokens.refresh_token)
        log.info("access token refreshed", connection_id=str(connection_id))
        return grant.access_token

    async def require_reauthorization(
        self,
        session: AsyncSession,
        connection_id: uuid.UUID,
        *,
        reason: str,
        tenant_id: uuid.UUID | None,
        caused_by: Envelope[Any] | None = None,
    ) -> None:
        await session.execute(
            update(db.connections)
            .where(db.connections.c.connection_id == connection_id)
            .values(status="reauthorization_required", status_reason=reason, updated_at=_now())
        )
        await self.emit(
            session,
            GoogleAdsReauthorizationRequired(connection_id=connection_id, reason=reason),
            caused_by=caused_by,
            tenant_id=tenant_id,
        )
        metrics.REAUTHORIZATION_REQUIRED.labels(metrics.PLATFORM).inc()
        log.warning("reauthorization required", connection_id=str(connection_id))

    # ----- calls ---------------------------------------------------------------------------------
    async def call(
        self,
        session: AsyncSession,
        connection_id: uuid.UUID,
        operation: str,
        fn: Callable[[SecretStr], T],
        *,
        retry: bool = True,
        caused_by: Envelope[Any] | None = None,
    ) -> T:
        """Runs `fn(access_token)` in a thread. Auth errors: one refresh and again. Rate limits and
        transient errors (when `retry`): exponential backoff with jitter, `max_attempts` in all."""
        token = await self.access_token(session, connection_id, caused_by=caused_by)
        refreshed, attempt = False, 0
        while True:
            metrics.API_CALLS.labels(metrics.PLATFORM, operation).inc()
            try:
                return await asyncio.to_thread(fn, token)
            except PlatformCallError as error:
                failure = error.failure
                metrics.API_ERRORS.labels(metrics.PLATFORM, failure.code).inc()
                outcome = failure.outcome
                if outcome == "auth" and not refreshed:
                    refreshed = True
                    token = await self.access_token(
                        session, connection_id, force_refresh=True, caused_by=caused_by
                    )
                    continue
                if (
                    retry
                    and outcome in ("rate_limited", "transient")
                    and attempt + 1 < self.settings.max_attempts
                ):
                    await self.back_off(attempt, rate_limited=outcome == "rate_limited", operation=operation)
                    attempt += 1
                    continue
                raise

    async def back_off(self, attempt: int, *, rate_limited: bool, operation: str) -> None:
        if rate_limited:
            metrics.RATE_LIMIT_BACKOFFS.labels(metrics.PLATFORM).inc()
        delay = backoff_delay(
            attempt, base=self.settings.backoff_base_seconds, cap=self.settings.backoff_max_seconds
        )
        log.info(
            "backing off",
            operation=operation,
            attempt=attempt + 1,
            delay=round(delay, 2),
            rate_limited=rate_limited,
        )
        await asyncio.sleep(delay)

    def close(self) -> None:
        self.api.close()


def _unavailable(message: str) -> PlatformFailure:
    return PlatformFailure(status="UNAVAILABLE", message=message)


def _now() -> datetime:
    return datetime.now(UTC)
