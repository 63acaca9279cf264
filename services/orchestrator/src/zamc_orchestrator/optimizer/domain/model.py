"""A campaign's hourly history and the posterior model fitted on it.

`CampaignHistory` is what the optimiser knows of one platform campaign: its hourly rows (as the
latest rollup restated them), its daily budgets over time and when it was last changed.
`fit_portfolio` turns the histories of one project into `CampaignModel`s that share
empirical-Bayes priors (the portfolio's pooled CTR, conversion rate and value per conversion),
so a young campaign is judged against its siblings rather than against nothing.

Maturity. An hour is *mature* once it is settled (no restatement will change it) or once it ended
longer ago than its platform's `maturity_hours`: the age by which nearly all of an hour's
conversions have been reported. The restatement windows analytics waits for (14 days on Google
Ads, 28 on Meta) bound late corrections, not the typical conversion lag; waiting for them would
keep a 30-day campaign on its launch budget for most of its life. A campaign with no mature hour
is *provisional-only*, and the guardrails do not act on it unless `allow_provisional`. Its
younger hours still count as evidence, but lag-corrected: their clicks enter the conversion rate
weighted by the share of conversions already reported at their age (`stats.maturity`, with the
mean lag estimated per platform from the ages of the rows, `estimate_lags`).

The defaults (`DEFAULT_MATURITY_HOURS`) are 72 h on both platforms, the typical conversion lag
rather than the attribution window:
- Google Ads: the market simulator (libs/zamc_sandbox, `market/profiles.py`) draws each
  conversion's lag from an exponential with mean 30 h inside a 30-day window, so 91 % of an hour's
  conversions are reported 72 h after it ended; Google's conversion-lag reports typically show
  the bulk of conversions within 3 days as well, the rest of the 30-day window is a thin tail.
- Meta: its 7-day click window bounds the tail, not the typical lag; the simulator's mean lag is
  20 h (97 % reported after 72 h), and the slowest real path, iOS conversions through Aggregated
  Event Measurement, is reported with a delay of up to 3 days. Waiting the full 7 days (168 h)
  would be the attribution window again: in a 30-day run the autopilot would leave Meta on its
  launch budget for a quarter of the flight.
The remaining 3-9 % of an hour's conversions are what the lag correction estimates. A platform
without a setting waits `FALLBACK_MATURITY_HOURS` (7 days). Both are configuration
(`ZAMC_ORCHESTRATOR_OPTIMIZER_MATURITY_HOURS_GOOGLE_ADS` / `..._META`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from zamc_orchestrator.optimizer.domain.curves import ReachPoint, ReachPosterior, hill, hill_marginal
from zamc_orchestrator.optimizer.domain.stats import (
    BetaPosterior,
    ValuePerConversion,
    estimate_lag_hours,
    maturity,
)

HOUR = timedelta(hours=1)
# the age (hours after an hour ended) from which the hour's reported conversions are treated as
# final enough to act on: see the module's docstring for the reasoning
DEFAULT_MATURITY_HOURS: dict[str, float] = {"google_ads": 72.0, "meta": 72.0}
FALLBACK_MATURITY_HOURS = 168.0  # a platform without a setting: a 7-day attribution window


@dataclass(frozen=True, slots=True)
class CampaignKey:
    platform: str
    account_external_id: str
    campaign_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.account_external_id}:{self.campaign_id}"


@dataclass(frozen=True, slots=True)
class HourRow:
    hour_start: datetime
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    value_micros: int
    settled: bool = False


@dataclass
class CampaignHistory:
    key: CampaignKey
    currency: str
    daily_budget_micros: int | None
    hours: list[HourRow] = field(default_factory=list)  # sorted by hour_start
    budgets: list[tuple[datetime, int]] = field(default_factory=list)  # (effective from, budget), sorted
    last_changed_at: datetime | None = None
    status: str = "ENABLED"
    bidding_strategy: str | None = None
    bid_target: float | None = None  # target ROAS, or target CPA in micros

    def budget_at(self, moment: datetime) -> int | None:
        if not self.budgets:
            return self.daily_budget_micros
        i = bisect.bisect_right(self.budgets, moment, key=lambda item: item[0]) - 1
        return self.budgets[i][1] if i >= 0 else self.budgets[0][1]


@dataclass(frozen=True)
class Priors:
    lag_hours: dict[str, float]
    ctr: float
    conversion_rate: float
    value_per_conversion_micros: float
    ctr_strength: float = 200.0  # pseudo-impressions
    conversion_strength: float = 2.0  # pseudo-conversions
    value_strength: float = 2.0  # pseudo-conversions
    value_cv: float = 0.5
    half_log_ratio: float = math.log(10.0)
    half_log_sd: float = 1.5
    h_mean: float = 1.0
    h_sd: float = 0.25
    overdispersion: float = 0.05
    impressions_per_micro: float = (
        1e-4  # pooled over the portfolio; the fallback for a campaign without spend
    )
    maturity_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MATURITY_HOURS))


@dataclass(frozen=True)
class CampaignModel:
    key: CampaignKey
    currency: str
    daily_budget_micros: int
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    value_micros: int
    matured_clicks: float
    settled_hours: int
    hours: int
    ctr: BetaPosterior
    conversion_rate: BetaPosterior
    value_per_conversion: ValuePerConversion
    reach: ReachPosterior
    utilisation: float  # share of the daily budget actually spent on recent complete days

    mature_hours: int = 0  # settled or older than the platform's maturity (see the module docstring)

    @property
    def provisional_only(self) -> bool:
        """No mature hour yet: every hour's conversions may still grow a lot."""
        return self.mature_hours == 0

    @property
    def observed_roas(self) -> float:
        return self.value_micros / self.cost_micros if self.cost_micros else 0.0

    def value_per_impression_mean(self) -> float:
        return self.ctr.mean * self.conversion_rate.mean * self.value_per_conversion.mean

    def sample(self, rng: np.random.Generator, size: int) -> CurveDraws:
        top, half, h = self.reach.sample(rng, size)
        vpi = (
            self.ctr.sample(rng, size)
            * self.conversion_rate.sample(rng, size)
            * self.value_per_conversion.sample(rng, size)
        )
        return CurveDraws(
            top=top, half=half, h=h, value_per_impression=vpi, utilisation=np.full(size, self.utilisation)
        )


