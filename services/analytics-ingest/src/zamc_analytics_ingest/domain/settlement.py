"""Provisional or settled: may the platform still restate this hour?

Google Ads keeps attributing conversions to a click's hour for its conversion window (default
30 days, ZAMC's setting 14); Meta restates inside its attribution window (up to 28 days). An
hour is *settled* once the wall clock (`now`) is past the end of the hour plus its platform's
window, and *provisional* until then. We judge by the clock, not by the newest `reported_at`:
an hour the connector stops re-reading must still settle, and the wall clock is what a marketer
means by "this figure can still change".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta


def settles_at(*, platform: str, period_end: datetime, windows_days: Mapping[str, float]) -> datetime:
    return period_end + timedelta(days=windows_days[platform])


def is_settled(
    *, platform: str, period_end: datetime, now: datetime, windows_days: Mapping[str, float]
) -> bool:
    return now >= settles_at(platform=platform, period_end=period_end, windows_days=windows_days)
