"""Call-volume accounting behind x-business-use-case-usage / x-ad-account-usage and error 80004."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta

from zamc_sandbox.market.clock import SimulatedClock

WINDOW = timedelta(hours=1)


class UsageMeter:
    """Counts calls per ad account in the last simulated hour; 100 % means throttled."""

    def __init__(self, clock: SimulatedClock, *, calls_per_hour: int = 300) -> None:
        self.clock = clock
        self.calls_per_hour = calls_per_hour
        self._calls: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def record(self, account_id: str) -> int:
        """Records one call; returns the account's usage percentage after it."""
        now = self.clock.now()
        with self._lock:
            calls = self._calls[account_id]
            calls.append(now)
            while calls and calls[0] <= now - WINDOW:
                calls.popleft()
            return self._percent(len(calls))

    def percent(self, account_id: str) -> int:
        with self._lock:
            return self._percent(len(self._calls[account_id]))

    def _percent(self, count: int) -> int:
        return min(100, count * 100 // max(self.calls_per_hour, 1))

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def headers(self, account_id: str, business_id: str) -> dict[str, str]:
        pct = self.percent(account_id)
        regain = 0 if pct < 100 else int(WINDOW.total_seconds() // 60)
        business = {
            business_id: [
                {
                    "type": "ads_management",
                    "call_count": pct,
                    "total_cputime": pct // 2,
                    "total_time": pct // 2,
                    "estimated_time_to_regain_access": regain,
                    "ads_api_access_tier": "standard_access",
                }
            ]
        }
        account = {
            "acc_id_util_pct": pct,
            "reset_time_duration": regain * 60,
            "ads_api_access_tier": "standard_access",
        }
        return {
            "x-business-use-case-usage": json.dumps(business, separators=(",", ":")),
            "x-ad-account-usage": json.dumps(account, separators=(",", ":")),
        }
