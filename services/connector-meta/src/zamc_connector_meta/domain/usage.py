"""Meta's usage headers and when to slow down.

`x-business-use-case-usage` ({business_id: [{type, call_count, total_cputime, total_time,
estimated_time_to_regain_access (minutes)}]}) and `x-ad-account-usage` ({acc_id_util_pct,
reset_time_duration (seconds)}) come back on every response. The busiest figure counts;
at or above the throttle threshold calls wait, and a regain time blocks calls until it passes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

BUSINESS_HEADER = "x-business-use-case-usage"
ACCOUNT_HEADER = "x-ad-account-usage"
APP_HEADER = "x-app-usage"


@dataclass(frozen=True, slots=True)
class UsageReading:
    percent: float = 0.0
    regain_seconds: float = 0.0

    @property
    def exhausted(self) -> bool:
        return self.percent >= 100 or self.regain_seconds > 0


def _json(value: str | None) -> object:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def read_usage(headers: Mapping[str, str]) -> UsageReading | None:
    """The usage a response reports, or None when it carries no usage header."""
    lowered = {k.lower(): v for k, v in headers.items()}
    percents: list[float] = []
    regain = 0.0
    business = _json(lowered.get(BUSINESS_HEADER))
    if isinstance(business, dict):
        for entries in business.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                percents += [_number(entry.get(k)) for k in ("call_count", "total_cputime", "total_time")]
                regain = max(regain, _number(entry.get("estimated_time_to_regain_access")) * 60)
    account = _json(lowered.get(ACCOUNT_HEADER))
    if isinstance(account, dict):
        percents.append(_number(account.get("acc_id_util_pct")))
        if _number(account.get("acc_id_util_pct")) >= 100:
            regain = max(regain, _number(account.get("reset_time_duration")))
    app = _json(lowered.get(APP_HEADER))
    if isinstance(app, dict):
        percents += [_number(app.get(k)) for k in ("call_count", "total_cputime", "total_time")]
    if not percents and business is None and account is None:
        return None
    return UsageReading(percent=max(percents, default=0.0), regain_seconds=regain)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    throttle_at_percent: float = 90.0
    base_wait_seconds: float = 2.0
    max_wait_seconds: float = 120.0

    def wait(self, reading: UsageReading | None, *, read_at: datetime, now: datetime) -> float:
        """Seconds to wait before the next call to the account this reading is about."""
        if reading is None:
            return 0.0
        if reading.regain_seconds > 0:
            return max((read_at + timedelta(seconds=reading.regain_seconds) - now).total_seconds(), 0.0)
        if reading.percent < self.throttle_at_percent:
            return 0.0
        # the closer to 100 %, the longer: base … 5 × base between threshold and 100 %
        span = max(100.0 - self.throttle_at_percent, 1.0)
        factor = 1 + 4 * min((reading.percent - self.throttle_at_percent) / span, 1.0)
        return min(self.base_wait_seconds * factor, self.max_wait_seconds)
