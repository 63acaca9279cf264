"""Insights rows (ad level, one day, one hour of the account's day) → metric observations."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from zamc_connector_meta.domain.money import amount_to_micros
from zamc_events.contracts.metrics import MetricObservation

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
INSIGHT_FIELDS = (
    "campaign_id",
    "adset_id",
    "ad_id",
    "impressions",
    "clicks",
    "spend",
    "actions",
    "action_values",
    "date_start",
    "date_stop",
)


def hour_start(row: Mapping[str, Any], time_zone: str) -> datetime:
    """UTC start of the row's hour: `date_start` plus the hourly bucket, in the account's zone."""
    day = date.fromisoformat(str(row["date_start"]))
    bucket = str(row.get(HOURLY_BREAKDOWN) or "00:00:00")
    hour = int(bucket.split(":", 1)[0])
    return datetime.combine(day, time(hour), ZoneInfo(time_zone)).astimezone(UTC)


def _action_value(actions: Any, action_types: Sequence[str]) -> str | None:
    """The first of `action_types` (in priority order) the row reports; never a sum of aliases."""
    if not isinstance(actions, list):
        return None
    by_type = {a.get("action_type"): a.get("value") for a in actions if isinstance(a, dict)}
    for action_type in action_types:
        if action_type in by_type:
            return by_type[action_type]
    return None


def observation(
    row: Mapping[str, Any], *, time_zone: str, action_types: Sequence[str], reported_at: datetime
) -> MetricObservation:
    conversions = _action_value(row.get("actions"), action_types)
    value = _action_value(row.get("action_values"), action_types)
    return MetricObservation(
        campaign_id=str(row["campaign_id"]),
        ad_group_id=str(row["adset_id"]) if row.get("adset_id") else None,
        ad_id=str(row["ad_id"]) if row.get("ad_id") else None,
        hour_start=hour_start(row, time_zone),
        impressions=int(row.get("impressions") or 0),
        clicks=int(row.get("clicks") or 0),
        cost_micros=amount_to_micros(row.get("spend")),
        conversions=max(float(conversions or 0), 0.0),
        conversion_value_micros=amount_to_micros(value),
        reported_at=reported_at,
    )


def observation_key(obs: MetricObservation) -> tuple[str, datetime]:
    return (obs.ad_id or obs.ad_group_id or obs.campaign_id, obs.hour_start)


def digest(obs: MetricObservation) -> str:
    """What a restatement changes: the reported figures (not when they were read)."""
    figures = [
        obs.campaign_id,
        obs.ad_group_id,
        obs.ad_id,
        obs.impressions,
        obs.clicks,
        obs.cost_micros,
        round(obs.conversions, 6),
        obs.conversion_value_micros,
    ]
    return hashlib.sha256(json.dumps(figures).encode()).hexdigest()[:32]


def changed(
    observations: Sequence[MetricObservation], known: Mapping[tuple[str, datetime], str]
) -> list[MetricObservation]:
    """Observations whose figures differ from the digest recorded at the last sync."""
    out: list[MetricObservation] = []
    seen: set[tuple[str, datetime]] = set()
    for obs in observations:
        key = observation_key(obs)
        if key in seen:
            continue
        seen.add(key)
        if known.get(key) != digest(obs):
            out.append(obs)
    return out
