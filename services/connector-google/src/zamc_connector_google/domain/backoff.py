"""Exponential backoff with jitter for rate limits and transient errors."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry `attempt` (0-based): half of the exponential step fixed, half random."""
    step = min(cap, base * 2**attempt)
    return step / 2 + (rng or random).uniform(0, step / 2)
