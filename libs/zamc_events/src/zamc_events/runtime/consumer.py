"""Durable pull consumers with an inbox: each event's effects commit exactly once.

A batch is handled in one transaction: inbox rows are inserted for the whole batch
(`ON CONFLICT DO NOTHING` tells which events were handled before), handlers run for the new
ones, the transaction commits, and only then are the messages acked. A redelivery after a
crash between commit and ack finds its inbox row, is acked and skipped. A `Batched` handler is
called once with every new event of its subject in a row of the batch (one statement for many
events instead of one per event); a plain handler once per event. If any handler raises,
the batch transaction is rolled back and its messages are handled one by one, so one bad
event costs only itself: it is nak'ed with a backoff and, once its deliveries are exhausted
(or at once for `PermanentError` and unparseable payloads), dead-lettered with its reason.

While a batch is handled the next one is fetched (batches are still handled in order, one at a
time); a consumer that stops hands that batch back with a nak, for immediate redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import nats.js
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from sqlalchemy import Uuid, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zamc_events.contracts.base import Envelope, Event, InvalidEventError, UnknownSubjectError, parse_envelope
from zamc_events.runtime import metrics
from zamc_events.runtime.dlq import dead_letter
from zamc_events.runtime.faults import crash_point
from zamc_events.runtime.outbox import Publisher
from zamc_events.runtime.streams import stream_for
from zamc_events.runtime.telemetry import context_from_headers, trace_id_hex

log = structlog.get_logger("zamc.consumer")
tracer = trace.get_tracer("zamc_events.consumer")


class PermanentError(Exception):
    """The event can never be handled (e.g. it refers to something that cannot exist): dead-letter it now."""


@dataclass
class HandlerContext:
    envelope: Envelope[Any]
    session: AsyncSession
    publisher: Publisher
    message: Msg

    @property
    def data(self) -> Any:
        return self.envelope.data

    async def emit(self, data: Event, *, tenant_id: Any = None) -> Envelope[Any]:
        """Publish an event caused by the one being handled, in the handler's transaction."""
        return await self.publisher.emit(self.session, data, caused_by=self.envelope, tenant_id=tenant_id)

    async def in_progress(self) -> None:
        """Tell JetStream a long handler is still working, so the message is not redelivered."""
        await self.message.in_progress()


Handler = Callable[[HandlerContext], Awaitable[None]]


@dataclass
class BatchContext:
    """What a `Batched` handler gets: the new events of one subject, in stream order."""

    envelopes: list[Envelope[Any]]
    session: AsyncSession
    publisher: Publisher
    messages: list[Msg]

    async def emit(self, data: Event, *, caused_by: Envelope[Any], tenant_id: Any = None) -> Envelope[Any]:
        """Publish an event caused by one of the batch's events, in the handler's transaction."""
        return await self.publisher.emit(self.session, data, caused_by=caused_by, tenant_id=tenant_id)

    async def in_progress(self) -> None:
        """Tell JetStream a long handler is still working, so the messages are not redelivered."""
        for message in self.messages:
            await message.in_progress()


@dataclass(frozen=True)
class Batched:
    """Registers `handle` for whole runs of its subject: `{subject: Batched(handle)}`.

    For handlers whose per-event cost is mostly a database round trip. The inbox still records
    every event, and when the batch fails each event is retried alone (a batch of one), so a
    bad event costs only itself."""

    handle: Callable[[BatchContext], Awaitable[None]]


AnyHandler = Handler | Batched


@dataclass
class ConsumerOptions:
    batch_size: int = 200
    max_deliver: int = 5
    ack_wait_seconds: float = 30.0
    backoff_seconds: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    fetch_timeout_seconds: float = 1.0

    def backoff_for(self, delivery: int) -> float:
        return self.backoff_seconds[min(delivery - 1, len(self.backoff_seconds) - 1)]


