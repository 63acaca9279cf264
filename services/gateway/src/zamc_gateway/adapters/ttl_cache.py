"""`TtlCache`: a short-lived, per-process memory of looked-up values, so that a burst of requests
for the same thing costs one database look-up per `ttl` instead of one per request.

The gateway remembers who a credential is (`app.state.principal_cache`): revocations made
through this process (logout, refresh-token reuse, API key revocation, member removal or role
change) clear it at once; those made through another replica take effect there within `ttl`
seconds (`ZAMC_GATEWAY_PRINCIPAL_CACHE_SECONDS`, 0 turns the cache off). `adapters.read_cache`
keeps one per organization for the dashboard's totals.

`get_or_load` looks a missing entry up once however many requests want it at the same moment:
when an entry expires under load, the requests that arrive meanwhile wait for that one look-up
instead of each querying the database. A look-up started before `clear()` is not remembered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class TtlCache:
    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 50_000):
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}
        self._generation = 0

    def get(self, key: Hashable) -> Any | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Hashable, value: Any, *, ttl: float | None = None) -> None:
        """Remember `value` for the cache's ttl, or for `ttl` seconds if that is shorter."""
        ttl = self.ttl if ttl is None else min(ttl, self.ttl)
        if ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            now = self.clock()
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[key] = (self.clock() + ttl, value)

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """The remembered value of `key`, else `await load()`: once for all concurrent callers, in a
        task of its own (a caller that gives up cancels neither the look-up nor the others)."""
        value = self.get(key)
        if value is not None:
            return value
        if self.ttl <= 0:
            return await load()
        task = self._loading.get(key)
        if task is None:
            task = self._loading[key] = asyncio.ensure_future(self._load(key, load, self._generation))
            task.add_done_callback(_retrieve)
        return await asyncio.shield(task)

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[Any]], generation: int) -> Any:
        try:
            value = await load()
            if generation == self._generation:  # not cleared meanwhile
                self.put(key, value)
            return value
        finally:
            if self._loading.get(key) is asyncio.current_task():
                del self._loading[key]

    def clear(self) -> None:
        self._entries.clear()
        self._loading.clear()
        self._generation += 1


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Mark a look-up's failure as seen even when every caller gave up waiting for it."""
    if not task.cancelled():
        task.exception()