@dataclass(frozen=True)
class CurveDraws:
    """Draws (one per element) of a campaign's daily value curve: value(B) = vpi * top*(uB)^h/((uB)^h+half^h)."""

    top: np.ndarray
    half: np.ndarray
    h: np.ndarray
    value_per_impression: np.ndarray
    utilisation: np.ndarray

    def value(self, budget: np.ndarray | float) -> np.ndarray:
        spend = np.asarray(budget, dtype=float) * self.utilisation
        return self.value_per_impression * hill(spend, self.top, self.half, self.h)

    def marginal_roas(self, budget: np.ndarray | float) -> np.ndarray:
        spend = np.asarray(budget, dtype=float) * self.utilisation
        return self.value_per_impression * hill_marginal(spend, self.top, self.half, self.h)


def is_mature(row: HourRow, *, platform: str, now: datetime, maturity_hours: Mapping[str, float]) -> bool:
    """Settled, or ended at least the platform's `maturity_hours` ago."""
    if row.settled:
        return True
    limit = maturity_hours.get(platform, FALLBACK_MATURITY_HOURS)
    return (now - row.hour_start - HOUR) / HOUR >= limit


def count_mature_hours(
    history: CampaignHistory, *, now: datetime, maturity_hours: Mapping[str, float]
) -> int:
    platform = history.key.platform
    return sum(
        1 for r in history.hours if is_mature(r, platform=platform, now=now, maturity_hours=maturity_hours)
    )


def _arrays(hours: Sequence[HourRow], now: datetime) -> tuple[np.ndarray, ...]:
    clicks = np.array([r.clicks for r in hours], dtype=float)
    conversions = np.array([r.conversions for r in hours], dtype=float)
    ages = np.array(
        [math.inf if r.settled else (now - r.hour_start) / HOUR for r in hours],
        dtype=float,
    )
    return clicks, conversions, ages


def estimate_lags(
    histories: Sequence[CampaignHistory], *, now: datetime, prior_lag_hours: dict[str, float]
) -> dict[str, float]:
    """Mean conversion lag per platform, from the age profile of conversions per click."""
    out: dict[str, float] = {}
    for platform, prior in prior_lag_hours.items():
        groups = []
        for history in histories:
            if history.key.platform != platform or not history.hours:
                continue
            clicks, conversions, ages = _arrays(history.hours, now)
            provisional = np.isfinite(ages)
            groups.append((clicks[provisional], conversions[provisional], ages[provisional]))
        out[platform] = estimate_lag_hours(groups, prior_hours=prior) if groups else prior
    return out


def _reach_points(history: CampaignHistory) -> list[ReachPoint]:
    by_budget: dict[int, list[float]] = {}
    for row in history.hours:
        budget = history.budget_at(row.hour_start)
        if budget is None or budget <= 0 or row.cost_micros <= 0:
            continue
        acc = by_budget.setdefault(budget, [0.0, 0.0])
        acc[0] += row.impressions
        acc[1] += row.cost_micros
    return [ReachPoint(float(b), imps, cost) for b, (imps, cost) in sorted(by_budget.items())]


