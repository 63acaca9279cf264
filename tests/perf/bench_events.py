"""Benchmark: events end to end (outbox → relay → JetStream → consumer with inbox) against raw nats-py.

    python tests/perf/bench_events.py [--events 100000]

For each JetStream `sync_interval` (always, NATS default) it starts a fresh nats-server and
PostgreSQL, measures raw `publish_async` + pull-consume-ack throughput, then the same number of
events through the ZAMC runtime with a handler that writes one row per event, and prints both
rates and their ratio. Before each measurement the heap is frozen, as a service process does once
started (`runtime.service.freeze_heap`). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from nats.js.api import StreamConfig
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "libs" / "zamc_events" / "tests"))

from example_service.service import ExampleSettings, definition, effects

from zamc_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from zamc_events.contracts.metrics import MetricsObserved
from zamc_events.runtime.service import ServiceRuntime, freeze_heap

PAYLOAD = b"x" * 128


async def raw_throughput(nats_url: str, count: int) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="RAW", subjects=["raw.>"]))
    freeze_heap()
    started = time.perf_counter()
    for start in range(0, count, 2000):
        futures = [await js.publish_async("raw.bench", PAYLOAD) for _ in range(min(2000, count - start))]
        await asyncio.gather(*futures)
    subscription = await js.pull_subscribe("raw.bench", durable="raw")
    received = 0
    while received < count:
        for message in await subscription.fetch(500, timeout=5):
            await message.ack()
            received += 1
    elapsed = time.perf_counter() - started
    await js.delete_stream("RAW")
    await nc.close()
    return count / elapsed


async def zamc_throughput(nats_url: str, database_url: str, count: int) -> float:
    settings = ExampleSettings(
        nats_url=nats_url,
        database_url=database_url,
        http_port=free_port(),
        log_level="WARNING",
        consumer_batch_size=500,
        outbox_batch_size=2000,
        outbox_poll_seconds=0.01,
    )
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    try:
        runtime.relay.stop()  # hold publishing until the outbox is full, so the relay is what we time
        await asyncio.sleep(0.1)
        event = MetricsObserved(
            platform="meta",
            account_external_id="bench",
            currency="EUR",
            time_zone="UTC",
            sync_id=uuid.uuid4(),
            observations=[],
        )
        for start in range(0, count, 5000):
            async with runtime.sessions() as session, session.begin():
                from zamc_events.contracts.base import Envelope

                await runtime.publisher.emit_envelopes(
                    session, [Envelope.wrap(event, producer="bench") for _ in range(min(5000, count - start))]
                )
        from zamc_events.runtime.outbox import OutboxRelay

        freeze_heap()  # as ServiceRuntime.serve() does once the service has started
        relay = OutboxRelay(
            engine=runtime.engine,
            js=runtime.js,
            publisher=runtime.publisher,
            service="bench",
            batch_size=2000,
            poll_seconds=0.01,
        )
        started = time.perf_counter()
        relay_task = asyncio.create_task(relay.run())
        while True:
            async with runtime.engine.connect() as connection:
                done = (await connection.execute(select(func.count()).select_from(effects))).scalar_one()
            if done >= count:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        relay.stop()
        await relay_task
        return count / elapsed
    finally:
        await runtime.stop()


async def run(events: int) -> None:
    print(f"{events:,} events of ~{len(PAYLOAD)} bytes, nats-server and PostgreSQL on this machine")
    print(f"{'sync_interval':>14} {'raw nats-py ev/s':>18} {'ZAMC end-to-end ev/s':>22} {'ratio':>7}")
    for sync_interval in ("always", "default"):
        with tempfile.TemporaryDirectory() as tmp:
            nats_server = EmbeddedNats(
                Path(tmp) / "nats", port=free_port(), sync_interval=sync_interval
            ).start()
            postgres = EmbeddedPostgres(Path(tmp) / "pg", port=free_port()).start()
            try:
                raw = await raw_throughput(nats_server.url, events)
                end_to_end = await zamc_throughput(nats_server.url, postgres.url(), events)
            finally:
                nats_server.stop()
                postgres.stop()
        print(f"{sync_interval:>14} {raw:>18,.0f} {end_to_end:>22,.0f} {end_to_end / raw:>7.0%}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    asyncio.run(run(parser.parse_args().events))


if __name__ == "__main__":
    main()
