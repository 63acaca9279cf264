"""Per-organization memory of expensive reads (the dashboard's totals), forgotten when the
organization's data changes.

A dashboard polls `/analytics/summary` every few seconds from every open browser tab while the
totals behind it change at most once per metric sync. Each replica therefore remembers a
computed answer for `ZAMC_GATEWAY_SUMMARY_CACHE_SECONDS` (default 1 s; 0 turns it off) and
forgets all of an organization's answers as soon as it hears of a change for it:

- in the replica that projected the change, when its transaction commits (before the live
  message is even published), so a client of that replica never reads older totals than the
  events it has seen;
- in every other replica when the live message arrives (`adapters.live`); live messages are
  at-most-once, so the ttl bounds how stale an answer can be if one is lost (twice the ttl: an
  expired answer is refreshed in the background while it is still served, see `TtlCache`).

Keys always start with the organization, and a value is computed only after the caller's access
to the organization was checked: nothing is shared across tenants.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from pydantic import TypeAdapter

from zamc_gateway.adapters.live import LiveChange, live_hub
from zamc_gateway.adapters.ttl_cache import TtlCache

_JSON_OBJECT = TypeAdapter(dict[str, Any])


class Answer:
    """A remembered answer, and its JSON rendered once (as FastAPI renders a `dict[str, Any]`)
    for the REST responses that return it as is."""

    __slots__ = ("value", "_json")

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value
        self._json: bytes | None = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = _JSON_OBJECT.dump_json(self.value)
        return self._json


class OrganizationReadCache:
    def __init__(self, ttl: float, *, max_organizations: int = 10_000) -> None:
        self.ttl = ttl
        self.max_organizations = max_organizations
        self._caches: dict[uuid.UUID, TtlCache] = {}

    async def get_or_load(
        self, organization_id: uuid.UUID, key: Hashable, load: Callable[[], Awaitable[Any]]
    ) -> Any:
        if self.ttl <= 0:
            return await load()
        cache = self._caches.get(organization_id)
        if cache is None:
            if len(self._caches) >= self.max_organizations:
                self._caches.clear()
            cache = TtlCache(self.ttl, max_entries=1_000, refresh_in_background=True)
            self._caches[organization_id] = cache
        return await cache.get_or_load(key, load)

    def forget(self, organization_id: uuid.UUID) -> None:
        """Drop what is remembered for the organization, including answers being computed now."""
        cache = self._caches.pop(organization_id, None)
        if cache is not None:
            cache.clear()

    def changed(self, change: LiveChange) -> None:
        self.forget(change.organization_id)


def read_cache(runtime: Any) -> OrganizationReadCache:
    """The process's cache (created on first use), told of every change by the live hub."""
    cache: OrganizationReadCache | None = getattr(runtime, "read_cache", None)
    if cache is None:
        cache = runtime.read_cache = OrganizationReadCache(runtime.settings.summary_cache_seconds)
        live_hub(runtime).watch(cache.changed)
    return cache
