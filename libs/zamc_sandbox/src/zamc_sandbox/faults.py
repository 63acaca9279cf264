"""Faults the sandboxes can be told to inject: quota/rate limits, internal errors, latency."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    # Google Ads (gRPC)
    GOOGLE_RESOURCE_EXHAUSTED = "google.resource_exhausted"
    GOOGLE_INTERNAL = "google.internal"
    GOOGLE_LATENCY = "google.latency"
    # Meta Graph API (HTTP)
    META_RATE_LIMIT_17 = "meta.rate_limit_17"  # user request limit reached
    META_RATE_LIMIT_613 = "meta.rate_limit_613"  # calls within one hour exceeded
    META_RATE_LIMIT_80004 = "meta.rate_limit_80004"  # too many calls to this ad account
    META_TRANSIENT = "meta.transient"  # code 2, is_transient
    META_INVALID_TARGETING = "meta.invalid_targeting"  # code 100/1487694: e.g. reject the next ad set
    META_LATENCY = "meta.latency"


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    remaining: int  # how many calls it still hits
    method: str | None = None  # only calls whose method/path contains this
    latency_seconds: float = 0.0


class FaultInjector:
    """A queue of armed faults; each matching call consumes one hit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self,
        kind: FaultKind | str,
        *,
        times: int = 1,
        method: str | None = None,
        latency_seconds: float = 0.0,
    ) -> Fault:
        fault = Fault(FaultKind(kind), times, method, latency_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def armed(self) -> list[Fault]:
        with self._lock:
            return [Fault(f.kind, f.remaining, f.method, f.latency_seconds) for f in self._faults]

    def take(self, platform: str, method: str) -> list[Fault]:
        """Consumes and returns the faults that hit this call (latency first, then at most one error)."""
        hits: list[Fault] = []
        with self._lock:
            error_taken = False
            for fault in self._faults:
                if not fault.kind.value.startswith(platform + ".") or fault.remaining <= 0:
                    continue
                if fault.method and fault.method not in method:
                    continue
                is_latency = fault.kind.value.endswith(".latency")
                if not is_latency and error_taken:
                    continue
                error_taken = error_taken or not is_latency
                fault.remaining -= 1
                hits.append(fault)
            self._faults = [f for f in self._faults if f.remaining > 0]
        return sorted(hits, key=lambda f: not f.kind.value.endswith(".latency"))
