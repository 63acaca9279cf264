"""What the market knows about each advertiser object: delivery settings and hidden true parameters."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zamc_sandbox.market.profiles import Platform

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TrueParameters:
    """Hidden from every API; read them only through the ground-truth API."""

    cpm_micros: int
    ctr: float
    conversion_rate: float
    value_per_conversion_micros: int
    max_daily_impressions: int
    hill_exponent: float


@dataclass(slots=True)
class MarketCampaign:
    campaign_id: str
    platform: Platform
    account_id: str
    currency: str
    time_zone: ZoneInfo
    parameters: TrueParameters
    active: bool = True
    daily_budget_micros: int | None = None  # None: budgets live on the ad groups / ad sets
    start: datetime | None = None
    end: datetime | None = None
    ad_group_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MarketAdGroup:
    """A Google ad group or a Meta ad set."""

    ad_group_id: str
    campaign_id: str
    audience_quality: float  # multiplies the conversion rate
    active: bool = True
    daily_budget_micros: int | None = None
    max_cpc_micros: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    ad_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MarketAd:
    ad_id: str
    ad_group_id: str
    creative_quality: float  # multiplies the CTR
    active: bool = True


@dataclass(frozen=True, slots=True)
class Totals:
    impressions: int = 0
    clicks: int = 0
    cost_micros: int = 0
    conversions: int = 0
    conversions_value_micros: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.cost_micros + other.cost_micros,
            self.conversions + other.conversions,
            self.conversions_value_micros + other.conversions_value_micros,
        )

    @property
    def roas(self) -> float:
        return self.conversions_value_micros / self.cost_micros if self.cost_micros else 0.0

    def is_empty(self) -> bool:
        return self == Totals()


@dataclass(frozen=True, slots=True)
class HourDelivery:
    """One ad's delivery in one UTC hour. Conversions carry their lag after the click hour ends."""

    hour: datetime
    impressions: int
    clicks: int
    cost_micros: int
    conversion_lags_hours: tuple[int, ...]  # sorted; only conversions inside the attribution window
    cumulative_values_micros: tuple[int, ...]

    def settled(self) -> Totals:
        value = self.cumulative_values_micros[-1] if self.cumulative_values_micros else 0
        return Totals(self.impressions, self.clicks, self.cost_micros, len(self.conversion_lags_hours), value)

    def as_of(self, moment: datetime) -> Totals:
        hours_after = (moment - self.hour - HOUR) // HOUR
        if hours_after < 0:
            return Totals()
        known = bisect.bisect_right(self.conversion_lags_hours, hours_after)
        value = self.cumulative_values_micros[known - 1] if known else 0
        return Totals(self.impressions, self.clicks, self.cost_micros, known, value)
