"""Analytics in the marketer's terms: totals, derived metrics, time series and CSV.

Pure functions over rollup rows (one row per platform campaign per hour or day, as
analytics-ingest publishes them in `zamc.analytics.rollup_updated.v1`). Money stays integer
micros beside its ISO currency; amounts in different currencies are never added together.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from zamc_gateway.domain.errors import invalid

Granularity = Literal["hour", "day"]
GRANULARITIES: tuple[Granularity, ...] = ("hour", "day")
MAX_POINTS = 24 * 93  # one quarter of hours: the longest range a time series answers


@dataclass(frozen=True)
class RollupPoint:
    """One rollup row as the read model stores it (what the domain needs of it)."""

    platform: str
    campaign_id: str
    period_start: datetime
    granularity: Granularity
    currency: str
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    conversion_value_micros: int
    settled: bool


@dataclass(frozen=True)
class DerivedMetrics:
    ctr: float | None
    cpc_micros: int | None
    cpa_micros: int | None
    roas: float | None


def derived_metrics(
    *, impressions: int, clicks: int, cost_micros: int, conversions: float, conversion_value_micros: int
) -> DerivedMetrics:
    """The one place CTR, CPC, CPA and ROAS are computed; `None` where the denominator is zero.

    ctr = clicks / impressions; cpc = spend / clicks; cpa = spend / conversions;
    roas = conversion value / spend.
    """
    return DerivedMetrics(
        ctr=round(clicks / impressions, 6) if impressions else None,
        cpc_micros=round(cost_micros / clicks) if clicks else None,
        cpa_micros=round(cost_micros / conversions) if conversions > 0 else None,
        roas=round(conversion_value_micros / cost_micros, 6) if cost_micros else None,
    )


@dataclass
class Totals:
    currency: str
    impressions: int = 0
    clicks: int = 0
    cost_micros: int = 0
    conversions: float = 0.0
    conversion_value_micros: int = 0

    def add(self, point: RollupPoint) -> None:
        self.impressions += point.impressions
        self.clicks += point.clicks
        self.cost_micros += point.cost_micros
        self.conversions += point.conversions
        self.conversion_value_micros += point.conversion_value_micros

    def as_dict(self) -> dict[str, object]:
        derived = derived_metrics(
            impressions=self.impressions,
            clicks=self.clicks,
            cost_micros=self.cost_micros,
            conversions=self.conversions,
            conversion_value_micros=self.conversion_value_micros,
        )
        return {
            "currency": self.currency,
            "impressions": self.impressions,
            "clicks": self.clicks,
            "spend_micros": self.cost_micros,
            "conversions": round(self.conversions, 6),
            "conversion_value_micros": self.conversion_value_micros,
            "ctr": derived.ctr,
            "cpc_micros": derived.cpc_micros,
            "cpa_micros": derived.cpa_micros,
            "roas": derived.roas,
        }


@dataclass
class Summary:
    platforms: list[dict[str, object]] = field(default_factory=list)
    overall_by_currency: list[dict[str, object]] = field(default_factory=list)
    settled: bool = True

    @property
    def overall(self) -> dict[str, object] | None:
        """Totals over every platform, or None when they are in several currencies."""
        return self.overall_by_currency[0] if len(self.overall_by_currency) == 1 else None

    def as_dict(self) -> dict[str, object]:
        return {
            "platforms": self.platforms,
            "overall": self.overall,
            "overall_by_currency": self.overall_by_currency,
            "settled": self.settled,
        }


def summarize(points: Iterable[RollupPoint]) -> Summary:
    """Totals per (platform, currency) and overall per currency, with derived metrics.

    `settled` is true only when every row folded in is settled (the platform will not restate it).
    """
    per_platform: dict[tuple[str, str], Totals] = {}
    per_currency: dict[str, Totals] = {}
    settled = True
    for point in points:
        per_platform.setdefault((point.platform, point.currency), Totals(point.currency)).add(point)
        per_currency.setdefault(point.currency, Totals(point.currency)).add(point)
        settled = settled and point.settled
    return Summary(
        platforms=[
            {"platform": platform, **totals.as_dict()}
            for (platform, _), totals in sorted(per_platform.items())
        ],
        overall_by_currency=[totals.as_dict() for _, totals in sorted(per_currency.items())],
        settled=settled,
    )


def check_range(
    *, start: datetime, end: datetime, granularity: Granularity | None = None
) -> tuple[datetime, datetime]:
    """Normalise a half-open [start, end) range to UTC and refuse empty or oversized ones."""
    start, end = as_utc(start), as_utc(end)
    if start >= end:
        raise invalid("/from", "`from` must be before `to`")
    if granularity is not None:
        if (end - start) / period_length(granularity) > MAX_POINTS:
            raise invalid("/to", f"at most {MAX_POINTS} {granularity}s per series")
    return start, end


def period_length(granularity: Granularity) -> timedelta:
    return timedelta(hours=1) if granularity == "hour" else timedelta(days=1)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole UTC days inside [start, end), as [first midnight, last midnight): a summary reads
    them from the per-day sums and only [start, first) and [last, end) hour by hour. Without a
    whole day inside, both are `end` (every hour comes from the hourly rows)."""
    start, end = as_utc(start), as_utc(end)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = midnight if midnight == start else midnight + timedelta(days=1)
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if first >= last:
        return end, end
    return first, last


