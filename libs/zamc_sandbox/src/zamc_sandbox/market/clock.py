"""The simulated clock: stepped by tests, or running `speed` simulated seconds per real second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SimulatedClock:
    """UTC simulated time. `speed=0` freezes it between explicit `advance` calls.

    `real_time` is the real seconds source the speed applies to (monotonic; a test may pass its own).
    """

    def __init__(
        self, start: datetime, *, speed: float = 0.0, real_time: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._lock = threading.Lock()
        self._real_time = real_time
        self._anchor_simulated = start.astimezone(UTC)
        self._anchor_real = real_time()
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        elapsed = (self._real_time() - self._anchor_real) * self._speed
        return self._anchor_simulated + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the simulated clock never goes back")
        with self._lock:
            self._anchor_simulated = self._now_locked() + delta
            self._anchor_real = self._real_time()
            return self._anchor_simulated

    def reset(self, start: datetime) -> None:
        """Back to `start` (only for a full sandbox reset)."""
        with self._lock:
            self._anchor_simulated = start.astimezone(UTC)
            self._anchor_real = self._real_time()

    def set_speed(self, speed: float) -> None:
        """Simulated seconds per real second (0 = frozen, 3600 = one simulated hour per second)."""
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            self._anchor_simulated = self._now_locked()
            self._anchor_real = self._real_time()
            self._speed = speed
