"""Unit tests of the anomaly rules on hand-made hourly series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zamc_analytics_ingest.config import AnomalyThresholds
from zamc_analytics_ingest.domain.anomalies import detect
from zamc_analytics_ingest.domain.totals import Totals

pytestmark = pytest.mark.unit

H = timedelta(hours=1)
START = datetime(2026, 5, 1, tzinfo=UTC)
THRESHOLDS = AnomalyThresholds()


def steady(hours: int, *, impressions=1000, clicks=30, cost=4_000_000) -> dict[datetime, Totals]:
    return {START + i * H: Totals(impressions, clicks, cost) for i in range(hours)}


def run(series: dict[datetime, Totals], *judge: datetime, **thresholds) -> list:
    t = AnomalyThresholds(**thresholds) if thresholds else THRESHOLDS
    return detect(series, judge=judge, now=max(series) + H, thresholds=t)


def test_a_steady_campaign_has_no_anomalies():
    series = steady(72)
    assert run(series, *series) == []


def test_spend_spike_is_reported_with_its_evidence():
    series = steady(48)
    spike = START + 48 * H
    series[spike] = Totals(1000, 30, 20_000_000)
    [anomaly] = run(series, spike)
    assert anomaly.kind == "spend_spike"
    assert anomaly.hour_start == spike
    assert anomaly.evidence["cost_micros"] == 20_000_000
    assert anomaly.evidence["baseline_cost_micros"] == 4_000_000
    assert anomaly.evidence["ratio"] == 5.0


def test_a_spike_below_the_ratio_or_the_minimum_increase_is_not_one():
    series = steady(48)
    hour = START + 48 * H
    series[hour] = Totals(1000, 30, 11_000_000)  # 2.75x
    assert run(series, hour) == []
    small = steady(48, cost=100_000)
    small[hour] = Totals(1000, 30, 1_000_000)  # 10x but only +0.9 units
    assert run(small, hour) == []


def test_the_daily_peak_of_a_campaign_is_not_a_spike():
    series = {}
    for i in range(24 * 7 + 1):
        hour = START + i * H
        cost = 30_000_000 if hour.hour == 18 else 2_000_000  # every evening peaks
        series[hour] = Totals(1000, 30, cost)
    peaks = [h for h in series if h.hour == 18 and h > START + 48 * H]
    assert run(series, *peaks) == []


def test_a_sustained_spike_is_reported_once_at_its_onset():
    series = steady(48)
    for i in range(48, 52):
        series[START + i * H] = Totals(1000, 30, 40_000_000)
    found = run(series, *[START + i * H for i in range(48, 52)])
    assert [(a.kind, a.hour_start) for a in found] == [("spend_spike", START + 48 * H)]


def test_delivery_dropping_to_zero_and_a_missing_hour_counts_as_zero():
    series = steady(30)
    series[START + 31 * H] = Totals(0, 0, 0)  # hour 30 is missing: a gap inside the series
    found = run(series, START + 30 * H, START + 31 * H)
    assert [(a.kind, a.hour_start) for a in found] == [("delivery_stopped", START + 30 * H)]
    assert found[0].evidence["previous_mean_impressions"] == 1000


def test_no_delivery_alarm_for_a_campaign_that_barely_delivered():
    series = steady(30, impressions=20, clicks=1)
    series[START + 30 * H] = Totals()
    assert run(series, START + 30 * H) == []


def test_ctr_collapse_against_the_campaigns_own_ctr():
    series = steady(48)  # CTR 3 %
    hour = START + 48 * H
    series[hour] = Totals(2000, 5, 4_000_000)  # 60 expected clicks, 5 seen
    [anomaly] = run(series, hour)
    assert anomaly.kind == "ctr_collapse"
    assert anomaly.evidence["baseline_ctr"] == pytest.approx(0.03)
    assert anomaly.evidence["expected_clicks"] == 60.0


def test_ctr_with_too_few_impressions_to_judge_is_not_a_collapse():
    series = steady(48)
    hour = START + 48 * H
    series[hour] = Totals(300, 0, 1_000_000)  # 9 clicks expected: too few to tell
    assert run(series, hour) == []


def test_too_little_history_or_too_old_hours_are_not_judged():
    series = steady(5)
    series[START + 5 * H] = Totals(1000, 30, 50_000_000)
    assert run(series, START + 5 * H) == []
    old = steady(48)
    old[START + 48 * H] = Totals(1000, 30, 50_000_000)
    late_now = START + 48 * H + timedelta(days=10)
    assert detect(old, judge=[START + 48 * H], now=late_now, thresholds=THRESHOLDS) == []
