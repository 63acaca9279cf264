"""Observations as facts: the key, the restatement rule and the per-batch cleanup.

A fact is what a platform said about one ad (or ad group, or campaign) in one hour. Its key is
(platform, account, campaign, ad group, ad, hour start). Missing ad group / ad ids are stored as
"" so the key has no NULLs. A campaign's observations must all come at one level (all per ad,
or all per campaign): rollups add up every fact of the campaign.

Conversions arrive as floats (fractional under data-driven attribution); they are stored as
integer millionths ("conversion micros") so that sums, restatement deltas and rollups are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zamc_events.contracts.metrics import MetricObservation, MetricsObserved

CONVERSION_SCALE = 1_000_000


class InvalidObservationError(ValueError):
    """The batch can never be stored (an unknown time zone, an hour that is not an hour start)."""


def conversions_to_micros(conversions: float) -> int:
    return round(conversions * CONVERSION_SCALE)


def micros_to_conversions(conversion_micros: int) -> float:
    return conversion_micros / CONVERSION_SCALE


def supersedes(*, new_reported_at: datetime, stored_reported_at: datetime | None) -> bool:
    """The restatement rule: only a strictly later report replaces the stored one.

    An equal report time is a duplicate (a no-op, even if its numbers differ); an older one is
    a late arrival that never overwrites. The merge statement in adapters/facts.py applies the
    same rule in SQL (`excluded.reported_at > metric_fact.reported_at`).
    """
    return stored_reported_at is None or new_reported_at > stored_reported_at


class FactRecord(NamedTuple):
    """One observation ready to be staged (the platform and account are the batch's).

    A tuple in the staging table's column order, so it is its own COPY record.
    """

    campaign_id: str
    ad_group_id: str
    ad_id: str
    hour_start: datetime
    day_start: datetime  # UTC instant of the account-local midnight starting the hour's day
    impressions: int
    clicks: int
    cost_micros: int
    conversions_micros: int
    conversion_value_micros: int
    reported_at: datetime

    @property
    def key(self) -> tuple[str, str, str, datetime]:
        return (self.campaign_id, self.ad_group_id, self.ad_id, self.hour_start)

    @classmethod
    def from_observation(cls, observation: MetricObservation, *, day_start: datetime) -> FactRecord:
        return cls(
            observation.campaign_id,
            observation.ad_group_id or "",
            observation.ad_id or "",
            observation.hour_start.astimezone(UTC),
            day_start,
            observation.impressions,
            observation.clicks,
            observation.cost_micros,
            conversions_to_micros(observation.conversions),
            observation.conversion_value_micros,
            observation.reported_at.astimezone(UTC),
        )


STAGING_COLUMNS = FactRecord._fields


def latest_per_key(records: Iterable[FactRecord]) -> list[FactRecord]:
    """Within one batch, keep the report that `supersedes` the others for each key (first on ties)."""
    latest: dict[tuple[str, str, str, datetime], FactRecord] = {}
    for record in records:
        kept = latest.get(record.key)
        if kept is None or supersedes(
            new_reported_at=record.reported_at, stored_reported_at=kept.reported_at
        ):
            latest[record.key] = record
    return list(latest.values())


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidObservationError(f"unknown time zone {name!r}") from None


def local_day_start(hour_start: datetime, time_zone_name: str) -> datetime:
    """UTC instant of the local midnight that starts the account-local day holding `hour_start`."""
    local = hour_start.astimezone(time_zone(time_zone_name))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def facts_of(event: MetricsObserved) -> list[FactRecord]:
    """The batch's observations as fact records, one per key; raises InvalidObservationError."""
    time_zone(event.time_zone)
    days: dict[datetime, datetime] = {}
    records = []
    for observation in event.observations:
        hour = observation.hour_start
        if hour.second or hour.microsecond:
            raise InvalidObservationError(f"hour_start {hour} is not the start of an hour")
        day = days.get(hour)
        if day is None:
            day = days[hour] = local_day_start(hour, event.time_zone)
        records.append(FactRecord.from_observation(observation, day_start=day))
    return latest_per_key(records)
