"""The event runtime against a real nats-server and PostgreSQL: publish, consume, dedupe, DLQ."""

from __future__ import annotations

import pytest
from runtime_support import count_effects, emit_in_transaction, envelope, observed, wait_for

from zamc_events.runtime.dlq import list_dead_letters, replay_dead_letter

pytestmark = pytest.mark.service


async def test_a_duplicate_publish_is_deduplicated_by_event_id(jetstream):
    event = envelope()
    headers = {"Nats-Msg-Id": str(event.event_id)}
    first = await jetstream.publish(event.type, event.to_json(), headers=headers)
    again = await jetstream.publish(event.type, event.to_json(), headers=headers)
    assert first.duplicate is None
    assert again.duplicate is True and again.seq == first.seq
    assert (await jetstream.stream_info("ZAMC_METRICS")).state.messages == 1


async def test_outbox_events_reach_the_handler_exactly_once(example_runtime, database_url):
    await emit_in_transaction(example_runtime, [observed() for _ in range(50)])
    await wait_for(lambda: _effects_equal(database_url, 50))
    assert await count_effects(database_url) == (50, 50)


async def test_a_redelivered_event_is_acked_and_skipped(example_runtime, jetstream, database_url):
    event = envelope()
    await jetstream.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": "a"})
    await wait_for(lambda: _effects_equal(database_url, 1))
    # The same event again, under another message id, as a redelivery after a lost ack looks.
    await jetstream.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": "b"})
    await wait_for(lambda: _consumer_idle(jetstream))
    assert await count_effects(database_url) == (1, 1)


async def test_a_failing_handler_is_retried_then_dead_lettered_with_its_reason(example_runtime, jetstream):
    from zamc_events.runtime import metrics

    failed_before = metrics.EVENTS_FAILED.labels("example", "zamc.metrics.observed.v1")._value.get()
    event = envelope("fail-always")
    await jetstream.publish(event.type, event.to_json())
    await wait_for(lambda: _dlq_size(jetstream, 1), timeout=20)
    [letter] = await list_dead_letters(jetstream)
    assert letter.original_subject == "zamc.metrics.observed.v1"
    assert letter.consumer == "example"
    assert "always fails" in letter.reason
    attempts = (
        metrics.EVENTS_FAILED.labels("example", "zamc.metrics.observed.v1")._value.get() - failed_before
    )
    assert attempts == 3  # max_deliver in the example settings


async def test_a_permanent_error_and_a_poison_message_go_straight_to_the_dlq(example_runtime, jetstream):
    event = envelope("permanent")
    await jetstream.publish(event.type, event.to_json())
    await jetstream.publish("zamc.metrics.observed.v1", b"{not json")
    await wait_for(lambda: _dlq_size(jetstream, 2), timeout=10)
    reasons = sorted(letter.reason for letter in await list_dead_letters(jetstream))
    assert reasons[0].startswith("PermanentError: this event can never be handled")
    assert reasons[1].startswith("poison: invalid zamc.metrics.observed.v1 event")


async def test_a_replayed_dead_letter_is_handled_again(example_runtime, jetstream, database_url):
    poison = envelope("permanent")
    await jetstream.publish(poison.type, poison.to_json())
    await wait_for(lambda: _dlq_size(jetstream, 1), timeout=10)
    good = envelope()
    await jetstream.publish(good.type, good.to_json())
    await wait_for(lambda: _effects_equal(database_url, 1))
    [letter] = await list_dead_letters(jetstream)
    await replay_dead_letter(jetstream, letter.sequence)
    await wait_for(lambda: _dlq_size(jetstream, 1), timeout=10)  # permanent again: back in the DLQ
    assert len(await list_dead_letters(jetstream)) == 1


async def _effects_equal(database_url: str, expected: int) -> bool:
    return (await count_effects(database_url))[0] >= expected


async def _dlq_size(jetstream, expected: int) -> bool:
    return (await jetstream.stream_info("ZAMC_DLQ")).state.messages >= expected


async def _consumer_idle(jetstream) -> bool:
    info = await jetstream.consumer_info("ZAMC_METRICS", "example")
    return info.num_pending == 0 and info.num_ack_pending == 0
