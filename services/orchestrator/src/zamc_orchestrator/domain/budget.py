"""How a brief's budget becomes daily budgets per platform, campaign and ad set (integer micros).

Budgets sit on Google campaigns and on Meta ad sets (the "leaves"). Every leaf gets its platform's
minimum first; the rest is shared by weight, in whole currency units, so the allocations add up
exactly to the strategy's daily budget. When the budget cannot give every leaf its minimum, the
lightest leaves are dropped (and said so); when it cannot pay even one, the brief is rejected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from zamc_events.contracts.common import Platform
from zamc_events.contracts.strategy import BriefBudget, BudgetAllocation, CampaignStrategy, Goal
from zamc_events.platform_limits import GOOGLE, META, MICROS, currency_unit_micros
from zamc_orchestrator.domain.errors import StrategyRejected

DAYS_WITHOUT_END_DATE = 30

# Share of the budget per platform by goal: search captures intent (leads, sales), Meta reaches.
PLATFORM_WEIGHTS: dict[Goal, dict[Platform, float]] = {
    "awareness": {"google_ads": 0.3, "meta": 0.7},
    "traffic": {"google_ads": 0.5, "meta": 0.5},
    "leads": {"google_ads": 0.6, "meta": 0.4},
    "sales": {"google_ads": 0.6, "meta": 0.4},
}

MINIMUM_MICROS: dict[Platform, int] = {
    "google_ads": GOOGLE.min_daily_budget_micros,
    "meta": META.min_adset_daily_budget_micros,
}


def money(micros: int, currency: str) -> str:
    return f"{micros / MICROS:,.2f} {currency}"


def daily_budget_micros(budget: BriefBudget, *, start: date, end: date | None) -> tuple[int, list[str]]:
    """The brief's budget per day, in whole currency units, and any assumption made to get it."""
    unit = currency_unit_micros(budget.currency)
    warnings = []
    if budget.period == "daily":
        micros = budget.amount_micros
    else:
        if end is None:
            days = DAYS_WITHOUT_END_DATE
            warnings.append(f"The total budget is spread over {days} days because the brief has no end date.")
        elif end < start:
            raise StrategyRejected([f"The end date {end} is before the start date {start}."])
        else:
            days = (end - start).days + 1
        micros = budget.amount_micros // days
    return micros - micros % unit, warnings


def platform_weights(goal: Goal, platforms: list[Platform]) -> dict[Platform, float]:
    weights = {p: PLATFORM_WEIGHTS[goal][p] for p in platforms}
    total = sum(weights.values()) or 1.0
    return {p: w / total for p, w in weights.items()}


@dataclass(frozen=True)
class Leaf:
    platform: Platform
    key: str
    weight: float


def split_micros(total: int, leaves: list[Leaf], *, currency: str) -> dict[str, int]:
    """Daily budget per leaf key: shared by weight, each at least its platform minimum, summing to total.

    A leaf whose share would fall below its minimum is raised to it and the others share the rest.
    `total` must be a whole number of currency units and cover every leaf's minimum.
    """
    unit = currency_unit_micros(currency)
    units = total // unit
    floors = {leaf.key: math.ceil(MINIMUM_MICROS[leaf.platform] / unit) for leaf in leaves}
    if sum(floors.values()) > units:
        raise ValueError("the budget does not cover every minimum")
    pinned: set[str] = set()
    while True:
        free = [leaf for leaf in leaves if leaf.key not in pinned]
        rest = units - sum(floors[key] for key in pinned)
        weight_sum = sum(max(leaf.weight, 0.0) for leaf in free)
        exact = {
            leaf.key: rest * (max(leaf.weight, 0.0) / weight_sum if weight_sum > 0 else 1 / len(free))
            for leaf in free
        }
        short = {key for key, value in exact.items() if value < floors[key]}
        if not short:
            break
        pinned |= short
    result = {key: floors[key] for key in pinned}
    result |= {key: math.floor(value) for key, value in exact.items()}
    by_remainder = sorted(free, key=lambda leaf: exact[leaf.key] - result[leaf.key], reverse=True)
    for leaf in by_remainder[: units - sum(result.values())]:
        result[leaf.key] += 1
    return {key: result[key] * unit for key in floors}


