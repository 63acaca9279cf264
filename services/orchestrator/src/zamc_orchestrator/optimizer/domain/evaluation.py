"""One optimiser round over a project, without I/O: every draft through the one guardrail check.

The service loads the project, judges the siblings (their ad rows live in the database) and
hands the sibling drafts to `draft_round`, which adds the budget step, the warnings and the bid
targets and drops every draft whose changes break a guardrail (`check_changes`, the same check
the service repeats when a recommendation is applied). `autopilot_order` then says which drafts
the autopilot may apply in this round: at most one change per campaign, as the cool-down allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from zamc_events.contracts.optimization import RecommendedAction
from zamc_orchestrator.optimizer.domain.budgets import BudgetPlan, budget_state, plan_budgets
from zamc_orchestrator.optimizer.domain.guardrails import (
    BUDGET,
    STATUS,
    Change,
    Guardrails,
    ProjectBudget,
    Violation,
    check_changes,
)
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, CampaignModel
from zamc_orchestrator.optimizer.domain.recommend import (
    Draft,
    bid_target_drafts,
    budget_draft,
    budget_limited_warnings,
    learning_reset_warnings,
)

CampaignOf = Callable[[RecommendedAction], CampaignKey | None]  # the campaign an action's object is in


def changes_of(
    actions: Sequence[RecommendedAction],
    *,
    campaign_of: CampaignOf,
    histories: Mapping[CampaignKey, CampaignHistory],
) -> list[Change]:
    """The changes of a recommendation as the guardrails see them, each with its campaign."""
    out: list[Change] = []
    for action in actions:
        key = (
            CampaignKey(action.platform, action.account_external_id, action.platform_object_id)
            if action.object_kind == "campaign"
            else campaign_of(action)
        )
        campaign = (
            str(key)
            if key is not None
            else f"{action.platform}:{action.account_external_id}:?{action.platform_object_id}"
        )
        if action.daily_budget_micros is not None:
            out.append(
                Change(campaign, BUDGET, action.current_daily_budget_micros, action.daily_budget_micros)
            )
        if action.status is not None:
            out.append(Change(campaign, STATUS, None, action.status))
        history = histories.get(key) if key is not None else None
        current_target = history.bid_target if history is not None else None
        if action.target_roas is not None:
            out.append(Change(campaign, "target_roas", current_target, action.target_roas))
        if action.target_cpa_micros is not None:
            out.append(Change(campaign, "target_cpa_micros", current_target, action.target_cpa_micros))
    return out


@dataclass
class Round:
    drafts: list[Draft]
    plan: BudgetPlan | None
    held: list[tuple[Draft, list[Violation]]] = field(default_factory=list)  # dropped, and why


def draft_round(
    *,
    histories: Sequence[CampaignHistory],
    models: Mapping[CampaignKey, CampaignModel],
    sibling_drafts: Sequence[Draft],
    campaign_of: CampaignOf,
    automated: Callable[[Draft], bool],
    guard: Guardrails,
    project: ProjectBudget,
    now: datetime,
    rng: np.random.Generator,
    draws: int,
    currency: str,
    project_topic: str,
    edits_per_week: int,
) -> Round:
    """Every recommendation of one round that keeps every guardrail.

    Status changes (pause, resume, A/B winner) come first: a campaign the autopilot will change
    one of its ads or ad groups in is held from this round's budget step (one change per campaign
    per cool-down). `automated` says whether the autopilot would apply a draft.
    """
    by_key = {h.key: h for h in histories}
    states = {str(h.key): budget_state(models[h.key], h) for h in histories}
    held: list[tuple[Draft, list[Violation]]] = []

    def keeps_guardrails(draft: Draft) -> bool:
        changes = changes_of(draft.actions, campaign_of=campaign_of, histories=by_key)
        violations = check_changes(changes, states, guard=guard, project=project, now=now)
        if violations:
            held.append((draft, violations))
        return not violations

    drafts = [d for d in sibling_drafts if keeps_guardrails(d)]
    busy: dict[str, str] = {}
    for draft in drafts:
        if automated(draft):
            for change in changes_of(draft.actions, campaign_of=campaign_of, histories=by_key):
                busy.setdefault(change.campaign, f"changed in this round by: {draft.title}")
    plan = plan_budgets(
        histories=histories,
        models=models,
        guard=guard,
        project=project,
        now=now,
        rng=rng,
        draws=draws,
        busy=busy,
    )
    if plan is not None:
        drafts.append(budget_draft(plan, project_topic=project_topic, currency=currency))
    with_data = [h for h in histories if h.hours]
    drafts += budget_limited_warnings(models, with_data, rng=rng)
    drafts += learning_reset_warnings(histories, now=now, edits_per_week=edits_per_week)
    if plan is not None:
        marginals = [c["marginal_roas"] for c in plan.evidence["campaigns"]]
        drafts += bid_target_drafts(
            models,
            with_data,
            portfolio_marginal_roas=float(np.median(marginals)),
            guard=guard,
            now=now,
            rng=rng,
        )
    drafts = [d for d in drafts if keeps_guardrails(d)]  # every kind, the budget step included
    return Round(drafts=drafts, plan=plan, held=held)


def autopilot_order(
    drafts: Sequence[Draft], *, automated: Callable[[Draft], bool], campaigns_of: Callable[[Draft], set[str]]
) -> list[bool]:
    """Which drafts the autopilot applies in this round, in order: those it would, while no earlier
    one changed the same campaign (the later wait for the cool-down, then apply as they stand)."""
    changed: set[str] = set()
    out = []
    for draft in drafts:
        touched = campaigns_of(draft)
        ok = automated(draft) and not touched & changed
        if ok:
            changed |= touched
        out.append(ok)
    return out
