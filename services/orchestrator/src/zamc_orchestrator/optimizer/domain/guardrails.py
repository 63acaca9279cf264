"""Guardrails: configuration enforced in code on every change the optimiser proposes or applies.

- a campaign's daily budget moves by at most `max_change_fraction` of its current budget per step;
- a campaign changed less than `cooldown` ago is not changed again;
- a campaign's budget moves only after `min_impressions` and `min_spend_micros`, and is raised
  only after `min_conversions` too (spend without conversions is evidence enough to lower it);
- provisional-only data (no settled hour yet) is not acted on unless `allow_provisional`;
- the project's daily budget (sum of its campaigns' daily budgets) never exceeds `daily_cap_micros`
  and never exceeds what is left of its total budget; a plan never raises a sum already above them;
- a budget never goes below the platform minimum;
- an ad is paused only if its siblings keep at least one delivering ad.

`budget_bounds` gives the interval a campaign's next budget may take; `check_budget_plan`
verifies a plan (every recommendation, at creation and again at application).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

BUDGET_STEP_MICROS = 10_000  # budgets move in whole cents


@dataclass(frozen=True, slots=True)
class Guardrails:
    max_change_fraction: float = 0.2
    min_change_fraction: float = 0.02
    cooldown: timedelta = timedelta(hours=24)
    min_impressions: int = 1_000
    min_spend_micros: int = 20_000_000
    min_conversions: float = 3.0
    allow_provisional: bool = False
    min_daily_budget_micros: int = 1_000_000

    def __post_init__(self) -> None:
        if not 0 < self.max_change_fraction < 1:
            raise ValueError("max_change_fraction must be in (0, 1)")
        if self.cooldown < timedelta(0):
            raise ValueError("cooldown must not be negative")


@dataclass(frozen=True, slots=True)
class CampaignBudget:
    """What the guardrails need to know about one campaign."""

    campaign: str
    daily_budget_micros: int
    last_changed_at: datetime | None
    impressions: int
    spend_micros: int
    conversions: float
    has_settled_data: bool
    active: bool = True


@dataclass(frozen=True, slots=True)
class ProjectBudget:
    daily_cap_micros: int | None = None
    total_budget_micros: int | None = None
    spent_micros: int = 0


@dataclass(frozen=True, slots=True)
class Violation:
    campaign: str | None
    rule: str
    message: str


def cooling_down(campaign: CampaignBudget, guard: Guardrails, now: datetime) -> bool:
    return campaign.last_changed_at is not None and now - campaign.last_changed_at < guard.cooldown


def data_problem(campaign: CampaignBudget, guard: Guardrails, *, to_raise: bool = False) -> str | None:
    """Why the data do not yet allow changing (or, with `to_raise`, raising) the budget."""
    if campaign.impressions < guard.min_impressions:
        return f"{campaign.impressions} impressions < {guard.min_impressions}"
    if campaign.spend_micros < guard.min_spend_micros:
        return f"spend {campaign.spend_micros} micros < {guard.min_spend_micros}"
    if not campaign.has_settled_data and not guard.allow_provisional:
        return "only provisional data"
    if to_raise and campaign.conversions < guard.min_conversions:
        return f"{campaign.conversions:g} conversions < {guard.min_conversions:g}"
    return None


def may_change(campaign: CampaignBudget, guard: Guardrails, now: datetime) -> bool:
    return (
        campaign.active and not cooling_down(campaign, guard, now) and data_problem(campaign, guard) is None
    )


def budget_bounds(campaign: CampaignBudget, guard: Guardrails, now: datetime) -> tuple[int, int]:
    """The closed interval of daily budgets (micros, whole cents) the campaign may move to now."""
    current = campaign.daily_budget_micros
    if not may_change(campaign, guard, now):
        return current, current
    step = current * guard.max_change_fraction
    low = max(_ceil_step(current - step), guard.min_daily_budget_micros)
    high = _floor_step(current + step) if data_problem(campaign, guard, to_raise=True) is None else current
    return min(low, current), max(high, current)


def project_ceiling(campaigns: Mapping[str, CampaignBudget], project: ProjectBudget) -> int:
    """Largest allowed sum of daily budgets: the caps, or today's sum if that is already above them."""
    current = sum(c.daily_budget_micros for c in campaigns.values() if c.active)
    limits = [current]
    caps = []
    if project.daily_cap_micros is not None:
        caps.append(project.daily_cap_micros)
    if project.total_budget_micros is not None:
        caps.append(max(project.total_budget_micros - project.spent_micros, 0))
    if caps:
        limits = [max(min(caps), 0)]
        if current > limits[0]:
            return current  # already above: a plan may only keep or lower the sum
    return limits[0]


def check_budget_plan(
    plan: Mapping[str, int],
    campaigns: Mapping[str, CampaignBudget],
    *,
    guard: Guardrails,
    project: ProjectBudget,
    now: datetime,
) -> list[Violation]:
    """Every guardrail a plan (campaign -> new daily budget) breaks; empty when it may be applied."""
    out: list[Violation] = []
    for name, new in plan.items():
        campaign = campaigns.get(name)
        if campaign is None:
            out.append(Violation(name, "unknown_campaign", "the campaign is not known to the optimiser"))
            continue
        current = campaign.daily_budget_micros
        if new == current:
            continue
        if not campaign.active:
            out.append(Violation(name, "inactive", "the campaign is not delivering"))
        if cooling_down(campaign, guard, now):
            out.append(
                Violation(
                    name, "cooldown", f"changed at {campaign.last_changed_at}, cool-down {guard.cooldown}"
                )
            )
        problem = data_problem(campaign, guard, to_raise=new > current)
        if problem:
            out.append(Violation(name, "min_data", problem))
        if abs(new - current) > current * guard.max_change_fraction + 1e-9:
            out.append(
                Violation(
                    name,
                    "max_change",
                    f"{current} -> {new} changes more than {guard.max_change_fraction:.0%} of the budget",
                )
            )
        if new < guard.min_daily_budget_micros and new < current:
            out.append(
                Violation(name, "min_budget", f"{new} below the minimum {guard.min_daily_budget_micros}")
            )
    before = sum(c.daily_budget_micros for c in campaigns.values() if c.active)
    after = sum(plan.get(name, c.daily_budget_micros) for name, c in campaigns.items() if c.active)
    ceiling = project_ceiling(campaigns, project)
    if after > ceiling and after > before:
        out.append(Violation(None, "budget_cap", f"daily budgets would sum to {after} > {ceiling}"))
    return out


def _ceil_step(micros: float) -> int:
    return int(math.ceil(micros / BUDGET_STEP_MICROS - 1e-9)) * BUDGET_STEP_MICROS


def _floor_step(micros: float) -> int:
    return int(math.floor(micros / BUDGET_STEP_MICROS + 1e-9)) * BUDGET_STEP_MICROS
