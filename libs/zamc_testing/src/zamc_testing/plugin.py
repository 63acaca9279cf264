"""pytest fixtures shared by every ZAMC test suite (registered through the `pytest11` entry point)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import nats.js.errors
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_testing.servers import ServerHandles, test_servers

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandles]:
    """One NATS JetStream server and one PostgreSQL server for the whole test session."""
    with test_servers(tmp_path_factory.mktemp("servers")) as handles:
        yield handles


@pytest.fixture
def nats_url(servers: ServerHandles) -> str:
    return servers.nats_url


@pytest.fixture
async def database_url(servers: ServerHandles) -> AsyncIterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(servers.database_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(servers.database_url).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def jetstream(nats_url: str) -> AsyncIterator[nats.js.JetStreamContext]:
    """A JetStream context on clean streams: every ZAMC stream is deleted and provisioned anew."""
    from zamc_events.runtime.streams import provision_streams

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for stream in await js.streams_info():
        await js.delete_stream(stream.config.name)
    for attempt in range(20):
        try:
            await provision_streams(js)
            break
        except nats.js.errors.ServerError:
            # nats-server removes a deleted stream's files in the background; re-creating a stream of
            # the same name before that finished answers "error creating store for stream".
            if attempt == 19:
                raise
            await asyncio.sleep(0.1)
    try:
        yield js
    finally:
        await nc.close()


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator:
    """A nats-server of this test's own, for tests that restart or kill the broker."""
    from zamc_cli.embedded import EmbeddedNats, free_port

    server = EmbeddedNats(tmp_path / "nats", port=free_port(), sync_interval="always").start()
    try:
        yield server
    finally:
        server.stop()
