"""Anomalies of one campaign's hourly series, judged against the campaign's own history.

The series maps hour start -> totals. Hours missing between the first and the last hour of the
series count as zero delivery (platforms omit hours without impressions). Each rule reports the
*onset* only: an hour is anomalous when the rule holds for it and not for the hour before, so a
sustained spike or a stop is reported once, not every hour.

- spend spike: cost >= ratio x baseline and cost - baseline >= a minimum increase, where the
  baseline is the larger of the mean cost of the previous 24 hours and the mean cost of the same
  hour of day on the previous 7 days (so an ordinary daily peak is not a spike).
- delivery stopped: zero impressions after `delivery_min_hours` delivering hours whose mean
  impressions reach `delivery_min_impressions`.
- CTR collapse: clicks < ratio x the clicks the baseline CTR (all history hours) predicts for the
  hour's impressions, when at least `ctr_min_expected_clicks` were predicted.

A rule needs `min_history_hours` hours of history before the judged hour; hours older than
`max_age_hours` (relative to now) are not judged, so a backfill does not raise old alarms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from zamc_analytics_ingest.domain.totals import HOUR, Totals

AnomalyKind = Literal["spend_spike", "delivery_stopped", "ctr_collapse"]


class Thresholds(Protocol):
    max_age_hours: float
    history_hours: int
    min_history_hours: int
    spend_spike_ratio: float
    spend_spike_min_increase_micros: int
    delivery_min_hours: int
    delivery_min_impressions: int
    ctr_collapse_ratio: float
    ctr_min_expected_clicks: float


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    hour_start: datetime
    evidence: dict[str, Any]


class HourlySeries:
    def __init__(self, hours: Mapping[datetime, Totals]) -> None:
        self._hours = dict(hours)
        self.first = min(self._hours) if self._hours else None
        self.last = max(self._hours) if self._hours else None

    def __contains__(self, hour: datetime) -> bool:
        return self.first is not None and self.first <= hour <= self.last  # type: ignore[operator]

    def at(self, hour: datetime) -> Totals:
        return self._hours.get(hour, Totals())

    def history(self, hour: datetime, hours: int) -> list[tuple[datetime, Totals]]:
        """The known hours in [hour - hours, hour), oldest first (gaps as zero)."""
        result = []
        for back in range(hours, 0, -1):
            earlier = hour - back * HOUR
            if earlier in self:
                result.append((earlier, self.at(earlier)))
        return result


def detect(
    series: Mapping[datetime, Totals],
    *,
    judge: Iterable[datetime],
    now: datetime,
    thresholds: Thresholds,
) -> list[Anomaly]:
    """Anomalies whose onset is one of the `judge` hours."""
    hourly = HourlySeries(series)
    oldest = now - timedelta(hours=thresholds.max_age_hours)
    found = []
    for hour in sorted(set(judge)):
        if hour < oldest or hour not in hourly:
            continue
        for rule in (_spend_spike, _delivery_stopped, _ctr_collapse):
            evidence = rule(hourly, hour, thresholds)
            if evidence is not None and rule(hourly, hour - HOUR, thresholds) is None:
                found.append(Anomaly(kind=evidence.pop("kind"), hour_start=hour, evidence=evidence))
    return found


def _enough_history(history: list[tuple[datetime, Totals]], thresholds: Thresholds) -> bool:
    return len(history) >= thresholds.min_history_hours


def _spend_spike(series: HourlySeries, hour: datetime, t: Thresholds) -> dict[str, Any] | None:
    if hour not in series:
        return None
    history = series.history(hour, t.history_hours)
    if not _enough_history(history, t):
        return None
    recent = [totals.cost_micros for _, totals in history[-24:]]
    same_hour = [
        totals.cost_micros for h, totals in history if (hour - h) % timedelta(days=1) == timedelta(0)
    ]
    recent_mean = sum(recent) / len(recent)
    same_hour_mean = sum(same_hour[-7:]) / len(same_hour[-7:]) if same_hour else 0.0
    baseline = max(recent_mean, same_hour_mean)
    cost = series.at(hour).cost_micros
    if cost >= t.spend_spike_ratio * baseline and cost - baseline >= t.spend_spike_min_increase_micros:
        return {
            "kind": "spend_spike",
            "cost_micros": cost,
            "baseline_cost_micros": round(baseline),
            "recent_24h_mean_cost_micros": round(recent_mean),
            "same_hour_mean_cost_micros": round(same_hour_mean),
            "ratio": round(cost / baseline, 3) if baseline else None,
            "threshold_ratio": t.spend_spike_ratio,
            "history_hours": len(history),
        }
    return None


def _delivery_stopped(series: HourlySeries, hour: datetime, t: Thresholds) -> dict[str, Any] | None:
    if hour not in series or series.at(hour).impressions != 0:
        return None
    history = series.history(hour, t.history_hours)
    if not _enough_history(history, t):
        return None
    before = [totals.impressions for _, totals in history[-t.delivery_min_hours :]]
    if len(before) < t.delivery_min_hours or min(before) == 0:
        return None
    mean = sum(before) / len(before)
    if mean < t.delivery_min_impressions:
        return None
    return {
        "kind": "delivery_stopped",
        "impressions": 0,
        "previous_hours": len(before),
        "previous_mean_impressions": round(mean, 1),
        "previous_impressions": before,
        "history_hours": len(history),
    }


def _ctr_collapse(series: HourlySeries, hour: datetime, t: Thresholds) -> dict[str, Any] | None:
    if hour not in series:
        return None
    history = series.history(hour, t.history_hours)
    if not _enough_history(history, t):
        return None
    baseline_impressions = sum(totals.impressions for _, totals in history)
    baseline_clicks = sum(totals.clicks for _, totals in history)
    if baseline_impressions == 0 or baseline_clicks == 0:
        return None
    baseline_ctr = baseline_clicks / baseline_impressions
    current = series.at(hour)
    expected = baseline_ctr * current.impressions
    if expected < t.ctr_min_expected_clicks or current.clicks >= t.ctr_collapse_ratio * expected:
        return None
    return {
        "kind": "ctr_collapse",
        "impressions": current.impressions,
        "clicks": current.clicks,
        "ctr": current.clicks / current.impressions,
        "baseline_ctr": baseline_ctr,
        "expected_clicks": round(expected, 1),
        "threshold_ratio": t.ctr_collapse_ratio,
        "history_hours": len(history),
    }
