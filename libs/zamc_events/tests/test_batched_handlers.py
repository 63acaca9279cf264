"""Batched handlers: one call per run of new events of a subject, and a bad event costs only itself."""

from __future__ import annotations

import asyncio

import pytest
from runtime_support import envelope, wait_for

from zamc_events.runtime.consumer import BatchContext, Batched, ConsumerOptions, EventConsumer, PermanentError
from zamc_events.runtime.dlq import list_dead_letters

pytestmark = pytest.mark.service

SUBJECT = "zamc.metrics.observed.v1"


async def test_a_fetched_batch_reaches_a_batched_handler_at_once_and_a_bad_event_only_fails_itself(
    example_runtime, jetstream
):
    await example_runtime.consumer.stop()  # the example's own consumer must not take these events
    events = [envelope() for _ in range(20)] + [envelope("permanent")] + [envelope() for _ in range(19)]
    for event in events:
        await jetstream.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": str(event.event_id)})
    calls: list[list[str]] = []
    committed: list[str] = []

    async def record(batch: BatchContext) -> None:
        accounts = [e.data.account_external_id for e in batch.envelopes]
        calls.append(accounts)
        if "permanent" in accounts:
            raise PermanentError("refused")
        committed.extend(str(e.event_id) for e in batch.envelopes)

    consumer = EventConsumer(
        name="batched",
        engine=example_runtime.engine,
        js=jetstream,
        publisher=example_runtime.publisher,
        handlers={SUBJECT: Batched(record)},
    )
    await consumer.start()
    try:
        await wait_for(lambda: len(committed) == 39, timeout=20)
        await wait_for(lambda: _dead_letters(jetstream, 1), timeout=20)
    finally:
        await consumer.stop()

    assert len(calls[0]) == 40  # the whole batch in one call first
    assert all(len(call) == 1 for call in calls[1:])  # then, after it failed, one by one
    assert sorted(committed) == sorted(
        str(e.event_id) for e in events if e.data.account_external_id != "permanent"
    )
    [letter] = await list_dead_letters(jetstream)
    assert letter.reason.startswith("PermanentError: refused") and letter.consumer == "batched"


async def _dead_letters(jetstream, count: int) -> bool:
    return len(await list_dead_letters(jetstream)) >= count


async def test_a_stopped_consumer_hands_back_the_batch_it_fetched_ahead(example_runtime, jetstream):
    await example_runtime.consumer.stop()
    events = [envelope() for _ in range(300)]
    for event in events:
        await jetstream.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": str(event.event_id)})
    handled: list[str] = []
    first_batch_started = asyncio.Event()

    async def slow(batch: BatchContext) -> None:
        first_batch_started.set()
        await asyncio.sleep(0.5)  # long enough for the next batch to be fetched meanwhile
        handled.extend(str(e.event_id) for e in batch.envelopes)

    def consumer() -> EventConsumer:
        return EventConsumer(
            name="handing-back",
            engine=example_runtime.engine,
            js=jetstream,
            publisher=example_runtime.publisher,
            handlers={SUBJECT: Batched(slow)},
            options=ConsumerOptions(batch_size=100, ack_wait_seconds=30),
        )

    first = consumer()
    await first.start()
    await asyncio.wait_for(first_batch_started.wait(), timeout=10)
    await first.stop()
    assert 0 < len(handled) < 300
    second = consumer()
    await second.start()
    try:
        # well within the 30 s ack_wait: the batch fetched ahead was handed back (nak), not left to expire
        await wait_for(lambda: len(handled) >= 300, timeout=10)
    finally:
        await second.stop()
    assert sorted(handled) == sorted(str(e.event_id) for e in events)