def leaves_of(
    strategy: CampaignStrategy,
    goal: Goal,
    weights: Mapping[str, float] | None = None,
    *,
    keep_current_split: bool = False,
) -> list[Leaf]:
    """Every budget-bearing object with its weight: platform weight x its share within the platform.

    A leaf's share within its platform comes from `weights` (leaf key -> relative weight), else from
    its current budget, else equal shares. With `keep_current_split`, current budgets (when any)
    weigh the leaves directly, keeping the split between platforms as it is.
    """
    groups: dict[Platform, list[tuple[str, float]]] = {}
    if strategy.google_ads is not None:
        groups["google_ads"] = [(c.key, float(c.daily_budget_micros)) for c in strategy.google_ads.campaigns]
    if strategy.meta is not None:
        groups["meta"] = [
            (a.key, float(a.daily_budget_micros)) for c in strategy.meta.campaigns for a in c.ad_sets
        ]
    groups = {p: g for p, g in groups.items() if g}
    if keep_current_split and any(w > 0 for g in groups.values() for _, w in g):
        return [Leaf(p, key, w) for p, g in groups.items() for key, w in g]
    per_platform = platform_weights(goal, list(groups))
    leaves = []
    for platform, members in groups.items():
        raw = [(key, max(0.0, (weights or {}).get(key, current))) for key, current in members]
        total = sum(w for _, w in raw)
        for key, w in raw:
            share = w / total if total > 0 else 1 / len(raw)
            leaves.append(Leaf(platform, key, per_platform[platform] * share))
    return leaves


def apply_budget(
    strategy: CampaignStrategy,
    *,
    total_micros: int,
    goal: Goal,
    weights: Mapping[str, float] | None = None,
    keep_current_split: bool = False,
) -> tuple[CampaignStrategy, list[str]]:
    """`strategy` with leaf budgets, allocations and daily budget set from `total_micros`.

    Returns the strategy and warnings for any campaign or ad set dropped because the budget could
    not pay its minimum. Raises StrategyRejected when it cannot pay even one.
    """
    currency = strategy.currency
    leaves = sorted(
        leaves_of(strategy, goal, weights, keep_current_split=keep_current_split),
        key=lambda leaf: leaf.weight,
        reverse=True,
    )
    unit = currency_unit_micros(currency)
    total = total_micros - total_micros % unit
    if not leaves:
        raise StrategyRejected(["The strategy has no campaign or ad set to give a budget to."])
    kept: list[Leaf] = []
    need = 0
    for leaf in leaves:
        minimum = math.ceil(MINIMUM_MICROS[leaf.platform] / unit) * unit
        if need + minimum <= total:
            kept.append(leaf)
            need += minimum
    if not kept:
        smallest = min(MINIMUM_MICROS[leaf.platform] for leaf in leaves)
        raise StrategyRejected(
            [
                f"The daily budget of {money(total, currency)} is below the platform minimum of {money(smallest, currency)}."
            ]
        )
    budgets = split_micros(total, kept, currency=currency)
    dropped = [leaf for leaf in leaves if leaf.key not in budgets]
    warnings = [
        f"Dropped {leaf.platform} {leaf.key}: the daily budget of {money(total, currency)} cannot pay "
        f"the minimum of {money(MINIMUM_MICROS[leaf.platform], currency)} for every campaign and ad set."
        for leaf in dropped
    ]
    return _with_budgets(strategy, budgets, total), warnings


def _with_budgets(strategy: CampaignStrategy, budgets: dict[str, int], total: int) -> CampaignStrategy:
    allocations: list[BudgetAllocation] = []
    google = strategy.google_ads
    if google is not None:
        campaigns = [
            c.model_copy(update={"daily_budget_micros": budgets[c.key]})
            for c in google.campaigns
            if c.key in budgets
        ]
        google = google.model_copy(update={"campaigns": campaigns}) if campaigns else None
        for c in campaigns:
            allocations.append(_allocation("google_ads", c.key, c.daily_budget_micros, total))
    meta = strategy.meta
    if meta is not None:
        meta_campaigns = []
        for c in meta.campaigns:
            ad_sets = [
                a.model_copy(update={"daily_budget_micros": budgets[a.key]})
                for a in c.ad_sets
                if a.key in budgets
            ]
            if ad_sets:
                meta_campaigns.append(c.model_copy(update={"ad_sets": ad_sets}))
                allocations.append(
                    _allocation("meta", c.key, sum(a.daily_budget_micros for a in ad_sets), total)
                )
        meta = meta.model_copy(update={"campaigns": meta_campaigns}) if meta_campaigns else None
    return strategy.model_copy(
        update={"google_ads": google, "meta": meta, "budget_split": allocations, "daily_budget_micros": total}
    )


def _allocation(platform: Platform, key: str, micros: int, total: int) -> BudgetAllocation:
    return BudgetAllocation(
        platform=platform,
        campaign_key=key,
        daily_budget_micros=micros,
        share=round(micros / total, 6) if total else 0.0,
    )
