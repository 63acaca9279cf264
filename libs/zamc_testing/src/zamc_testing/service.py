"""Run one service in-process against the test servers, feed it events and watch what it emits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import nats.js
from nats.js.api import DeliverPolicy

from zamc_events.contracts.base import Envelope, Event, parse_envelope
from zamc_events.runtime.service import ServiceDefinition, ServiceRuntime
from zamc_events.runtime.settings import ServiceSettings


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition, settings: ServiceSettings
) -> AsyncIterator[ServiceRuntime]:
    """Start the service's runtime (migrations, relay, consumers, background jobs) without HTTP."""
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def publish_event(
    js: nats.js.JetStreamContext, data: Event, *, tenant_id: uuid.UUID | None = None, **envelope: Any
) -> Envelope[Any]:
    """Publish an event the way a producer's relay would (envelope + `Nats-Msg-Id`)."""
    wrapped = Envelope.wrap(data, producer="test", tenant_id=tenant_id, **envelope)
    await js.publish(wrapped.type, wrapped.to_json(), headers={"Nats-Msg-Id": str(wrapped.event_id)})
    return wrapped


class EventProbe:
    """Collects every event on `subjects` from the start of their streams."""

    def __init__(self) -> None:
        self.events: list[Envelope[Any]] = []
        self._changed = asyncio.Condition()
        self._subscriptions: list[Any] = []

    @classmethod
    @asynccontextmanager
    async def watching(cls, js: nats.js.JetStreamContext, *subjects: str) -> AsyncIterator[EventProbe]:
        probe = cls()
        for subject in subjects:
            probe._subscriptions.append(
                await js.subscribe(
                    subject, cb=probe._receive, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
                )
            )
        try:
            yield probe
        finally:
            for subscription in probe._subscriptions:
                await subscription.unsubscribe()

    async def _receive(self, message: Any) -> None:
        envelope = parse_envelope(message.subject, message.data)
        async with self._changed:
            self.events.append(envelope)
            self._changed.notify_all()

    def of(self, subject: str) -> list[Envelope[Any]]:
        return [event for event in self.events if event.type == subject]

    async def wait_for(
        self,
        subject: str,
        where: Callable[[Any], bool] = lambda data: True,
        *,
        count: int = 1,
        timeout: float = 20.0,
    ) -> list[Envelope[Any]]:
        """Wait until `count` events on `subject` match `where(data)`; returns them."""

        def matches() -> list[Envelope[Any]]:
            return [e for e in self.of(subject) if where(e.data)]

        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: len(matches()) >= count)
        return matches()
