"""The connection pool of the request path's reads.

A GET that only reads needs no transaction: each statement sees a consistent snapshot on its
own. The runtime's pool (`runtime.sessions`) opens one for every session and pings every
connection it lends (BEGIN, `;`, ROLLBACK), so a one-statement read costs five round trips to
PostgreSQL there. These sessions run in autocommit on a pool of their own without the ping: a
read costs its statements only. A connection that PostgreSQL dropped (a restart) fails the read
that meets it, and SQLAlchemy then discards every connection of the pool opened before it, so
the next reads connect afresh.

Reads use a Core connection (`ReadDatabase.connect()`), not an ORM session: the hot reads run
prebuilt Core statements and need neither an identity map nor unit-of-work bookkeeping, which cost
more than the statement itself. Service functions that only read accept either (`Reader`).

`read_database(runtime)` is created on first use; the `close_reads` background job closes it
when the service stops.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

Reader: TypeAlias = AsyncSession | AsyncConnection
"""What a read-only service function runs its statements on: a transaction's session or a read connection."""


class ReadDatabase:
    def __init__(self, database_url: str, *, pool_size: int, application_name: str) -> None:
        self.database_url = database_url
        self.pool_size = pool_size
        self.application_name = application_name
        self._engine: AsyncEngine | None = None
        self._turns = asyncio.Semaphore(pool_size)  # fair: no newcomer passes a waiting caller

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_async_engine(
                self.database_url,
                isolation_level="AUTOCOMMIT",
                pool_size=self.pool_size,
                max_overflow=0,
                pool_timeout=30,
                connect_args={"server_settings": {"application_name": self.application_name}},
            )
        return self._engine

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """`async with reads.connect() as connection:` each statement runs on its own (no transaction).

        Callers queue here, first come first served, for one of the pool's connections: the pool's
        own queue lets a newcomer take a connection just returned before the caller woken for it,
        which under load left some requests waiting for seconds while others went straight through.
        """
        async with self._turns, self.engine.connect() as connection:
            yield connection

    async def close(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()


_DATABASES: weakref.WeakKeyDictionary[Any, ReadDatabase] = weakref.WeakKeyDictionary()


def read_database(runtime: Any) -> ReadDatabase:
    """The runtime's read pool (created on first use)."""
    database = _DATABASES.get(runtime)
    if database is None:
        settings = runtime.settings
        database = _DATABASES[runtime] = ReadDatabase(
            settings.database_url.get_secret_value(),
            pool_size=getattr(settings, "read_pool_size", 10),
            application_name=f"zamc-{runtime.name}-reads",
        )
    return database


async def close_reads(runtime: Any) -> None:
    """Background job (`ServiceDefinition.background`): closes the read pool when the service stops."""
    try:
        await asyncio.Event().wait()
    finally:
        database = _DATABASES.pop(runtime, None)
        if database is not None:
            await database.close()
