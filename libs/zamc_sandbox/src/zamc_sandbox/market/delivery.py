"""One simulated hour of delivery for one campaign: budget pacing, noise, conversions with lags."""

from __future__ import annotations

import math
import random
from datetime import datetime
from itertools import accumulate

from zamc_sandbox.market.curves import ResponseCurve
from zamc_sandbox.market.objects import HourDelivery, MarketAd, MarketAdGroup, MarketCampaign
from zamc_sandbox.market.profiles import DIURNAL_SHARE, PlatformProfile


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def in_schedule(start: datetime | None, end: datetime | None, hour: datetime) -> bool:
    return (start is None or hour >= start) and (end is None or hour < end)


def campaign_curve(
    campaign: MarketCampaign,
    groups: list[MarketAdGroup],
    ads: dict[str, list[MarketAd]],
    profile: PlatformProfile,
) -> ResponseCurve:
    """The expected daily response of a campaign, splitting spend evenly over its delivering children."""
    p = campaign.parameters
    audience, creative = 1.0, 1.0
    if groups:
        audience = sum(g.audience_quality for g in groups) / len(groups)
        creative = sum(
            sum(a.creative_quality for a in ads[g.ad_group_id]) / len(ads[g.ad_group_id]) for g in groups
        ) / len(groups)
    window_hours = profile.attribution_window.total_seconds() / 3600
    attributed_share = 1 - math.exp(-(window_hours + 1) / profile.mean_conversion_lag_hours)
    return ResponseCurve(
        max_daily_impressions=p.max_daily_impressions,
        half_saturation_spend_micros=p.max_daily_impressions * p.cpm_micros / 1000,
        hill_exponent=p.hill_exponent,
        ctr=p.ctr * creative,
        conversion_rate=p.conversion_rate * audience * attributed_share,
        value_per_conversion_micros=p.value_per_conversion_micros,
        currency=campaign.currency,
    )


def deliver_hour(
    *,
    rng: random.Random,
    campaign: MarketCampaign,
    groups: list[MarketAdGroup],
    ads: dict[str, list[MarketAd]],
    profile: PlatformProfile,
    hour: datetime,
    spent_today_micros: int,
    local_hour: int,
    curve: ResponseCurve,
) -> list[tuple[str, HourDelivery]]:
    """Deliver `hour` (UTC start) for the delivering `groups` of `campaign`; returns (ad_id, delivery)."""
    budgets = [
        campaign.daily_budget_micros
        if campaign.daily_budget_micros is not None
        else (g.daily_budget_micros or 0)
        for g in groups
    ]
    daily_budget = campaign.daily_budget_micros if campaign.daily_budget_micros is not None else sum(budgets)
    pacing_noise = math.exp(rng.gauss(0.0, 0.15))
    remaining = max(daily_budget - spent_today_micros, 0)
    hour_spend = min(daily_budget * DIURNAL_SHARE[local_hour] * pacing_noise, remaining)
    if hour_spend <= 0 or daily_budget <= 0:
        return []
    impressions_per_micro = curve.impressions(daily_budget) / daily_budget
    average_cpc = 1 / (impressions_per_micro * curve.ctr) if impressions_per_micro > 0 else math.inf
    p = campaign.parameters
    if campaign.daily_budget_micros is not None:
        shares = [1 / len(groups)] * len(groups)
    else:
        shares = [b / daily_budget for b in budgets]
    out: list[tuple[str, HourDelivery]] = []
    window_hours = int(profile.attribution_window.total_seconds() // 3600)
    for group, share in zip(groups, shares, strict=True):
        group_spend = hour_spend * share
        if group.max_cpc_micros is not None and group.max_cpc_micros < average_cpc:
            group_spend *= group.max_cpc_micros / average_cpc
        group_ads = ads[group.ad_group_id]
        for ad in group_ads:
            spend = group_spend / len(group_ads)
            impressions = poisson(rng, spend * impressions_per_micro)
            clicks = min(impressions, poisson(rng, impressions * p.ctr * ad.creative_quality))
            converted = poisson(rng, clicks * p.conversion_rate * group.audience_quality)
            lags, values = [], []
            for _ in range(converted):
                lag = int(rng.expovariate(1 / profile.mean_conversion_lag_hours))
                value = round(p.value_per_conversion_micros * math.exp(rng.gauss(-0.045, 0.3)))
                if lag <= window_hours:
                    lags.append(lag)
                    values.append(value)
            order = sorted(range(len(lags)), key=lags.__getitem__)
            out.append(
                (
                    ad.ad_id,
                    HourDelivery(
                        hour=hour,
                        impressions=impressions,
                        clicks=clicks,
                        cost_micros=round(spend) if impressions else 0,
                        conversion_lags_hours=tuple(lags[i] for i in order),
                        cumulative_values_micros=tuple(accumulate(values[i] for i in order)),
                    ),
                )
            )
    return out
