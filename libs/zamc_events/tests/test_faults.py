"""Named faults: a process killed at a precise line, a broker restarted mid-burst.

Each test counts effects: every event must have exactly one (no loss, no duplicate).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from example_service.service import definition
from runtime_support import (
    count_effects,
    emit_in_transaction,
    example_settings,
    observed,
    start_example_process,
    wait_for,
)
from sqlalchemy import func, select

from zamc_cli.embedded import EmbeddedNats, stop_process
from zamc_events.runtime.migrations import upgrade_to_head
from zamc_events.runtime.service import ServiceRuntime
from zamc_events.runtime.tables import event_tables

pytestmark = [pytest.mark.service, pytest.mark.fault]


async def _migrate(database_url: str) -> None:
    await asyncio.to_thread(
        upgrade_to_head, migrations_dir=definition.migrations_dir, database_url=database_url, schema="example"
    )


async def _write_outbox(database_url: str, nats_url: str, count: int) -> None:
    """Commit `count` events to the example service's outbox without running its relay."""
    runtime = ServiceRuntime(definition, example_settings(nats_url, database_url))
    from zamc_events.runtime.db import create_engine, session_factory

    runtime.engine = create_engine(database_url)
    runtime.sessions = session_factory(runtime.engine)
    try:
        await emit_in_transaction(runtime, [observed() for _ in range(count)])
    finally:
        await runtime.engine.dispose()


async def _unsent(database_url: str) -> int:
    from zamc_events.runtime.db import create_engine

    engine = create_engine(database_url)
    outbox = event_tables("example").outbox
    try:
        async with engine.connect() as connection:
            return (
                await connection.execute(select(func.count()).where(outbox.c.sent_at.is_(None)))
            ).scalar_one()
    finally:
        await engine.dispose()


async def _run_until_crashed(process) -> None:
    await wait_for(lambda: process.poll() is not None, timeout=60)
    assert process.returncode == -signal.SIGKILL


async def test_consumer_killed_after_commit_before_ack_has_exactly_one_effect(
    jetstream, nats_url: str, database_url: str, tmp_path: Path
):
    await _migrate(database_url)
    await _write_outbox(database_url, nats_url, 300)
    crashing = start_example_process(nats_url, database_url, tmp_path, ZAMC_CRASH_AT="consumer.after_commit")
    await _run_until_crashed(crashing)
    committed_before_crash = (await count_effects(database_url))[0]
    assert committed_before_crash > 0  # the crash came after a commit, before its acks

    restarted = start_example_process(nats_url, database_url, tmp_path)
    try:
        await wait_for(lambda: _effects_at_least(database_url, 300), timeout=60)
        await asyncio.sleep(1.5)  # past ack_wait: any unacked message would have been redelivered by now
        assert await count_effects(database_url) == (300, 300)
    finally:
        stop_process(restarted)
    assert restarted.returncode == 0


async def test_relay_killed_mid_batch_publishes_every_row_exactly_once(
    jetstream, nats_url: str, database_url: str, tmp_path: Path
):
    await _migrate(database_url)
    await _write_outbox(database_url, nats_url, 400)
    crashing = start_example_process(nats_url, database_url, tmp_path, ZAMC_CRASH_AT="relay.after_publish")
    await _run_until_crashed(crashing)
    assert await _unsent(database_url) == 400  # published, but the crash came before marking them sent

    restarted = start_example_process(nats_url, database_url, tmp_path)
    try:
        await wait_for(lambda: _effects_at_least(database_url, 400), timeout=60)
        await wait_for(lambda: _all_sent(database_url), timeout=30)
        await asyncio.sleep(1.0)
        assert await count_effects(database_url) == (400, 400)
        assert (
            await jetstream.stream_info("ZAMC_METRICS")
        ).state.messages == 400  # re-publish was deduplicated
    finally:
        stop_process(restarted)


async def test_nats_restarted_during_a_burst_of_10000_events_loses_none(
    private_nats: EmbeddedNats, database_url: str
):
    settings = example_settings(private_nats.url, database_url, consumer_batch_size=500)
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    try:
        for _ in range(10):
            await emit_in_transaction(runtime, [observed() for _ in range(1000)])
        await wait_for(lambda: _effects_at_least(database_url, 1500), timeout=60)
        private_nats.stop()
        await asyncio.sleep(0.5)
        private_nats.start()
        await wait_for(lambda: _effects_at_least(database_url, 10_000), timeout=180, interval=0.2)
        await asyncio.sleep(1.0)
        assert await count_effects(database_url) == (10_000, 10_000)
    finally:
        await runtime.stop()


async def test_an_event_that_kills_its_consumer_every_time_ends_in_the_dlq(
    jetstream, nats_url: str, database_url: str, tmp_path: Path
):
    from runtime_support import envelope

    from zamc_events.runtime.dlq import list_dead_letters

    await _migrate(database_url)
    poison = envelope("crash-always")
    await jetstream.publish(poison.type, poison.to_json())
    settings = {"ZAMC_EXAMPLE_CONSUMER_MAX_DELIVER": "3"}
    for _ in range(4):  # three deliveries kill the process; the fourth is dead-lettered
        process = start_example_process(nats_url, database_url, tmp_path, **settings)
        try:
            await wait_for(
                lambda running=process: running.poll() is not None or _dlq_has_one(jetstream), timeout=30
            )
        finally:
            stop_process(process)
        if await _dlq_has_one(jetstream):
            break
    [letter] = await list_dead_letters(jetstream)
    assert "without an acknowledgement" in letter.reason
    assert letter.original_subject == "zamc.metrics.observed.v1"


async def _dlq_has_one(jetstream) -> bool:
    return (await jetstream.stream_info("ZAMC_DLQ")).state.messages == 1


async def _effects_at_least(database_url: str, expected: int) -> bool:
    return (await count_effects(database_url))[0] >= expected


async def _all_sent(database_url: str) -> bool:
    return await _unsent(database_url) == 0
