"""Platform metrics as the connectors read them, and the rollups analytics-ingest derives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, Field

from zamc_events.contracts.base import Event
from zamc_events.contracts.common import CurrencyCode, Micros, Platform, Value


class MetricObservation(Value):
    """What a platform reported for one ad (or campaign) in one UTC hour, at `reported_at`.

    A later `reported_at` for the same key restates the hour; an older one never overwrites.
    """

    campaign_id: str
    ad_group_id: str | None = Field(default=None, description="Google ad group or Meta ad set")
    ad_id: str | None = None
    hour_start: AwareDatetime = Field(description="UTC start of the hour")
    impressions: int = Field(ge=0)
    clicks: int = Field(ge=0)
    cost_micros: Micros
    conversions: float = Field(ge=0)
    conversion_value_micros: Micros
    reported_at: AwareDatetime


class MetricsObserved(Event):
    """One batch of observations for one account (e.g. one sync page), handled atomically."""

    subject: ClassVar[str] = "zamc.metrics.observed.v1"
    platform: Platform
    account_external_id: str
    currency: CurrencyCode
    time_zone: str
    sync_id: uuid.UUID
    observations: list[MetricObservation]


class RollupRow(Value):
    platform: Platform
    account_external_id: str
    campaign_id: str
    period_start: AwareDatetime
    granularity: Literal["hour", "day"]
    currency: CurrencyCode
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    conversion_value_micros: int
    settled: bool


class RollupUpdated(Event):
    """Rollups that changed, coalesced per campaign: the gateway's read model and dashboard follow it."""

    subject: ClassVar[str] = "zamc.analytics.rollup_updated.v1"
    platform: Platform
    account_external_id: str
    campaign_id: str
    window_start: AwareDatetime
    window_end: AwareDatetime
    rows: list[RollupRow]
    observed_at: AwareDatetime | None = Field(default=None, description="newest reported_at folded in")


class AnomalyDetected(Event):
    subject: ClassVar[str] = "zamc.analytics.anomaly_detected.v1"
    platform: Platform
    account_external_id: str
    campaign_id: str
    kind: Literal["spend_spike", "delivery_stopped", "ctr_collapse"]
    hour_start: datetime
    evidence: dict[str, Any]
