"""Real NATS and PostgreSQL for tests: embedded wheels by default, external or containers by choice.

- `ZAMC_TEST_NATS_URL` / `ZAMC_TEST_DATABASE_URL`: use servers that already run.
- `ZAMC_TEST_BACKEND=containers` (with a Docker engine): testcontainers starts them.
- otherwise: nats-server and PostgreSQL from their PyPI wheels, on free loopback ports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zamc_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port


@dataclass
class ServerHandles:
    nats_url: str
    database_url: str  # the maintenance database; tests get fresh databases next to it
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None


@contextmanager
def test_servers(base_dir: Path) -> Iterator[ServerHandles]:
    nats_url = os.environ.get("ZAMC_TEST_NATS_URL")
    database_url = os.environ.get("ZAMC_TEST_DATABASE_URL")
    if os.environ.get("ZAMC_TEST_BACKEND") == "containers" and not (nats_url and database_url):
        with _containers() as handles:
            yield handles
        return
    nats = postgres = None
    try:
        if not nats_url:
            nats = EmbeddedNats(base_dir / "nats", port=free_port(), sync_interval="default").start(
                base_dir / "nats.log"
            )
            nats_url = nats.url
        if not database_url:
            postgres = EmbeddedPostgres(base_dir / "pg", port=free_port(), durable=False).start(
                base_dir / "postgres.log"
            )
            database_url = postgres.url("postgres")
        yield ServerHandles(nats_url=nats_url, database_url=database_url, nats=nats, postgres=postgres)
    finally:
        if nats:
            nats.stop()
        if postgres:
            postgres.stop()


@contextmanager
def _containers() -> Iterator[ServerHandles]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.postgres import PostgresContainer

    with (
        DockerContainer("nats:2.11-alpine").with_command("-js").with_exposed_ports(4222) as nats,
        PostgresContainer("postgres:17-alpine", driver="asyncpg") as postgres,
    ):
        nats_url = f"nats://{nats.get_container_host_ip()}:{nats.get_exposed_port(4222)}"
        yield ServerHandles(nats_url=nats_url, database_url=postgres.get_connection_url())
