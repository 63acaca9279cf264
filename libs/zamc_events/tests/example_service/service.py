"""A minimal service built on the runtime, used by the runtime's own tests.

It handles `zamc.metrics.observed.v1` by writing one `effects` row per event (a `Batched` handler:
one INSERT for every new event of a fetched batch), so tests can count unique and duplicate effects. Accounts named `fail-always` / `permanent` make it fail,
`crash-always` kills the process.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from pydantic_settings import SettingsConfigDict
from sqlalchemy import BigInteger, Column, MetaData, Table, Uuid, text

from zamc_events.runtime.consumer import BatchContext, Batched, PermanentError
from zamc_events.runtime.service import ServiceDefinition
from zamc_events.runtime.settings import ServiceSettings

SCHEMA = "example"
metadata = MetaData(schema=SCHEMA)
effects = Table(
    "effects",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("sync_id", Uuid, nullable=False),
)


# One statement with two array parameters for any number of rows (a multi-row VALUES has two per row).
INSERT_EFFECTS = text(
    f"INSERT INTO {SCHEMA}.effects (event_id, sync_id) "
    "SELECT unnest(CAST(:event_ids AS uuid[])), unnest(CAST(:sync_ids AS uuid[]))"
)


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ZAMC_EXAMPLE_", extra="ignore", populate_by_name=True)


async def record_effects(batch: BatchContext) -> None:
    for envelope in batch.envelopes:
        account = envelope.data.account_external_id
        if account == "fail-always":
            raise RuntimeError("the example handler always fails for this account")
        if account == "crash-always":
            os.kill(os.getpid(), signal.SIGKILL)
        if account == "permanent":
            raise PermanentError("this event can never be handled")
    await batch.session.execute(
        INSERT_EFFECTS,
        {
            "event_ids": [e.event_id for e in batch.envelopes],
            "sync_ids": [e.data.sync_id for e in batch.envelopes],
        },
    )


definition = ServiceDefinition(
    name="example",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=lambda runtime: {"zamc.metrics.observed.v1": Batched(record_effects)},
)
