"""Metric sync: re-read the attribution window of every linked account, publish what changed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog

from zamc_connector_meta.adapters import db
from zamc_connector_meta.adapters.graph import GraphCallFailed, ReauthorizationNeeded
from zamc_connector_meta.domain import insights
from zamc_connector_meta.domain.linking import token_rejected_reason
from zamc_connector_meta.service_layer.context import Connector
from zamc_events.contracts.metrics import MetricsObserved

log = structlog.get_logger("zamc.connector_meta.sync")


async def sync_all(*, connector: Connector) -> dict[str, int | None]:
    """One pass over every linked account; one failing account never stops the others.

    Returns account → observations published (None where the account's sync failed).
    """
    async with connector.sessions() as session:
        targets = await db.syncable_accounts(session)
    semaphore = asyncio.Semaphore(connector.settings.sync_concurrency)
    results: dict[str, int | None] = {}

    async def one(connection: db.Connection, account: db.LinkedAccount) -> None:
        async with semaphore:
            results[account.account_id] = None
            try:
                results[account.account_id] = await sync_account(
                    connector=connector, connection=connection, account=account
                )
            except ReauthorizationNeeded as error:
                async with connector.sessions() as session, session.begin():
                    await connector.require_reauthorization(
                        session, connection, reason=token_rejected_reason(error.failure.user_text())
                    )
            except GraphCallFailed as error:
                log.warning(
                    "metric sync failed for an account",
                    account=account.account_id,
                    code=error.failure.code_text,
                    kind=error.failure.kind.value,
                )
            except Exception:
                log.exception("metric sync failed for an account", account=account.account_id)

    await asyncio.gather(*(one(c, a) for c, a in targets))
    return results


async def sync_account(*, connector: Connector, connection: db.Connection, account: db.LinkedAccount) -> int:
    settings = connector.settings
    client = connector.client(connection)
    reported_at = connector.clock()
    zone = ZoneInfo(account.time_zone)
    today = reported_at.astimezone(zone).date()
    since = today - timedelta(days=settings.attribution_window_days)
    params = {
        "level": "ad",
        "time_range": {"since": since.isoformat(), "until": today.isoformat()},
        "time_increment": 1,
        "breakdowns": [insights.HOURLY_BREAKDOWN],
        "limit": settings.sync_batch_size,
    }
    sync_id = uuid.uuid4()
    published = 0
    async for rows in client.insight_pages(account.account_id, fields=insights.INSIGHT_FIELDS, params=params):
        observations = [
            insights.observation(
                row,
                time_zone=account.time_zone,
                action_types=settings.conversion_action_types,
                reported_at=reported_at,
            )
            for row in rows
        ]
        async with connector.sessions() as session, session.begin():
            known = await db.known_digests(
                session, account.account_id, [insights.observation_key(o) for o in observations]
            )
            changed = insights.changed(observations, known)
            if not changed:
                continue
            await db.save_digests(
                session,
                account.account_id,
                [(*insights.observation_key(o), insights.digest(o), reported_at) for o in changed],
            )
            await connector.runtime.publisher.emit(
                session,
                MetricsObserved(
                    platform="meta",
                    account_external_id=account.account_id,
                    currency=account.currency,
                    time_zone=account.time_zone,
                    sync_id=sync_id,
                    observations=changed,
                ),
                tenant_id=connection.tenant_id,
            )
        published += len(changed)
    async with connector.sessions() as session, session.begin():
        await db.prune_digests(
            session, account.account_id, reported_at - timedelta(days=settings.attribution_window_days + 2)
        )
    log.info("meta metrics synced", account=account.account_id, changed=published)
    return published
