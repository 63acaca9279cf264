"""Helpers for the runtime tests: the example service, event factories, effect counting."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from example_service.service import ExampleSettings, effects
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_cli.embedded import free_port
from zamc_events.contracts.base import Envelope
from zamc_events.contracts.metrics import MetricsObserved
from zamc_events.runtime.service import ServiceRuntime

RUN_EXAMPLE = Path(__file__).parent / "example_service" / "run.py"


def observed(account: str = "acc-1") -> MetricsObserved:
    return MetricsObserved(
        platform="google_ads",
        account_external_id=account,
        currency="EUR",
        time_zone="Europe/Berlin",
        sync_id=uuid.uuid4(),
        observations=[],
    )


def envelope(account: str = "acc-1") -> Envelope:
    return Envelope.wrap(observed(account), producer="test")


def example_settings(nats_url: str, database_url: str, **overrides: object) -> ExampleSettings:
    values = {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "log_json": False,
        "consumer_ack_wait_seconds": 2.0,
        "consumer_backoff_seconds": [0.1],
        "consumer_max_deliver": 3,
        "outbox_poll_seconds": 0.01,
    }
    values.update(overrides)
    return ExampleSettings(**values)


async def count_effects(database_url: str) -> tuple[int, int]:
    """(all effect rows, distinct events) — their difference is the number of duplicate effects."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            total, unique = (
                await connection.execute(select(func.count(), func.count(effects.c.event_id.distinct())))
            ).one()
        return total, unique
    except Exception:
        return 0, 0
    finally:
        await engine.dispose()


async def wait_for(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.05) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)


def start_example_process(nats_url: str, database_url: str, tmp: Path, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "ZAMC_NATS_URL": nats_url,
        "ZAMC_DATABASE_URL": database_url,
        "ZAMC_EXAMPLE_HTTP_PORT": str(free_port()),
        "ZAMC_EXAMPLE_CONSUMER_ACK_WAIT_SECONDS": "1",
        "ZAMC_EXAMPLE_CONSUMER_BACKOFF_SECONDS": "[0.1]",
        "ZAMC_EXAMPLE_OUTBOX_POLL_SECONDS": "0.01",
        "ZAMC_CRASH_ONCE_DIR": str(tmp / "crashes"),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, str(RUN_EXAMPLE)],
        env=environment,
        stdout=open(tmp / "example.log", "ab"),
        stderr=subprocess.STDOUT,
    )


async def emit_in_transaction(runtime: ServiceRuntime, events: list) -> None:
    async with runtime.sessions() as session, session.begin():
        for event in events:
            await runtime.publisher.emit(session, event)
