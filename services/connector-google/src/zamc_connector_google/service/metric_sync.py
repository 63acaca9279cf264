"""Metric sync of one account: read the lookback window, publish the object-hours that changed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zamc_connector_google.adapters import db
from zamc_connector_google.domain import metric_sync
from zamc_connector_google.domain.errors import PlatformCallError
from zamc_connector_google.service.access import Account, AccountNotLinked, Connector, ReauthorizationNeeded
from zamc_events.contracts.metrics import MetricsObserved

log = structlog.get_logger("zamc.connector_google.metric_sync")


async def accounts_to_sync(session: AsyncSession, connector: Connector) -> list[Account]:
    """Every active customer once (through its most recently linked active connection)."""
    rows = (
        (
            await session.execute(
                select(db.accounts)
                .join(db.connections, db.connections.c.connection_id == db.accounts.c.connection_id)
                .where(db.accounts.c.active, db.connections.c.status == "active")
                .order_by(db.accounts.c.customer_id, db.accounts.c.linked_at.desc())
            )
        )
        .mappings()
        .all()
    )
    chosen: dict[str, Account] = {}
    for r in rows:
        chosen.setdefault(
            r["customer_id"],
            Account(
                connection_id=r["connection_id"],
                tenant_id=r["tenant_id"],
                customer_id=r["customer_id"],
                name=r["name"],
                currency=r["currency"],
                time_zone=r["time_zone"],
                login_customer_id=connector.settings.login_customer_id or r["login_customer_id"],
            ),
        )
    return list(chosen.values())


async def sync_account(
    *,
    connector: Connector,
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    now: datetime | None = None,
) -> int | None:
    """Publishes changed observations; returns how many, or None when the sync did not run or failed."""
    settings = connector.settings
    now = now or datetime.now(UTC)
    async with sessions() as session, session.begin():
        locked = (
            await session.execute(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"),
                {"key": f"connector_google.sync:{account.customer_id}"},
            )
        ).scalar_one()
        if not locked:  # another replica is syncing this account right now
            return None
        start, end = metric_sync.sync_window(
            now=now, time_zone=account.time_zone, lookback_days=settings.sync_lookback_days
        )
        query = metric_sync.metrics_query(start=start, end=end)
        try:
            rows = await connector.call(
                session,
                account.connection_id,
                "search_stream",
                lambda token: connector.api.metric_rows(
                    access_token=token,
                    login_customer_id=account.login_customer_id,
                    customer_id=account.customer_id,
                    query=query,
                ),
            )
        except ReauthorizationNeeded:
            return None  # marked and announced in this transaction; its accounts are skipped from now on
        except (PlatformCallError, AccountNotLinked) as error:
            await _record(session, account.customer_id, now, error=str(error))
            log.warning("metric sync failed", customer_id=account.customer_id, error=str(error))
            return None
        observations = metric_sync.to_observations(rows, time_zone=account.time_zone, reported_at=now)
        previous = dict(
            (
                await session.execute(
                    select(
                        db.metric_fingerprints.c.observation_key, db.metric_fingerprints.c.fingerprint
                    ).where(db.metric_fingerprints.c.customer_id == account.customer_id)
                )
            ).all()
        )
        changes = metric_sync.changed(observations, previous)
        sync_id = uuid.uuid4()
        for batch in metric_sync.batches(changes.observations, settings.sync_batch_size):
            await connector.emit(
                session,
                MetricsObserved(
                    platform="google_ads",
                    account_external_id=account.customer_id,
                    currency=account.currency,
                    time_zone=account.time_zone,
                    sync_id=sync_id,
                    observations=batch,
                ),
                tenant_id=account.tenant_id,
            )
        if changes.fingerprints:
            statement = pg_insert(db.metric_fingerprints)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[
                        db.metric_fingerprints.c.customer_id,
                        db.metric_fingerprints.c.observation_key,
                    ],
                    set_={
                        "fingerprint": statement.excluded.fingerprint,
                        "reported_at": statement.excluded.reported_at,
                    },
                ),
                [
                    {
                        "customer_id": account.customer_id,
                        "observation_key": k,
                        "fingerprint": v,
                        "reported_at": now,
                    }
                    for k, v in changes.fingerprints.items()
                ],
            )
        # hours that left the window will not change again: forget them
        await session.execute(
            delete(db.metric_fingerprints).where(
                db.metric_fingerprints.c.customer_id == account.customer_id,
                db.metric_fingerprints.c.reported_at < now - timedelta(days=settings.sync_lookback_days + 2),
            )
        )
        await _record(session, account.customer_id, now, error=None)
        log.info(
            "metrics synced",
            customer_id=account.customer_id,
            rows=len(rows),
            changed=len(changes.observations),
        )
        return len(changes.observations)


async def _record(session: AsyncSession, customer_id: str, now: datetime, *, error: str | None) -> None:
    state = db.sync_state
    if error is None:
        values = {
            "last_started_at": now,
            "last_succeeded_at": now,
            "last_error": None,
            "consecutive_failures": 0,
        }
        statement = pg_insert(state).values(customer_id=customer_id, **values)
        update = values
    else:
        values = {"last_started_at": now, "last_error": error[:2000]}
        statement = pg_insert(state).values(customer_id=customer_id, consecutive_failures=1, **values)
        update = {**values, "consecutive_failures": state.c.consecutive_failures + 1}
    await session.execute(statement.on_conflict_do_update(index_elements=[state.c.customer_id], set_=update))
