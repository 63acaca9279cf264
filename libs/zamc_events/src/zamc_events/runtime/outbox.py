"""Transactional outbox: events are rows written with the state change, published by a relay.

`Publisher.emit` only inserts a row in the caller's transaction. `OutboxRelay` claims unsent
rows (`FOR UPDATE SKIP LOCKED`, so replicas share the work), publishes them with
`Nats-Msg-Id = event_id` (JetStream drops a re-publish inside the duplicate window), waits for
every PubAck and marks the rows sent in the same transaction that claimed them. A relay killed
mid-batch leaves its rows unsent; the next claim publishes them again and JetStream dedupes.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import nats.js
import structlog
from sqlalchemy import BigInteger, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from zamc_events.contracts.base import Envelope, Event, utcnow
from zamc_events.runtime import metrics
from zamc_events.runtime.faults import crash_point
from zamc_events.runtime.tables import EventTables, event_tables
from zamc_events.runtime.telemetry import current_trace_headers

log = structlog.get_logger("zamc.outbox")


class Publisher:
    """Writes a service's events to its outbox; the only way services publish."""

    def __init__(self, *, schema: str, producer: str) -> None:
        self.tables: EventTables = event_tables(schema)
        self.producer = producer
        self._written = asyncio.Event()

    async def emit(
        self,
        session: AsyncSession,
        data: Event,
        *,
        tenant_id: uuid.UUID | None = None,
        caused_by: Envelope[Any] | None = None,
        correlation_id: uuid.UUID | None = None,
    ) -> Envelope[Any]:
        if caused_by is not None:
            envelope = caused_by.follow_up(data, producer=self.producer)
            if tenant_id is not None and envelope.tenant_id != tenant_id:
                envelope = envelope.model_copy(update={"tenant_id": tenant_id})
        else:
            envelope = Envelope.wrap(
                data, producer=self.producer, tenant_id=tenant_id, correlation_id=correlation_id
            )
        await self.emit_envelopes(session, [envelope])
        return envelope

    async def emit_envelopes(self, session: AsyncSession, envelopes: Sequence[Envelope[Any]]) -> None:
        if not envelopes:
            return
        headers = current_trace_headers()
        await session.execute(
            insert(self.tables.outbox),
            [
                {"event_id": e.event_id, "subject": e.type, "payload": e.to_json(), "headers": headers}
                for e in envelopes
            ],
        )
        # Wake a relay in this process once the caller's transaction is likely committed.
        self._written.set()


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        js: nats.js.JetStreamContext,
        publisher: Publisher,
        service: str,
        batch_size: int = 500,
        poll_seconds: float = 0.05,
        replay_window: timedelta = timedelta(hours=24),
        ack_timeout_seconds: float = 10.0,
    ) -> None:
        self.engine = engine
        self.js = js
        self.publisher = publisher
        self.tables = publisher.tables
        self.service = service
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.replay_window = replay_window
        self.ack_timeout_seconds = ack_timeout_seconds
        self._stopping = asyncio.Event()
        # `= ANY(array)`: one parameter for any batch size (an IN list renders one per row)
        self._mark_sent = (
            update(self.tables.outbox)
            .where(self.tables.outbox.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
            .values(sent_at=func.now())
        )

    async def run(self) -> None:
        prune_every, last_prune = 60.0, 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                published = await self.publish_batch()
                if loop.time() - last_prune > prune_every:
                    await self.prune()
                    await self.record_backlog()
                    last_prune = loop.time()
            except Exception:  # the broker or database is away: keep the rows, try again shortly
                log.warning("outbox relay attempt failed", exc_info=True)
                published = 0
                await asyncio.sleep(1.0)
            if published < self.batch_size:
                await self._idle()

    async def _idle(self) -> None:
        self.publisher._written.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.publisher._written.wait(), timeout=self.poll_seconds)

    def stop(self) -> None:
        self._stopping.set()
        self.publisher._written.set()

    async def publish_batch(self) -> int:
        """Publish up to one batch of unsent rows; returns how many were confirmed."""
        outbox = self.tables.outbox
        async with self.engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(
                        outbox.c.id, outbox.c.event_id, outbox.c.subject, outbox.c.payload, outbox.c.headers
                    )
                    .where(outbox.c.sent_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            futures = [
                await self.js.publish_async(
                    row.subject,
                    row.payload,
                    headers={**(row.headers or {}), "Nats-Msg-Id": str(row.event_id)},
                )
                for row in rows
            ]
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True), timeout=self.ack_timeout_seconds
            )
            crash_point("relay.after_publish")
            confirmed = [
                row
                for row, result in zip(rows, results, strict=True)
                if not isinstance(result, BaseException)
            ]
            if confirmed:
                await connection.execute(self._mark_sent, {"ids": [row.id for row in confirmed]})
        for row in confirmed:
            metrics.EVENTS_PUBLISHED.labels(self.service, row.subject).inc()
        if len(confirmed) < len(rows):
            failure = next(r for r in results if isinstance(r, BaseException))
            log.warning(
                "some events were not acknowledged",
                unconfirmed=len(rows) - len(confirmed),
                error=str(failure),
            )
        return len(confirmed)

    async def drain(self, timeout: float = 10.0) -> None:
        """Publish everything unsent (used at shutdown and in tests)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.publish_batch() > 0 and asyncio.get_running_loop().time() < deadline:
            pass

    async def prune(self) -> None:
        outbox = self.tables.outbox
        async with self.engine.begin() as connection:
            await connection.execute(delete(outbox).where(outbox.c.sent_at < utcnow() - self.replay_window))

    async def record_backlog(self) -> tuple[int, float]:
        outbox = self.tables.outbox
        async with self.engine.connect() as connection:
            count, oldest = (
                await connection.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
                )
            ).one()
        age = (utcnow() - oldest).total_seconds() if oldest else 0.0
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(age)
        return count, age
