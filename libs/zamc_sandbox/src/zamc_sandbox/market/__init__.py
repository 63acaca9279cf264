"""Deterministic market simulator: hidden truth, hourly delivery, lagged conversions, ground truth.

Run it in-process (no servers needed)::

    from zamc_sandbox.market import Market, build_portfolio
    market = Market(seed=7)
    campaigns = build_portfolio(market, campaigns_per_platform=5)
    for day in range(30):
        market.set_daily_budget(campaigns[0].campaign_id, 80_000_000)
        market.step(days=1)
    curve = market.response_curve(campaigns[0].campaign_id)   # true expected daily response
    truth = market.truth(campaigns[0].campaign_id, start, end)  # settled Totals (micros)
"""

from zamc_sandbox.market.clock import SimulatedClock
from zamc_sandbox.market.curves import ResponseCurve
from zamc_sandbox.market.objects import Totals, TrueParameters
from zamc_sandbox.market.portfolio import build_portfolio
from zamc_sandbox.market.profiles import PROFILES, Platform, PlatformProfile
from zamc_sandbox.market.simulator import DEFAULT_START, Market

__all__ = [
    "DEFAULT_START",
    "PROFILES",
    "Market",
    "Platform",
    "PlatformProfile",
    "ResponseCurve",
    "SimulatedClock",
    "Totals",
    "TrueParameters",
    "build_portfolio",
]
