"""The simulated clock: frozen at speed 0, `speed` simulated seconds per real second otherwise."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from zamc_sandbox.market.clock import SimulatedClock

pytestmark = pytest.mark.unit
START = datetime(2026, 3, 2, tzinfo=UTC)


class RealSeconds:
    """A real-time source the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1_000.0

    def __call__(self) -> float:
        return self.value


def test_a_running_clock_advances_speed_times_faster_than_real_time() -> None:
    real = RealSeconds()
    clock = SimulatedClock(START, speed=3600, real_time=real)  # one simulated hour per real second
    assert clock.now() == START
    real.value += 2.5
    assert clock.now() == START + timedelta(hours=2.5)
    real.value += 0.001
    assert clock.now() == START + timedelta(hours=2.5, seconds=3.6)


def test_stepping_and_changing_speed_keep_the_time_already_run() -> None:
    real = RealSeconds()
    clock = SimulatedClock(START, speed=60, real_time=real)
    real.value += 10
    assert clock.advance(timedelta(days=1)) == START + timedelta(days=1, minutes=10)
    clock.set_speed(0)  # frozen: real time passes, simulated time does not
    real.value += 100
    assert clock.now() == START + timedelta(days=1, minutes=10)
    clock.set_speed(7200)
    real.value += 0.5
    assert clock.now() == START + timedelta(days=1, hours=1, minutes=10)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_the_default_real_time_source_runs_the_clock_fast() -> None:
    """The monotonic clock itself, over a short bounded wait: at least speed × the time waited."""
    before = time.monotonic()
    clock = SimulatedClock(START, speed=3600)
    time.sleep(0.05)
    simulated = (clock.now() - START).total_seconds()
    real = time.monotonic() - before
    assert 0.05 * 3600 <= simulated <= real * 3600
    assert SimulatedClock(START).now() == START  # speed 0: frozen


def test_a_clock_needs_an_aware_start_and_a_speed_not_below_zero() -> None:
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2026, 3, 2))
    with pytest.raises(ValueError):
        SimulatedClock(START, speed=-1)
