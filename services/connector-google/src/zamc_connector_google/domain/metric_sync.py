"""Metric sync: the lookback window, hourly rows → observations, and publishing only what changed.

Google reports by account-local `segments.date` and `segments.hour`; observations carry the UTC
start of the hour. Every sync re-reads the conversion window (late conversions restate old hours);
a fingerprint per object-hour remembers what was published, so only changed object-hours go out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from zamc_events.contracts.metrics import MetricObservation

METRICS_QUERY = (
    "SELECT campaign.id, ad_group.id, ad_group_ad.ad.id, segments.date, segments.hour, "
    "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, "
    "metrics.conversions_value FROM ad_group_ad "
    "WHERE segments.date BETWEEN '{start}' AND '{end}'"
)


@dataclass(frozen=True, slots=True)
class MetricRow:
    campaign_id: str
    ad_group_id: str
    ad_id: str
    day: date  # account-local
    hour: int  # account-local, 0..23
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    conversions_value: float  # currency units, as Google reports it


def sync_window(*, now: datetime, time_zone: str, lookback_days: int) -> tuple[date, date]:
    """Account-local dates from `lookback_days` ago to today, both included."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    return today - timedelta(days=lookback_days), today


def metrics_query(*, start: date, end: date) -> str:
    return METRICS_QUERY.format(start=start.isoformat(), end=end.isoformat())


def hour_start_utc(day: date, hour: int, time_zone: str) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(time_zone)).astimezone(UTC)


def observation_key(observation: MetricObservation) -> str:
    return f"{observation.campaign_id}:{observation.ad_group_id}:{observation.ad_id}:{observation.hour_start.isoformat()}"


def fingerprint(observation: MetricObservation) -> str:
    values = (
        observation.impressions,
        observation.clicks,
        observation.cost_micros,
        round(observation.conversions, 6),
        observation.conversion_value_micros,
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


def to_observations(
    rows: Iterable[MetricRow], *, time_zone: str, reported_at: datetime
) -> list[MetricObservation]:
    """One observation per ad and UTC hour (rows of the same hour, e.g. a DST repeat, are summed)."""
    summed: dict[tuple[str, str, str, datetime], list[float]] = {}
    for row in rows:
        key = (row.campaign_id, row.ad_group_id, row.ad_id, hour_start_utc(row.day, row.hour, time_zone))
        values = summed.setdefault(key, [0, 0, 0, 0.0, 0])
        values[0] += row.impressions
        values[1] += row.clicks
        values[2] += row.cost_micros
        values[3] += row.conversions
        values[4] += round(row.conversions_value * 1_000_000)
    return [
        MetricObservation(
            campaign_id=campaign_id,
            ad_group_id=ad_group_id,
            ad_id=ad_id,
            hour_start=hour,
            impressions=int(v[0]),
            clicks=int(v[1]),
            cost_micros=int(v[2]),
            conversions=max(float(v[3]), 0.0),
            conversion_value_micros=max(int(v[4]), 0),
            reported_at=reported_at,
        )
        for (campaign_id, ad_group_id, ad_id, hour), v in sorted(summed.items(), key=lambda kv: kv[0][3])
    ]


@dataclass(frozen=True, slots=True)
class Changes:
    observations: list[MetricObservation]
    fingerprints: dict[str, str]  # key -> new fingerprint, for the changed ones


def changed(observations: Sequence[MetricObservation], previous: Mapping[str, str]) -> Changes:
    """The observations whose values differ from what was last published (new ones included)."""
    out: list[MetricObservation] = []
    prints: dict[str, str] = {}
    for observation in observations:
        key, value = observation_key(observation), fingerprint(observation)
        if previous.get(key) != value:
            out.append(observation)
            prints[key] = value
    return Changes(out, prints)


def batches(items: Sequence[MetricObservation], size: int) -> Iterator[list[MetricObservation]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
