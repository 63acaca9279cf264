"""Fixed-window rate limits shared by replicas: the arithmetic, without the bucket.

A limit is `limit` requests per `window_seconds` for one key (a principal or an IP). The
shared counter of a window lives in a key-value bucket; a replica claims a small lease of
requests from it at once (`lease_size`) and spends the lease locally, so the bucket sees one
compare-and-set per lease instead of one per request. The limit is never exceeded across
replicas; at most a lease per replica may go unspent when a window ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Window:
    index: int
    retry_after: int  # whole seconds until the next window opens (at least 1)


def window_at(now: float, window_seconds: int) -> Window:
    index = int(now // window_seconds)
    remaining = (index + 1) * window_seconds - now
    return Window(index=index, retry_after=max(1, math.ceil(remaining)))


def lease_size(limit: int, share: float) -> int:
    return max(1, int(limit * share))


def grant(*, used: int, limit: int, wanted: int) -> int:
    """How many requests may be claimed when `used` of `limit` are already claimed in the window."""
    return max(0, min(wanted, limit - used))
