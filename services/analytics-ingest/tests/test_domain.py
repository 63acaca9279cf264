"""Unit tests of the pure rules: restatement, derived metrics, money, settlement, days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from zamc_analytics_ingest.domain.derived import derive
from zamc_analytics_ingest.domain.money import ExchangeRates, MissingExchangeRateError
from zamc_analytics_ingest.domain.observations import (
    FactRecord,
    InvalidObservationError,
    conversions_to_micros,
    facts_of,
    latest_per_key,
    supersedes,
)
from zamc_analytics_ingest.domain.settlement import is_settled, settles_at
from zamc_analytics_ingest.domain.totals import (
    Fact,
    Totals,
    local_day_end,
    local_day_start,
    recompute_rollups,
)
from zamc_events.contracts.metrics import MetricObservation, MetricsObserved

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
H = timedelta(hours=1)


def _record(reported_at: datetime, clicks: int = 1, hour: datetime = T0, ad: str = "a") -> FactRecord:
    return FactRecord("c", "g", ad, hour, hour, 10, clicks, 100, 0, 0, reported_at)


class TestRestatementRule:
    def test_only_a_strictly_later_report_supersedes(self):
        assert supersedes(new_reported_at=T0, stored_reported_at=None)
        assert supersedes(new_reported_at=T0 + H, stored_reported_at=T0)
        assert not supersedes(new_reported_at=T0, stored_reported_at=T0)
        assert not supersedes(new_reported_at=T0 - H, stored_reported_at=T0)

    def test_latest_per_key_keeps_the_latest_report_and_the_first_of_equal_ones(self):
        kept = latest_per_key(
            [
                _record(T0, clicks=1),
                _record(T0 + 2 * H, clicks=3),
                _record(T0 + H, clicks=2),
                _record(T0 + 2 * H, clicks=4),
                _record(T0, clicks=9, ad="other"),
            ]
        )
        assert sorted((r.ad_id, r.clicks) for r in kept) == [("a", 3), ("other", 9)]

    def test_missing_ids_become_empty_strings_and_conversions_become_integer_micros(self):
        observation = MetricObservation(
            campaign_id="c",
            hour_start=datetime(2026, 3, 10, 13, tzinfo=UTC),
            impressions=1,
            clicks=0,
            cost_micros=0,
            conversions=2.333333,
            conversion_value_micros=0,
            reported_at=T0,
        )
        record = FactRecord.from_observation(observation, day_start=T0)
        assert (record.ad_group_id, record.ad_id) == ("", "")
        assert record.conversions_micros == 2_333_333
        assert conversions_to_micros(0.1) + conversions_to_micros(0.2) == conversions_to_micros(0.3)

    def test_a_batch_with_an_unknown_time_zone_or_a_misaligned_hour_is_invalid(self):
        def event(tz: str, hour: datetime) -> MetricsObserved:
            return MetricsObserved(
                platform="meta",
                account_external_id="act_1",
                currency="EUR",
                time_zone=tz,
                sync_id="00000000-0000-0000-0000-000000000001",
                observations=[
                    MetricObservation(
                        campaign_id="c",
                        hour_start=hour,
                        impressions=1,
                        clicks=0,
                        cost_micros=0,
                        conversions=0,
                        conversion_value_micros=0,
                        reported_at=T0,
                    )
                ],
            )

        assert len(facts_of(event("Europe/Berlin", T0))) == 1
        with pytest.raises(InvalidObservationError, match="time zone"):
            facts_of(event("Mars/Olympus", T0))
        with pytest.raises(InvalidObservationError, match="start of an hour"):
            facts_of(event("UTC", T0 + timedelta(seconds=30)))


class TestDerivedMetrics:
    def test_ratios(self):
        d = derive(
            impressions=20_000,
            clicks=400,
            cost_micros=100_000_000,
            conversions=8,
            conversion_value_micros=350_000_000,
        )
        assert d.ctr == pytest.approx(0.02)
        assert d.cpc_micros == 250_000
        assert d.cpm_micros == 5_000_000
        assert d.cpa_micros == 12_500_000
        assert d.roas == pytest.approx(3.5)

    def test_undefined_ratios_are_none_not_zero(self):
        d = derive(impressions=0, clicks=0, cost_micros=0, conversions=0, conversion_value_micros=0)
        assert (d.ctr, d.cpc_micros, d.cpm_micros, d.cpa_micros, d.roas) == (None, None, None, None, None)
        free = derive(impressions=10, clicks=1, cost_micros=0, conversions=0.5, conversion_value_micros=9)
        assert (free.cpc_micros, free.cpa_micros, free.roas) == (0, 0, None)

    def test_fractional_conversions_and_rounding_of_micros(self):
        d = derive(impressions=3, clicks=3, cost_micros=10, conversions=0.5, conversion_value_micros=5)
        assert d.cpc_micros == 3  # 3.33 rounds to 3
        assert d.cpa_micros == 20
        assert d.cpm_micros == 3333

    def test_totals_derive_with_conversions_from_micros(self):
        totals = Totals(impressions=100, clicks=10, cost_micros=1_000_000, conversions_micros=2_500_000)
        assert totals.derived().cpa_micros == 400_000
        assert totals.conversions == 2.5


class TestMoney:
    rates = ExchangeRates("EUR", {"USD": Decimal("0.9"), "GBP": Decimal("1.2")})

    def test_to_reporting_currency_and_between_others(self):
        assert self.rates.convert(1_000_000, "USD") == 900_000
        assert self.rates.convert(1_000_000, "EUR") == 1_000_000
        assert self.rates.convert(1_200_000, "GBP", to="USD") == 1_600_000
        assert self.rates.convert(5, "USD") == 4  # 4.5 rounds half to even

    def test_a_missing_rate_is_an_error_not_a_silent_one(self):
        with pytest.raises(MissingExchangeRateError, match="JPY"):
            self.rates.convert(1, "JPY")
        with pytest.raises(MissingExchangeRateError):
            ExchangeRates("EUR", {"USD": Decimal(0)}).convert(1, "USD")


class TestSettlement:
    windows = {"google_ads": 14, "meta": 28}

    def test_an_hour_settles_when_its_platform_window_has_passed_since_its_end(self):
        end = T0 + H
        assert settles_at(
            platform="google_ads", period_end=end, windows_days=self.windows
        ) == end + timedelta(days=14)
        day_15 = end + timedelta(days=15)
        assert is_settled(platform="google_ads", period_end=end, now=day_15, windows_days=self.windows)
        assert not is_settled(platform="meta", period_end=end, now=day_15, windows_days=self.windows)
        assert not is_settled(
            platform="google_ads", period_end=end, now=end + timedelta(days=14) - H, windows_days=self.windows
        )


class TestDaysAndRollups:
    def test_the_day_is_the_accounts_local_day(self):
        # 23:00 UTC on 9 March is already 10 March in Berlin (UTC+1)
        hour = datetime(2026, 3, 9, 23, tzinfo=UTC)
        assert local_day_start(hour, "Europe/Berlin") == datetime(2026, 3, 9, 23, tzinfo=UTC)
        assert local_day_start(hour, "America/New_York") == datetime(2026, 3, 9, 4, tzinfo=UTC)
        assert local_day_start(hour, "Asia/Kolkata") == datetime(2026, 3, 9, 18, 30, tzinfo=UTC)

    def test_a_day_with_a_clock_change_has_23_hours(self):
        start = local_day_start(datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Berlin")
        assert local_day_end(start, "Europe/Berlin") - start == timedelta(hours=23)

    def test_recomputation_adds_each_fact_to_five_rollups(self):
        t = Totals(10, 1, 100, 0, 0)
        facts = [
            Fact("meta", "act", "UTC", "c1", "g", "a1", T0, t),
            Fact("meta", "act", "UTC", "c1", "g", "a2", T0, t),
            Fact("meta", "act", "UTC", "c2", "g", "a3", T0 + H, t),
        ]
        rollups = recompute_rollups(facts)
        by_level = {}
        for key, totals in rollups.items():
            by_level.setdefault((key.level, key.granularity), []).append(totals.impressions)
        assert sorted(by_level[("ad", "day")]) == [10, 10, 10]
        assert sorted(by_level[("campaign", "hour")]) == [10, 20]
        assert sorted(by_level[("campaign", "day")]) == [10, 20]
        assert sorted(by_level[("account", "hour")]) == [10, 20]
        assert by_level[("account", "day")] == [30]