@dataclass(frozen=True)
class _SubjectMetrics:
    handled: Any
    failed: Any
    redelivered: Any
    dead_lettered: Any
    seconds: Any

    @classmethod
    def of(cls, consumer: str, subject: str) -> _SubjectMetrics:
        return cls(
            handled=metrics.EVENTS_HANDLED.labels(consumer, subject),
            failed=metrics.EVENTS_FAILED.labels(consumer, subject),
            redelivered=metrics.EVENTS_REDELIVERED.labels(consumer, subject),
            dead_lettered=metrics.EVENTS_DEAD_LETTERED.labels(consumer, subject),
            seconds=metrics.HANDLER_SECONDS.labels(consumer, subject),
        )


@dataclass
class _Delivery:
    message: Msg
    envelope: Envelope[Any]
    delivered: int  # how many times JetStream has delivered it (parsed once from the reply subject)

    @property
    def subject(self) -> str:
        return self.envelope.type


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        engine: AsyncEngine,
        js: nats.js.JetStreamContext,
        publisher: Publisher,
        handlers: Mapping[str, AnyHandler],
        options: ConsumerOptions | None = None,
    ) -> None:
        self.name = name
        self.js = js
        self.publisher = publisher
        self.handlers = dict(handlers)
        self.options = options or ConsumerOptions()
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        inbox = publisher.tables.inbox
        # One statement for any batch size, so it is prepared once (a multi-row VALUES is not).
        self._claim_statement = text(
            f'INSERT INTO "{inbox.schema}".inbox (consumer, event_id, subject) '
            "SELECT :consumer, unnest(CAST(:event_ids AS uuid[])), unnest(CAST(:subjects AS text[])) "
            "ON CONFLICT DO NOTHING RETURNING event_id"
        ).columns(event_id=Uuid)
        self._metrics: dict[str, _SubjectMetrics] = {}
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscriptions: list[Any] = []

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        by_stream: dict[str, list[str]] = defaultdict(list)
        for subject in self.handlers:
            by_stream[stream_for(subject).name].append(subject)
        for stream, subjects in by_stream.items():
            config = ConsumerConfig(
                durable_name=self.name,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.options.ack_wait_seconds,
                # One delivery more than we handle: a message whose handler killed its process on the
                # last attempt comes back once more and is dead-lettered instead of silently dropped.
                max_deliver=self.options.max_deliver + 1,
                max_ack_pending=max(1000, self.options.batch_size * 4),
                filter_subjects=sorted(subjects),
            )
            await self.js.add_consumer(stream, config)
            subscription = await self.js.pull_subscribe_bind(self.name, stream=stream)
            self._subscriptions.append(subscription)
            self._tasks.append(asyncio.create_task(self._fetch_loop(subscription), name=f"consume:{stream}"))

    async def stop(self) -> None:
        """Stop fetching and let in-flight batches finish."""
        self._stopping.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _fetch_loop(self, subscription: Any) -> None:
        """Fetch the next batch while the current one is handled (its transaction waits on the
        database, the fetch on the broker); batches are still handled one after the other, in order."""
        ahead: asyncio.Task[list[Msg]] | None = None
        try:
            while not self._stopping.is_set():
                messages = await (ahead or self._fetch(subscription))
                ahead = None
                if not messages:
                    continue
                if not self._stopping.is_set():
                    ahead = asyncio.create_task(self._fetch(subscription))
                try:
                    await self.handle_batch(messages, waiting=ahead)
                except Exception:  # the database is away: leave the batch for redelivery
                    log.error("batch not handled; it will be redelivered", consumer=self.name, exc_info=True)
                    for message in messages:
                        with contextlib.suppress(Exception):
                            await message.nak(delay=self.options.backoff_for(1))
        finally:
            if ahead is not None:  # fetched but not handled: hand it back for immediate redelivery
                for message in await ahead:
                    with contextlib.suppress(Exception):
                        await message.nak()

    async def _fetch(self, subscription: Any) -> list[Msg]:
        """The next batch, or [] when none arrived within the fetch timeout or the fetch failed."""
        try:
            return await subscription.fetch(
                self.options.batch_size, timeout=self.options.fetch_timeout_seconds
            )
        except (nats.errors.TimeoutError, TimeoutError):  # nothing to fetch within the timeout
            return []
        except Exception:
            if not self._stopping.is_set():
                log.warning("fetch failed; retrying", consumer=self.name, exc_info=True)
                await asyncio.sleep(0.5)
            return []

    # handling --------------------------------------------------------------------------
    def _metrics_for(self, subject: str) -> _SubjectMetrics:
        if subject not in self._metrics:
            self._metrics[subject] = _SubjectMetrics.of(self.name, subject)
        return self._metrics[subject]

    async def handle_batch(
        self, messages: list[Msg], *, waiting: asyncio.Task[list[Msg]] | None = None
    ) -> None:
        """Handle one fetched batch; `waiting` is the next batch being fetched meanwhile, kept
        alive (in_progress) with this one while it waits."""
        deliveries = [d for d in [await self._parse(m) for m in messages] if d is not None]
        if not deliveries:
            return
        heartbeat = asyncio.create_task(self._keep_alive([d.message for d in deliveries], waiting))
        try:
            if len(deliveries) == 1:
                await self._handle_one_by_one(deliveries)
                return
            try:
                async with self.sessions() as session, session.begin():
                    await self._handle_in_transaction(session, deliveries)
            except Exception:
                await self._handle_one_by_one(deliveries)
                return
            crash_point("consumer.after_commit")
            for delivery in deliveries:
                await delivery.message.ack()
        finally:
            heartbeat.cancel()

    async def _handle_in_transaction(self, session: AsyncSession, deliveries: list[_Delivery]) -> None:
        new_ids = await self._claim_inbox(session, deliveries)
        run: list[_Delivery] = []  # consecutive new events of one Batched subject
        for delivery in deliveries:
            if delivery.delivered > 1:
                self._metrics_for(delivery.subject).redelivered.inc()
            if delivery.envelope.event_id not in new_ids:
                continue
            if run and run[0].subject != delivery.subject:
                await self._run_batch(session, run)
                run = []
            if isinstance(self.handlers[delivery.subject], Batched):
                run.append(delivery)
            else:
                await self._run_handler(session, delivery)
        if run:
            await self._run_batch(session, run)

    async def _handle_one_by_one(self, deliveries: list[_Delivery]) -> None:
        for delivery in deliveries:
            try:
                async with self.sessions() as session, session.begin():
                    await self._handle_in_transaction(session, [delivery])
            except Exception as error:
                await self._fail(delivery, error)
            else:
                crash_point("consumer.after_commit")
                await delivery.message.ack()

    async def _claim_inbox(self, session: AsyncSession, deliveries: list[_Delivery]) -> set[Any]:
        """Insert inbox rows for the batch; returns the event ids not handled before."""
        result = await session.execute(
            self._claim_statement,
            {
                "consumer": self.name,
                "event_ids": [d.envelope.event_id for d in deliveries],
                "subjects": [d.subject for d in deliveries],
            },
        )
        return set(result.scalars())

    async def _run_handler(self, session: AsyncSession, delivery: _Delivery) -> None:
        envelope = delivery.envelope
        handler = self.handlers[delivery.subject]
        assert not isinstance(handler, Batched)
        parent = context_from_headers(delivery.message.headers)
        started = time.perf_counter()
        with (
            tracer.start_as_current_span(
                f"consume {delivery.subject}", context=parent, kind=trace.SpanKind.CONSUMER
            ),
            structlog.contextvars.bound_contextvars(
                event_id=str(envelope.event_id),
                correlation_id=str(envelope.correlation_id),
                subject=delivery.subject,
                trace_id=trace_id_hex(),
            ),
        ):
            try:
                await handler(
                    HandlerContext(
                        envelope=envelope, session=session, publisher=self.publisher, message=delivery.message
                    )
                )
            finally:
                self._metrics_for(delivery.subject).seconds.observe(time.perf_counter() - started)
        self._metrics_for(delivery.subject).handled.inc()

    async def _run_batch(self, session: AsyncSession, deliveries: list[_Delivery]) -> None:
        """One call of a Batched handler. Its span continues the trace of a lone event, else it
        links every event's trace (OpenTelemetry's convention for batch processing)."""
        subject = deliveries[0].subject
        handler = self.handlers[subject]
        assert isinstance(handler, Batched)
        parents = [context_from_headers(d.message.headers) for d in deliveries]
        links = [] if len(deliveries) == 1 else _links(parents)
        started = time.perf_counter()
        with (
            tracer.start_as_current_span(
                f"consume {subject}",
                context=parents[0] if len(deliveries) == 1 else None,
                kind=trace.SpanKind.CONSUMER,
                links=links,
                attributes={"messaging.batch.message_count": len(deliveries)},
            ),
            structlog.contextvars.bound_contextvars(
                subject=subject, batch_size=len(deliveries), trace_id=trace_id_hex()
            ),
        ):
            try:
                await handler.handle(
                    BatchContext(
                        envelopes=[d.envelope for d in deliveries],
                        session=session,
                        publisher=self.publisher,
                        messages=[d.message for d in deliveries],
                    )
                )
            finally:
                self._metrics_for(subject).seconds.observe(time.perf_counter() - started)
        self._metrics_for(subject).handled.inc(len(deliveries))

    async def _parse(self, message: Msg) -> _Delivery | None:
        try:
            envelope = parse_envelope(message.subject, message.data)
        except (UnknownSubjectError, InvalidEventError) as error:
            await self._dead_letter(message, message.subject, f"poison: {error}")
            return None
        if envelope.type not in self.handlers:
            await message.ack()
            return None
        delivered = message.metadata.num_delivered
        if delivered > self.options.max_deliver:
            await self._dead_letter(
                message,
                envelope.type,
                f"delivered {delivered} times without an acknowledgement (the consumer stopped while handling it)",
            )
            return None
        return _Delivery(message=message, envelope=envelope, delivered=delivered)

    async def _fail(self, delivery: _Delivery, error: Exception) -> None:
        self._metrics_for(delivery.subject).failed.inc()
        delivered = delivery.delivered
        reason = f"{type(error).__name__}: {error}"
        if isinstance(error, PermanentError) or delivered >= self.options.max_deliver:
            log.error(
                "event dead-lettered",
                consumer=self.name,
                subject=delivery.subject,
                reason=reason,
                event_id=str(delivery.envelope.event_id),
                deliveries=delivered,
            )
            await self._dead_letter(delivery.message, delivery.subject, reason)
        else:
            delay = self.options.backoff_for(delivered)
            log.warning(
                "handler failed; redelivering",
                consumer=self.name,
                subject=delivery.subject,
                reason=reason,
                delay=delay,
                deliveries=delivered,
            )
            await delivery.message.nak(delay=delay)

    async def _dead_letter(self, message: Msg, subject: str, reason: str) -> None:
        await dead_letter(self.js, message=message, consumer=self.name, reason=reason)
        self._metrics_for(subject).dead_lettered.inc()
        await message.term()

    async def _keep_alive(self, messages: list[Msg], waiting: asyncio.Task[list[Msg]] | None) -> None:
        interval = max(self.options.ack_wait_seconds / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            ready = waiting is not None and waiting.done() and not waiting.cancelled()
            fetched = waiting.result() if ready else []
            for message in [*messages, *fetched]:
                with contextlib.suppress(Exception):
                    await message.in_progress()

    async def record_lag(self) -> None:
        for subscription in self._subscriptions:
            info = await subscription.consumer_info()
            metrics.CONSUMER_PENDING.labels(self.name).set(info.num_pending + info.num_ack_pending)


def _links(contexts: list[Any]) -> list[trace.Link]:
    links = []
    for context in contexts:
        span_context = trace.get_current_span(context).get_span_context()
        if span_context.is_valid:
            links.append(trace.Link(span_context))
    return links
