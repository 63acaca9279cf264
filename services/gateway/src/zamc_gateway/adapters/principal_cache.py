"""A short-lived, per-process memory of who a credential is, so that a burst of requests with the
same token costs one database look-up per `ttl` instead of one per request.

Revocations made through this process (logout, refresh-token reuse, API key revocation, member
removal or role change) clear it at once; those made through another replica take effect there
within `ttl` seconds (`ZAMC_GATEWAY_PRINCIPAL_CACHE_SECONDS`, 0 turns the cache off).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any


class PrincipalCache:
    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 50_000):
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}

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

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            now = self.clock()
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[key] = (self.clock() + self.ttl, value)

    def clear(self) -> None:
        self._entries.clear()
