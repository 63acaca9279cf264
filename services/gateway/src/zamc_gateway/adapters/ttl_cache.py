"""`TtlCache`: a short-lived, per-process memory of looked-up values, so that a burst of requests
for the same thing costs one database look-up per `ttl` instead of one per request.

The gateway remembers who a credential is (`app.state.principal_cache`): revocations made
through this process (logout, refresh-token reuse, API key revocation, member removal or role
change) clear it at once; those made through another replica take effect there within twice
`ttl` seconds (`ZAMC_GATEWAY_PRINCIPAL_CACHE_SECONDS`, 0 turns the cache off; see below). `adapters.read_cache`
keeps one per organization for the dashboard's totals.

`get_or_load` looks a missing entry up once however many requests want it at the same moment,
and a `refresh_in_background` cache looks an expired entry up again while it goes on answering
with the expired value (for at most one more `ttl`). Under load every await of a look-up waits
for a whole turn of a busy event loop (tens of milliseconds with 200 requests in flight): had
every request of a principal or a project waited for the one look-up each time its entry
expired, those requests would have stalled for a few hundred milliseconds every `ttl` seconds.
A look-up started before `clear()` is not remembered; cleared entries are never served.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class TtlCache:
    def __init__(
        self,
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 50_000,
        refresh_in_background: bool = False,
    ):
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self.refresh_in_background = refresh_in_background
        self._entries: dict[Hashable, tuple[float, float, Any]] = {}  # expires, stale until, value
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}
        self._generation = 0

    def get(self, key: Hashable) -> Any | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, stale_until, value = entry
        now = self.clock()
        if expires <= now:
            if stale_until <= now:
                self._entries.pop(key, None)
            return None
        return value

    def put(self, key: Hashable, value: Any, *, ttl: float | None = None) -> None:
        """Remember `value` for the cache's ttl, or for `ttl` seconds if that is shorter (then
        never past those seconds, even while it is refreshed)."""
        if ttl is None:
            ttl, grace = self.ttl, self.ttl if self.refresh_in_background else 0.0
        else:
            ttl, grace = min(ttl, self.ttl), 0.0
        if ttl <= 0:
            return
        now = self.clock()
        if len(self._entries) >= self.max_entries:
            self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[key] = (now + ttl, now + ttl + grace, value)

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """The remembered value of `key`, else `await load()`: once for all concurrent callers, in a
        task of its own (a caller that gives up cancels neither the look-up nor the others).
        An expired value still within its grace is answered while it is looked up again."""
        if self.ttl <= 0:
            return await load()
        entry = self._entries.get(key)
        if entry is not None:
            expires, stale_until, value = entry
            now = self.clock()
            if now < expires:
                return value
            if now < stale_until:
                self._loader(key, load)
                return value
        return await asyncio.shield(self._loader(key, load))

    def _loader(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> asyncio.Future[Any]:
        task = self._loading.get(key)
        if task is None:
            task = self._loading[key] = asyncio.ensure_future(self._load(key, load, self._generation))
            task.add_done_callback(_retrieve)
        return task

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
