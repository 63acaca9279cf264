"""Rate limits shared by gateway replicas through a JetStream key-value bucket.

Each (limit, identity, window) has one counter key in the bucket; replicas claim leases of
requests from it with compare-and-set (`domain.rate_limits`), so the limit holds across
replicas. If the bucket cannot be reached the gateway keeps answering, limiting locally.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import nats.js
import structlog
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from zamc_gateway.domain.rate_limits import Limit, grant, lease_size, window_at

log = structlog.get_logger("zamc.gateway.rate_limits")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int


@dataclass
class _Lease:
    window: int
    granted: int = 0
    used: int = 0
    exhausted: bool = False  # the bucket said the window is spent


class RateLimiter:
    def __init__(
        self,
        *,
        js: Callable[[], nats.js.JetStreamContext | None],
        bucket: str,
        share: float,
        ttl_seconds: float = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._js = js
        self.bucket = bucket
        self.share = share
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._kv: KeyValue | None = None
        self._kv_lock = asyncio.Lock()
        self._leases: dict[str, _Lease] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._names: dict[tuple[str, str], str] = {}

    def _name(self, limit: Limit, identity: str) -> str:
        """The counter's name (the identity hashed: IPs and user ids stay out of the bucket)."""
        name = self._names.get((limit.name, identity))
        if name is None:
            if len(self._names) > 10_000:
                self._names.clear()
            name = f"{limit.name}.{hashlib.sha256(identity.encode()).hexdigest()[:32]}"
            self._names[(limit.name, identity)] = name
        return name

    async def hit(self, limit: Limit, identity: str) -> Decision:
        window = window_at(self.clock(), limit.window_seconds)
        name = self._name(limit, identity)
        lease = self._leases.get(name)
        if lease is None or lease.window != window.index:
            lease = self._leases[name] = _Lease(window=window.index)
            self._forget_old(window.index, limit.window_seconds)
        if lease.used < lease.granted:
            lease.used += 1
            return Decision(True, 0)
        if lease.exhausted:
            return Decision(False, window.retry_after)
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if lease.used < lease.granted:
                lease.used += 1
                return Decision(True, 0)
            if lease.exhausted:
                return Decision(False, window.retry_after)
            granted = await self._claim(
                f"{name}.{window.index}", limit.limit, lease_size(limit.limit, self.share), lease
            )
            if granted == 0:
                lease.exhausted = True
                return Decision(False, window.retry_after)
            lease.granted += granted
            lease.used += 1
            return Decision(True, 0)

    async def _claim(self, key: str, limit: int, wanted: int, lease: _Lease) -> int:
        try:
            kv = await self._bucket()
        except Exception:
            log.warning("rate limit bucket unavailable; limiting locally", exc_info=True)
            return grant(used=lease.granted, limit=limit, wanted=wanted)
        for _ in range(20):
            try:
                try:
                    entry = await kv.get(key)
                except KeyNotFoundError:
                    granted = grant(used=0, limit=limit, wanted=wanted)
                    await kv.create(key, str(granted).encode())
                    return granted
                used = int(entry.value or b"0")
                granted = grant(used=used, limit=limit, wanted=wanted)
                if granted == 0:
                    return 0
                await kv.update(key, str(used + granted).encode(), last=entry.revision)
                return granted
            except KeyWrongLastSequenceError:
                continue  # another replica claimed at the same time: read again
            except Exception:
                log.warning("rate limit bucket unavailable; limiting locally", exc_info=True)
                self._kv = None
                return grant(used=lease.granted, limit=limit, wanted=wanted)
        return 0

    async def _bucket(self) -> KeyValue:
        if self._kv is not None:
            return self._kv
        async with self._kv_lock:
            if self._kv is None:
                js = self._js()
                if js is None:
                    raise RuntimeError("NATS is not connected yet")
                try:
                    self._kv = await js.key_value(self.bucket)
                except BucketNotFoundError:
                    self._kv = await js.create_key_value(
                        KeyValueConfig(
                            bucket=self.bucket,
                            history=1,
                            ttl=self.ttl_seconds,
                            storage=StorageType.MEMORY,
                            description="zamc gateway rate limit counters",
                        )
                    )
        return self._kv

    def _forget_old(self, current: int, window_seconds: int) -> None:
        if len(self._leases) > 10_000:
            self._leases = {k: v for k, v in self._leases.items() if v.window == current}
            self._locks = {k: v for k, v in self._locks.items() if k in self._leases}
