"""Derived metrics — CTR, CPC, CPM, CPA, ROAS — computed here and nowhere else.

Each is None when its denominator is zero (no impressions, clicks, conversions or cost): an
undefined ratio is not zero. Money ratios stay integer micros of the totals' currency.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DerivedMetrics:
    ctr: float | None  # clicks / impressions
    cpc_micros: int | None  # cost / clicks
    cpm_micros: int | None  # cost per 1,000 impressions
    cpa_micros: int | None  # cost / conversions
    roas: float | None  # conversion value / cost


def derive(
    *, impressions: int, clicks: int, cost_micros: int, conversions: float, conversion_value_micros: int
) -> DerivedMetrics:
    return DerivedMetrics(
        ctr=clicks / impressions if impressions else None,
        cpc_micros=round(cost_micros / clicks) if clicks else None,
        cpm_micros=round(cost_micros * 1000 / impressions) if impressions else None,
        cpa_micros=round(cost_micros / conversions) if conversions > 0 else None,
        roas=conversion_value_micros / cost_micros if cost_micros else None,
    )
