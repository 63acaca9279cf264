"""Alembic for services: each service's version table lives in its own schema.

A service's `migrations/env.py` is just `run_env(schema="<name>", target_metadata=...)`;
its first revision calls `create_event_tables(op, "<name>")`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from zamc_events.runtime.tables import event_tables

VERSION_TABLE = "alembic_version"


def alembic_config(*, migrations_dir: Path, database_url: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = database_url
    config.attributes["schema"] = schema
    return config


def upgrade_to_head(*, migrations_dir: Path, database_url: str, schema: str) -> None:
    """Apply every pending migration (blocking; run it off the event loop)."""
    command.upgrade(
        alembic_config(migrations_dir=migrations_dir, database_url=database_url, schema=schema), "head"
    )


async def is_at_head(engine: AsyncEngine, *, migrations_dir: Path, schema: str) -> bool:
    heads = set(ScriptDirectory(str(migrations_dir)).get_heads())

    def current(connection: Connection) -> set[str]:
        migration = MigrationContext.configure(
            connection, opts={"version_table_schema": schema, "version_table": VERSION_TABLE}
        )
        return set(migration.get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(current) == heads


def run_env(*, target_metadata: MetaData | None = None) -> None:
    """Body of every service's `migrations/env.py` (online mode, async engine)."""
    config = context.config
    schema: str = config.attributes["schema"]
    url: str = config.attributes["database_url"]

    def include_object(obj, name, type_, reflected, compare_to):
        return getattr(obj, "schema", schema) in (schema, None)

    def migrate(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            version_table=VERSION_TABLE,
            include_schemas=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            # Two replicas starting at once must not migrate concurrently.
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": f"migrate:{schema}"})
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def create_event_tables(op, schema: str) -> None:
    """Create the outbox and inbox tables in a service's first migration."""
    tables = event_tables(schema)
    bind = op.get_bind()
    tables.outbox.create(bind)
    tables.inbox.create(bind)
