"""Guardrails: configuration enforced in code on every change the optimiser proposes or applies.

- a campaign's daily budget moves by at most `max_change_fraction` of its current budget per step;
- a campaign changed less than `cooldown` ago is not changed again, whatever the change: its
  budget, its bid target, or the status of one of its ads, ad groups or ad sets;
- a campaign's budget or bid target moves only after `min_impressions` and `min_spend_micros`,
  and a budget is raised only after `min_conversions` too (spend without conversions is evidence
  enough to lower it);
- provisional-only data (no mature hour yet: none settled, none older than its platform's
  `maturity_hours`, see `model.py`) is not acted on unless `allow_provisional`, whatever the change;
- a bid target (target ROAS or CPA) moves by at most `max_change_fraction` of its current value;
- the project's daily budget (sum of its campaigns' daily budgets) never exceeds `daily_cap_micros`
  and never exceeds what is left of its total budget; a plan never raises a sum already above them;
- a budget never goes below the platform minimum;
- an ad is paused only if its siblings keep at least one delivering ad.

`budget_bounds` gives the interval a campaign's next budget may take; `check_changes` verifies
the changes of any recommendation (budget shift, pause, resume, A/B winner, bid target), at
creation and again at application; `check_budget_plan` is its shorthand for budget plans.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

BUDGET_STEP_MICROS = 10_000  # budgets move in whole cents
BUDGET = "daily_budget_micros"
STATUS = "status"
BID_TARGETS = frozenset({"target_roas", "target_cpa_micros"})


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
    has_settled_data: bool  # at least one mature hour: settled, or older than the platform's maturity
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


@dataclass(frozen=True, slots=True)
class Change:
    """One change a recommendation makes, as the guardrails see it.

    `campaign` is the campaign the changed object belongs to (an ad's or ad group's campaign);
    `field` is `daily_budget_micros`, `status`, `target_roas` or `target_cpa_micros`.
    """

    campaign: str
    field: str
    current: float | str | None
    new: float | str | None


def cooling_down(campaign: CampaignBudget, guard: Guardrails, now: datetime) -> bool:
    return campaign.last_changed_at is not None and now - campaign.last_changed_at < guard.cooldown


def provisional_problem(campaign: CampaignBudget, guard: Guardrails) -> str | None:
    if not campaign.has_settled_data and not guard.allow_provisional:
        return "only provisional data"
    return None


def data_problem(campaign: CampaignBudget, guard: Guardrails, *, to_raise: bool = False) -> str | None:
    """Why the data do not yet allow changing (or, with `to_raise`, raising) the budget."""
    if campaign.impressions < guard.min_impressions:
        return f"{campaign.impressions} impressions < {guard.min_impressions}"
    if campaign.spend_micros < guard.min_spend_micros:
        return f"spend {campaign.spend_micros} micros < {guard.min_spend_micros}"
    if problem := provisional_problem(campaign, guard):
        return problem
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


def check_changes(
    changes: Sequence[Change],
    campaigns: Mapping[str, CampaignBudget],
    *,
    guard: Guardrails,
    project: ProjectBudget,
    now: datetime,
) -> list[Violation]:
    """Every guardrail the changes of one recommendation break; empty when they may be applied.

    The one check for every kind of recommendation: rules of the campaign (known, cool-down, data)
    apply once to each campaign the changes touch, rules of the field to each change.
    """
    out: list[Violation] = []
    by_campaign: dict[str, list[Change]] = {}
    for change in changes:
        campaign = campaigns.get(change.campaign)
        if change.field == BUDGET and campaign is not None and change.new == campaign.daily_budget_micros:
            continue  # not a change
        by_campaign.setdefault(change.campaign, []).append(change)
    budgets: dict[str, int] = {}
    for name, mine in by_campaign.items():
        campaign = campaigns.get(name)
        if campaign is None:
            out.append(Violation(name, "unknown_campaign", "the campaign is not known to the optimiser"))
            continue
        current = campaign.daily_budget_micros
        if cooling_down(campaign, guard, now):
            out.append(
                Violation(
                    name, "cooldown", f"changed at {campaign.last_changed_at}, cool-down {guard.cooldown}"
                )
            )
        raises = any(c.field == BUDGET and int(c.new) > current for c in mine)  # type: ignore[arg-type]
        if any(c.field == BUDGET or c.field in BID_TARGETS for c in mine):
            problem = data_problem(campaign, guard, to_raise=raises)
        else:
            problem = provisional_problem(campaign, guard)
        if problem:
            out.append(Violation(name, "min_data", problem))
        for change in mine:
            if change.field == BUDGET:
                budgets[name] = int(change.new)  # type: ignore[arg-type]
                out += _budget_violations(name, campaign, budgets[name], guard)
            elif change.field in BID_TARGETS:
                out += _target_violations(name, change, guard)
            elif change.field != STATUS:
                out.append(Violation(name, "unknown_field", f"the guardrails do not know {change.field}"))
    if budgets:
        before = sum(c.daily_budget_micros for c in campaigns.values() if c.active)
        after = sum(budgets.get(name, c.daily_budget_micros) for name, c in campaigns.items() if c.active)
        ceiling = project_ceiling(campaigns, project)
        if after > ceiling and after > before:
            out.append(Violation(None, "budget_cap", f"daily budgets would sum to {after} > {ceiling}"))
    return out


def _budget_violations(name: str, campaign: CampaignBudget, new: int, guard: Guardrails) -> list[Violation]:
    current = campaign.daily_budget_micros
    out = []
    if not campaign.active:
        out.append(Violation(name, "inactive", "the campaign is not delivering"))
    if abs(new - current) > current * guard.max_change_fraction + 1e-9:
        out.append(
            Violation(
                name,
                "max_change",
                f"{current} -> {new} changes more than {guard.max_change_fraction:.0%} of the budget",
            )
        )
    if new < guard.min_daily_budget_micros and new < current:
        out.append(Violation(name, "min_budget", f"{new} below the minimum {guard.min_daily_budget_micros}"))
    return out


def _target_violations(name: str, change: Change, guard: Guardrails) -> list[Violation]:
    old, new = change.current, change.new
    if not isinstance(old, int | float) or old <= 0 or not isinstance(new, int | float):
        return [Violation(name, "max_change", f"{change.field}: no current target to step from")]
    if abs(new - old) > old * guard.max_change_fraction + 1e-9:
        return [
            Violation(
                name,
                "max_change",
                f"{change.field} {old:g} -> {new:g} changes more than "
                f"{guard.max_change_fraction:.0%} of the target",
            )
        ]
    return []


def check_budget_plan(
    plan: Mapping[str, int],
    campaigns: Mapping[str, CampaignBudget],
    *,
    guard: Guardrails,
    project: ProjectBudget,
    now: datetime,
) -> list[Violation]:
    """Every guardrail a budget plan (campaign -> new daily budget) breaks: `check_changes` of it."""
    changes = [
        Change(name, BUDGET, campaigns[name].daily_budget_micros if name in campaigns else None, new)
        for name, new in plan.items()
    ]
    return check_changes(changes, campaigns, guard=guard, project=project, now=now)


def _ceil_step(micros: float) -> int:
    return int(math.ceil(micros / BUDGET_STEP_MICROS - 1e-9)) * BUDGET_STEP_MICROS


def _floor_step(micros: float) -> int:
    return int(math.floor(micros / BUDGET_STEP_MICROS + 1e-9)) * BUDGET_STEP_MICROS