def _utilisation(history: CampaignHistory) -> float:
    """Median of spend / budget over the latest complete UTC days with one budget all day."""
    if not history.hours:
        return 1.0
    days: dict[datetime, list[HourRow]] = {}
    for row in history.hours:
        day = row.hour_start.replace(hour=0, minute=0, second=0, microsecond=0)
        days.setdefault(day, []).append(row)
    ratios = []
    last_day = max(days)
    for day in sorted(days)[-8:]:
        rows = days[day]
        if day == last_day or len(rows) < 20:
            continue
        start, end = history.budget_at(day), history.budget_at(day + timedelta(hours=23))
        if not start or start != end:
            continue
        ratios.append(sum(r.cost_micros for r in rows) / start)
    if not ratios:
        return 1.0
    return float(min(max(np.median(ratios), 0.05), 1.0))


def pooled_priors(
    histories: Sequence[CampaignHistory], *, lag_hours: dict[str, float], now: datetime, base: Priors
) -> Priors:
    impressions = clicks = matured = conversions = value = cost = 0.0
    for history in histories:
        cost += sum(r.cost_micros for r in history.hours)
        c, conv, ages = _arrays(history.hours, now)
        lag = lag_hours.get(history.key.platform, 24.0)
        impressions += sum(r.impressions for r in history.hours)
        clicks += c.sum()
        matured += float(
            (c * np.where(np.isfinite(ages), maturity(np.nan_to_num(ages, posinf=1e9), lag), 1.0)).sum()
        )
        conversions += conv.sum()
        value += sum(r.value_micros for r in history.hours)
    return Priors(
        **{
            **base.__dict__,
            "lag_hours": lag_hours,
            "ctr": (clicks + base.ctr * base.ctr_strength) / (impressions + base.ctr_strength),
            "conversion_rate": (conversions + base.conversion_strength)
            / (matured + base.conversion_strength / max(base.conversion_rate, 1e-6)),
            "value_per_conversion_micros": (value + base.value_per_conversion_micros * 2) / (conversions + 2),
            "impressions_per_micro": impressions / cost
            if cost > 0 and impressions > 0
            else base.impressions_per_micro,
        }
    )


def fit_campaign(history: CampaignHistory, *, now: datetime, priors: Priors) -> CampaignModel:
    hours = history.hours
    clicks, conversions, ages = _arrays(hours, now)
    lag = priors.lag_hours.get(history.key.platform, 24.0)
    shares = np.where(np.isfinite(ages), maturity(np.nan_to_num(ages, posinf=1e9), lag), 1.0)
    matured_clicks = float((clicks * shares).sum())
    impressions = int(sum(r.impressions for r in hours))
    total_clicks = int(clicks.sum())
    total_conversions = float(conversions.sum())
    ctr_prior = BetaPosterior.prior_from_mean(priors.ctr, priors.ctr_strength)
    cvr_prior = BetaPosterior.prior_from_mean(
        priors.conversion_rate, priors.conversion_strength / max(priors.conversion_rate, 1e-6)
    )
    spend = [r.cost_micros for r in hours if r.cost_micros > 0]
    reference = float(history.daily_budget_micros or (np.mean(spend) * 24 if spend else 1e6))
    return CampaignModel(
        key=history.key,
        currency=history.currency,
        daily_budget_micros=int(history.daily_budget_micros or 0),
        impressions=impressions,
        clicks=total_clicks,
        cost_micros=int(sum(r.cost_micros for r in hours)),
        conversions=total_conversions,
        value_micros=int(sum(r.value_micros for r in hours)),
        matured_clicks=matured_clicks,
        settled_hours=sum(1 for r in hours if r.settled),
        hours=len(hours),
        mature_hours=count_mature_hours(history, now=now, maturity_hours=priors.maturity_hours),
        ctr=ctr_prior.observe(successes=total_clicks, trials=impressions),
        conversion_rate=cvr_prior.observe(
            successes=total_conversions, trials=max(matured_clicks, total_conversions)
        ),
        value_per_conversion=ValuePerConversion.update(
            values_micros=[r.value_micros for r in hours],
            conversions=[r.conversions for r in hours],
            prior_mean=priors.value_per_conversion_micros,
            prior_conversions=priors.value_strength,
            prior_cv=priors.value_cv,
        ),
        reach=ReachPosterior.fit(
            _reach_points(history),
            reference_micros=reference,
            prior_half_log_ratio=priors.half_log_ratio,
            prior_half_log_sd=priors.half_log_sd,
            prior_h_mean=priors.h_mean,
            prior_h_sd=priors.h_sd,
            overdispersion=priors.overdispersion,
            fallback_impressions_per_micro=priors.impressions_per_micro,
        ),
        utilisation=_utilisation(history),
    )


def fit_portfolio(
    histories: Sequence[CampaignHistory], *, now: datetime, base: Priors
) -> dict[CampaignKey, CampaignModel]:
    lags = estimate_lags(histories, now=now, prior_lag_hours=base.lag_hours)
    priors = pooled_priors(histories, lag_hours=lags, now=now, base=base)
    return {h.key: fit_campaign(h, now=now, priors=priors) for h in histories}
