"""`zamc-<service> migrate`: the console script applies the service's migrations and exits (what the
Helm chart's migration init container runs), without NATS or an HTTP server; it is repeatable, and an
unknown command is refused instead of starting the service."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from example_service.service import SCHEMA, definition
from runtime_support import RUN_EXAMPLE
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_cli.embedded import free_port
from zamc_events.runtime.migrations import is_at_head

pytestmark = pytest.mark.service


def run_example(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        # nothing listens here: migrate must not need NATS
        "ZAMC_NATS_URL": f"nats://127.0.0.1:{free_port()}",
        "ZAMC_DATABASE_URL": database_url,
        "ZAMC_EXAMPLE_HTTP_PORT": str(free_port()),
        "ZAMC_LOG_JSON": "false",
        "ZAMC_LOG_LEVEL": "INFO",
    }
    return subprocess.run(
        [sys.executable, str(RUN_EXAMPLE), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,  # the service itself would run until stopped
    )


async def tables(database_url: str) -> set[str]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema"),
                {"schema": SCHEMA},
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def at_head(database_url: str) -> bool:
    engine = create_async_engine(database_url)
    try:
        return await is_at_head(engine, migrations_dir=definition.migrations_dir, schema=SCHEMA)
    finally:
        await engine.dispose()


async def test_migrate_applies_the_migrations_and_exits(database_url: str):
    assert await tables(database_url) == set()

    first = run_example("migrate", database_url=database_url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "migrations applied" in first.stdout
    assert {"alembic_version", "outbox", "inbox", "effects"} <= await tables(database_url)
    assert await at_head(database_url)

    again = run_example("migrate", database_url=database_url)  # every pod's init container runs it
    assert again.returncode == 0, again.stdout + again.stderr
    assert await at_head(database_url)


async def test_an_unknown_command_is_refused_before_touching_the_database(database_url: str):
    refused = run_example("migrations", database_url=database_url)
    assert refused.returncode == 2
    assert "invalid choice: 'migrations'" in refused.stderr
    assert await tables(database_url) == set()


def test_help_names_the_commands():
    shown = subprocess.run(
        [sys.executable, str(RUN_EXAMPLE), "--help"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert "zamc-example" in shown.stdout
    assert "{serve,migrate}" in shown.stdout
