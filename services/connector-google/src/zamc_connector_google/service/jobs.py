"""Background jobs: metric sync per linked account on a schedule, and token refresh before expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select

from zamc_connector_google.adapters import db
from zamc_connector_google.service.access import AccountNotLinked, ReauthorizationNeeded
from zamc_connector_google.service.metric_sync import accounts_to_sync, sync_account
from zamc_connector_google.wiring import connector_for
from zamc_events.runtime.service import ServiceRuntime

log = structlog.get_logger("zamc.connector_google.jobs")


async def sync_all_accounts(runtime: ServiceRuntime) -> dict[str, int | None]:
    """One sync round: every account on its own (a failing account never stops the others)."""
    connector = connector_for(runtime)
    assert runtime.sessions is not None
    async with runtime.sessions() as session:
        accounts = await accounts_to_sync(session, connector)
    limit = asyncio.Semaphore(connector.settings.sync_concurrency)

    async def one(account) -> int | None:
        async with limit:
            try:
                return await sync_account(connector=connector, sessions=runtime.sessions, account=account)
            except Exception:
                log.exception("metric sync crashed", customer_id=account.customer_id)
                return None

    results = await asyncio.gather(*(one(a) for a in accounts))
    return {a.customer_id: r for a, r in zip(accounts, results, strict=True)}


async def metric_sync(runtime: ServiceRuntime) -> None:
    settings = connector_for(runtime).settings
    if not settings.sync_enabled:
        return
    while True:
        try:
            await sync_all_accounts(runtime)
        except Exception:
            log.exception("metric sync round failed")
        await asyncio.sleep(settings.sync_interval_seconds)


async def refresh_expiring_tokens(runtime: ServiceRuntime) -> int:
    """Refreshes every active connection whose access token expires within the margin."""
    connector = connector_for(runtime)
    assert runtime.sessions is not None
    horizon = datetime.now(UTC) + timedelta(seconds=connector.settings.token_refresh_margin_seconds)
    async with runtime.sessions() as session:
        due = (
            (
                await session.execute(
                    select(db.connections.c.connection_id).where(
                        db.connections.c.status == "active",
                        db.connections.c.token_ciphertext.is_not(None),
                        db.connections.c.access_expires_at < horizon,
                    )
                )
            )
            .scalars()
            .all()
        )
    refreshed = 0
    for connection_id in due:
        try:
            async with runtime.sessions() as session, session.begin():
                try:
                    await connector.access_token(session, connection_id)
                    refreshed += 1
                except (ReauthorizationNeeded, AccountNotLinked):
                    pass  # marked and announced in this transaction (or removed meanwhile)
        except Exception:
            log.warning("token refresh failed", connection_id=str(connection_id), exc_info=True)
    return refreshed


async def token_refresh(runtime: ServiceRuntime) -> None:
    settings = connector_for(runtime).settings
    while True:
        try:
            await refresh_expiring_tokens(runtime)
        except Exception:
            log.exception("token refresh round failed")
        await asyncio.sleep(settings.token_check_interval_seconds)


async def close_on_stop(runtime: ServiceRuntime) -> None:
    """Waits for the service to stop (jobs are cancelled then) and closes the gRPC channels."""
    try:
        await asyncio.Event().wait()
    finally:
        connector_for(runtime).close()
