"""Additive totals, the rollup levels and a straightforward reference recomputation.

Rollups are kept per hour and per day for three levels:

- `ad`       (platform, account, campaign, ad group, ad) — per day; its hours are the facts themselves
- `campaign` (platform, account, campaign)                — per hour and per day
- `account`  (platform, account)                          — per hour and per day

A day is the account's local calendar day (the platforms bill and report in the account's time
zone); its `period_start` is the UTC instant of local midnight. Amounts stay in the account's
currency; sums across accounts convert with `money.ExchangeRates`.

The service maintains rollups incrementally (restatement deltas, adapters/facts.py);
`recompute_rollups` is the plain definition they must always equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, NamedTuple

from zamc_analytics_ingest.domain.derived import DerivedMetrics, derive
from zamc_analytics_ingest.domain.observations import local_day_start, micros_to_conversions, time_zone

Level = Literal["ad", "campaign", "account"]
Granularity = Literal["hour", "day"]
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Totals:
    impressions: int = 0
    clicks: int = 0
    cost_micros: int = 0
    conversions_micros: int = 0
    conversion_value_micros: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.cost_micros + other.cost_micros,
            self.conversions_micros + other.conversions_micros,
            self.conversion_value_micros + other.conversion_value_micros,
        )

    def __sub__(self, other: Totals) -> Totals:
        return Totals(
            self.impressions - other.impressions,
            self.clicks - other.clicks,
            self.cost_micros - other.cost_micros,
            self.conversions_micros - other.conversions_micros,
            self.conversion_value_micros - other.conversion_value_micros,
        )

    @property
    def conversions(self) -> float:
        return micros_to_conversions(self.conversions_micros)

    def derived(self) -> DerivedMetrics:
        return derive(
            impressions=self.impressions,
            clicks=self.clicks,
            cost_micros=self.cost_micros,
            conversions=self.conversions,
            conversion_value_micros=self.conversion_value_micros,
        )


def local_day_end(day_start: datetime, time_zone_name: str) -> datetime:
    zone = time_zone(time_zone_name)
    local = day_start.astimezone(zone)
    following = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=zone)
    return following.astimezone(UTC)


class RollupKey(NamedTuple):
    level: Level
    granularity: Granularity
    platform: str
    account_external_id: str
    campaign_id: str
    ad_group_id: str
    ad_id: str
    period_start: datetime


class Fact(NamedTuple):
    platform: str
    account_external_id: str
    time_zone: str
    campaign_id: str
    ad_group_id: str
    ad_id: str
    hour_start: datetime
    totals: Totals


def rollup_keys(fact: Fact) -> list[RollupKey]:
    """Every rollup row a fact adds to."""
    p, a, c = fact.platform, fact.account_external_id, fact.campaign_id
    day = local_day_start(fact.hour_start, fact.time_zone)
    return [
        RollupKey("ad", "day", p, a, c, fact.ad_group_id, fact.ad_id, day),
        RollupKey("campaign", "hour", p, a, c, "", "", fact.hour_start),
        RollupKey("campaign", "day", p, a, c, "", "", day),
        RollupKey("account", "hour", p, a, "", "", "", fact.hour_start),
        RollupKey("account", "day", p, a, "", "", "", day),
    ]


def recompute_rollups(facts: Iterable[Fact]) -> dict[RollupKey, Totals]:
    rollups: dict[RollupKey, Totals] = defaultdict(Totals)
    for fact in facts:
        for key in rollup_keys(fact):
            rollups[key] = rollups[key] + fact.totals
    return dict(rollups)