def utc_day(moment: datetime) -> datetime:
    """00:00 UTC of the day `moment` falls in."""
    return as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def default_range(*, now: datetime, days: int = 30) -> tuple[datetime, datetime]:
    """The last `days` whole days up to the end of the current hour."""
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return end - timedelta(days=days), end


def timeseries(points: Iterable[RollupPoint], *, granularity: Granularity) -> list[dict[str, object]]:
    """One point per (period, currency), oldest first, marked `provisional` unless every row is settled."""
    buckets: dict[tuple[datetime, str], Totals] = {}
    settled: dict[tuple[datetime, str], bool] = {}
    for point in points:
        if point.granularity != granularity:
            continue
        key = (point.period_start, point.currency)
        buckets.setdefault(key, Totals(point.currency)).add(point)
        settled[key] = settled.get(key, True) and point.settled
    return [
        {
            "period_start": period.isoformat(),
            "settled": settled[(period, currency)],
            "provisional": not settled[(period, currency)],
            **totals.as_dict(),
        }
        for (period, currency), totals in sorted(buckets.items())
    ]


CSV_COLUMNS: Sequence[str] = (
    "period_start",
    "granularity",
    "platform",
    "campaign_id",
    "currency",
    "impressions",
    "clicks",
    "spend_micros",
    "conversions",
    "conversion_value_micros",
    "ctr",
    "cpc_micros",
    "cpa_micros",
    "roas",
    "settled",
)


def export_rows(points: Iterable[RollupPoint], *, granularity: Granularity) -> list[dict[str, object]]:
    """One row per platform campaign and period (not merged), oldest first, with derived metrics."""
    rows = []
    for point in sorted(points, key=lambda p: (p.period_start, p.platform, p.campaign_id)):
        if point.granularity != granularity:
            continue
        totals = Totals(point.currency)
        totals.add(point)
        rows.append(
            {
                "period_start": point.period_start.isoformat(),
                "granularity": point.granularity,
                "platform": point.platform,
                "campaign_id": point.campaign_id,
                "settled": point.settled,
                **totals.as_dict(),
            }
        )
    return rows


def to_csv(rows: Iterable[dict[str, object]]) -> str:
    """Rows as CSV (RFC 4180, header first); empty derived metrics are empty cells."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(CSV_COLUMNS), extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in CSV_COLUMNS})
    return buffer.getvalue()
