"""Recommendation drafts: what to do, why (evidence), expected impact with an interval, confidence.

Pure functions from plans and decisions to `Draft`s; the service gives each an id, stores it,
publishes it as `zamc.optimization.recommended.v1` and (autopilot) applies it. `topic` names what
a recommendation is about, so a newer one on the same topic supersedes the open one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from zamc_events.contracts.optimization import ExpectedImpact, RecommendedAction
from zamc_orchestrator.optimizer.domain.budgets import BudgetChange, BudgetPlan, budget_state
from zamc_orchestrator.optimizer.domain.guardrails import Change, Guardrails, ProjectBudget, check_changes
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, CampaignModel, CurveDraws
from zamc_orchestrator.optimizer.domain.siblings import SiblingDecision

MICROS = 1_000_000
AUTOMATABLE = frozenset({"budget_shift", "bid_adjustment", "pause", "resume", "ab_winner"})


@dataclass(frozen=True)
class Draft:
    kind: str
    topic: str
    title: str
    actions: list[RecommendedAction]
    evidence: dict
    expected_impact: ExpectedImpact | None
    confidence: float
    applicable: bool = True  # False: advice only (warnings): nothing to send to a platform
    extra: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Same actions -> same fingerprint: an unchanged recommendation is not published again."""
        body = json.dumps(
            [self.kind, self.topic, [a.model_dump(mode="json") for a in self.actions]], sort_keys=True
        )
        return hashlib.sha256(body.encode()).hexdigest()


def _money(micros: float, currency: str) -> str:
    return f"{micros / MICROS:,.2f} {currency}"


def budget_draft(plan: BudgetPlan, *, project_topic: str, currency: str) -> Draft:
    title = budget_title(plan.changes, currency=currency)
    actions = [
        RecommendedAction(
            platform=c.key.platform,  # type: ignore[arg-type]
            account_external_id=c.key.account_external_id,
            platform_object_id=c.key.campaign_id,
            object_kind="campaign",
            daily_budget_micros=c.new_micros,
            current_daily_budget_micros=c.current_micros,
        )
        for c in plan.changes
    ]
    return Draft(
        kind="budget_shift",
        topic=f"budget:{project_topic}",
        title=title,
        actions=actions,
        evidence={**plan.evidence, "rule": "equalise marginal ROAS; Thompson sampling over the posterior"},
        expected_impact=ExpectedImpact(
            metric="conversion_value_micros_per_day",
            delta=round(plan.expected_delta),
            low=round(plan.low),
            high=round(plan.high),
        ),
        confidence=round(min(max(plan.confidence, 0.0), 1.0), 4),
    )


def budget_title(changes: Sequence[BudgetChange], *, currency: str) -> str:
    """What a budget step does, in money: what moves, and what is held back or added besides."""
    ups = [c for c in changes if c.new_micros > c.current_micros]
    downs = [c for c in changes if c.new_micros < c.current_micros]
    cut = sum(c.current_micros - c.new_micros for c in downs)
    raised = sum(c.new_micros - c.current_micros for c in ups)
    if not downs:
        return f"Raise {len(ups)} campaign budget(s) by {_money(raised, currency)}/day within the daily cap"
    if not ups:
        return f"Lower {len(downs)} campaign budget(s) with the lowest marginal ROAS by {_money(cut, currency)}/day"
    across = " across Google Ads and Meta" if len({c.key.platform for c in changes}) > 1 else ""
    title = (
        f"Move {_money(min(cut, raised), currency)}/day{across} from {len(downs)} campaign(s) with the "
        f"lowest marginal ROAS to {len(ups)} with the highest"
    )
    if cut > raised:
        title += (
            f"; {_money(cut - raised, currency)}/day is held back until the evidence says where it earns most"
        )
    elif raised > cut:
        title += f", and add {_money(raised - cut, currency)}/day within the daily cap"
    return title


def sibling_draft(
    decision: SiblingDecision,
    *,
    key: CampaignKey,
    level: str,
    parent_id: str,
    impressions_per_day: float,
) -> Draft:
    """`level` is the object kind of the siblings: ad, ad_group or ad_set."""
    status = "ENABLED" if decision.kind == "resume" else "PAUSED"
    actions = [
        RecommendedAction(
            platform=key.platform,  # type: ignore[arg-type]
            account_external_id=key.account_external_id,
            platform_object_id=object_id,
            object_kind=level,  # type: ignore[arg-type]
            status=status,
            parent_object_id=parent_id,
        )
        for object_id in decision.object_ids
    ]
    noun = level.replace("_", " ")
    metric = "CTR" if decision.metric == "ctr" else "conversions per impression"
    if decision.kind == "ab_winner":
        title = f"A/B test concluded in {parent_id}: keep {noun} {decision.keep}, pause {len(actions)} other(s) ({metric})"
    elif decision.kind == "pause":
        title = f"Pause {noun} {decision.object_ids[0]}: credibly worse {metric} than {decision.keep}"
    else:
        title = f"Resume {noun} {decision.object_ids[0]}: now likely better than its active siblings"
    unit = "clicks_per_day" if decision.metric == "ctr" else "conversions_per_day"
    return Draft(
        kind=decision.kind,
        topic=f"{decision.kind if decision.kind != 'ab_winner' else 'pause'}:{key}:{level}:{','.join(decision.object_ids)}"
        if decision.kind != "ab_winner"
        else f"ab:{key}:{parent_id}",
        title=title,
        actions=actions,
        evidence={**decision.evidence, "parent_object_id": parent_id, "level": level},
        expected_impact=ExpectedImpact(
            metric=unit,
            delta=round(decision.delta_per_impression * impressions_per_day, 4),
            low=round(decision.low * impressions_per_day, 4),
            high=round(decision.high * impressions_per_day, 4),
        ),
        confidence=round(min(max(decision.confidence, 0.0), 1.0), 4),
    )


def budget_limited_warnings(
    models: Mapping[CampaignKey, CampaignModel],
    histories: Sequence[CampaignHistory],
    *,
    rng: np.random.Generator,
    draws: int = 400,
    threshold: float = 0.95,
    min_probability: float = 0.8,
) -> list[Draft]:
    """A campaign that spends its whole budget while the next euro is likely profitable (mROAS > 1)."""
    out = []
    for history in histories:
        model = models[history.key]
        budget = history.daily_budget_micros or 0
        if budget <= 0 or model.utilisation < threshold or model.conversions < 1:
            continue
        marginal = model.sample(rng, draws).marginal_roas(budget)
        p_profitable = float((marginal > 1.0).mean())
        if p_profitable < min_probability:
            continue
        out.append(
            Draft(
                kind="warning",
                topic=f"budget_limited:{history.key}",
                title=f"Campaign {history.key.campaign_id} is limited by its budget: it spends "
                f"{model.utilisation:.0%} of it and the next euro is expected to return "
                f"{float(np.mean(marginal)):.2f}",
                actions=[],
                evidence={
                    "warning": "budget_limited",
                    "campaign_id": history.key.campaign_id,
                    "platform": history.key.platform,
                    "utilisation": round(model.utilisation, 4),
                    "marginal_roas": round(float(np.mean(marginal)), 4),
                    "marginal_roas_interval": [
                        round(float(np.quantile(marginal, 0.05)), 4),
                        round(float(np.quantile(marginal, 0.95)), 4),
                    ],
                    "probability_marginal_roas_above_1": round(p_profitable, 4),
                },
                expected_impact=None,
                confidence=round(p_profitable, 4),
                applicable=False,
            )
        )
    return out


def learning_reset_warnings(
    histories: Sequence[CampaignHistory], *, now: datetime, edits_per_week: int
) -> list[Draft]:
    """Meta re-enters the learning phase after significant edits; many edits in a week keep it there."""
    out = []
    for history in histories:
        if history.key.platform != "meta":
            continue
        edits = [at for at, _ in history.budgets[1:] if now - at <= timedelta(days=7)]
        if len(edits) < edits_per_week:
            continue
        out.append(
            Draft(
                kind="warning",
                topic=f"learning_reset:{history.key}",
                title=f"Meta campaign {history.key.campaign_id} was edited {len(edits)} times in 7 days: "
                "each significant edit restarts Meta's learning phase",
                actions=[],
                evidence={
                    "warning": "meta_learning_reset",
                    "campaign_id": history.key.campaign_id,
                    "edits_last_7_days": len(edits),
                    "edit_times": [at.isoformat() for at in edits],
                    "threshold": edits_per_week,
                },
                expected_impact=None,
                confidence=1.0,
                applicable=False,
            )
        )
    return out


def bid_target_drafts(
    models: Mapping[CampaignKey, CampaignModel],
    histories: Sequence[CampaignHistory],
    *,
    portfolio_marginal_roas: float,
    guard: Guardrails,
    now: datetime,
    rng: np.random.Generator,
    tolerance: float = 0.15,
    draws: int = 400,
    min_confidence: float = 0.5,
) -> list[Draft]:
    """Google campaigns bidding to a target: step the target towards the portfolio's marginal ROAS.

    At the optimum the last euro earns the same everywhere, so a TARGET_ROAS campaign should aim at
    that marginal ROAS and a TARGET_CPA campaign at value per conversion / marginal ROAS. The step
    is bounded like a budget step (`max_change_fraction` of the current target; a campaign without
    a known target is left alone) and the campaign must pass the same guardrails (cool-down, data).

    Expected impact, per posterior draw of the campaign's value curve: the platform spends where
    the curve's marginal ROAS meets its target (within the daily budget); the impact is the change
    of the campaign's daily conversion value less the spend it frees or takes, valued at the
    portfolio's marginal ROAS (what that money earns elsewhere). Confidence is P(impact > 0); a
    step that more likely than not changes nothing (below `min_confidence`) is not recommended.
    """
    out = []
    if portfolio_marginal_roas <= 0:
        return out
    for history in histories:
        bidding = history.bidding_strategy
        if history.key.platform != "google_ads" or bidding not in ("TARGET_ROAS", "TARGET_CPA"):
            continue
        model = models[history.key]
        current = history.bid_target
        budget = history.daily_budget_micros or 0
        if model.conversions < 10 or not current or current <= 0 or budget <= 0:
            continue
        value_per_conversion = model.value_per_conversion.mean
        roas_target = bidding == "TARGET_ROAS"
        goal = portfolio_marginal_roas if roas_target else value_per_conversion / portfolio_marginal_roas
        if abs(goal - current) <= tolerance * current:
            continue
        new = _bounded_step(current, goal, guard.max_change_fraction, unit=0.01 if roas_target else 10_000)
        if new is None:
            continue
        field_name = "target_roas" if roas_target else "target_cpa_micros"
        change = Change(str(history.key), field_name, current, new)
        state = budget_state(model, history)
        if check_changes([change], {state.campaign: state}, guard=guard, project=ProjectBudget(), now=now):
            continue
        impact = _bid_impact(
            model.sample(rng, draws),
            budget=budget,
            roas_now=current if roas_target else value_per_conversion / current,
            roas_new=new if roas_target else value_per_conversion / new,
            portfolio_marginal_roas=portfolio_marginal_roas,
        )
        if impact["delta"] <= 0 or impact["confidence"] < min_confidence:
            continue  # e.g. the budget, not the target, limits the campaign: the step changes little
        action = {
            "platform": history.key.platform,
            "account_external_id": history.key.account_external_id,
            "platform_object_id": history.key.campaign_id,
            "object_kind": "campaign",
        }
        if roas_target:
            title = f"Set the target ROAS of campaign {history.key.campaign_id} to {new:.2f}"
            action["target_roas"] = new
        else:
            title = f"Set the target CPA of campaign {history.key.campaign_id} to {new / MICROS:,.2f}"
            action["target_cpa_micros"] = int(new)
        out.append(
            Draft(
                kind="bid_adjustment",
                topic=f"bid:{history.key}",
                title=title,
                actions=[RecommendedAction(**action)],
                evidence={
                    "bidding_strategy": bidding,
                    "current_target": current,
                    "goal_target": round(goal, 4),
                    "proposed_target": new,
                    "portfolio_marginal_roas": round(portfolio_marginal_roas, 4),
                    "value_per_conversion_micros": round(value_per_conversion),
                    "rule": "bid to the marginal ROAS at which the portfolio's budgets are balanced, "
                    f"at most {guard.max_change_fraction:.0%} of the target per step",
                    "impact_rule": "change of the campaign's daily conversion value less the spend it "
                    "frees or takes, valued at the portfolio's marginal ROAS",
                    "probability_better": impact["confidence"],
                    "draws": draws,
                    "tolerance": tolerance,
                },
                expected_impact=ExpectedImpact(
                    metric="net_conversion_value_micros_per_day",
                    delta=round(impact["delta"]),
                    low=round(impact["low"]),
                    high=round(impact["high"]),
                ),
                confidence=impact["confidence"],
            )
        )
    return out


def _bounded_step(current: float, goal: float, fraction: float, *, unit: float) -> float | None:
    """`current` moved towards `goal` by at most `fraction` of it, rounded to `unit` (None: no step)."""
    bound = current * fraction
    step = min(max(goal - current, -bound), bound)
    for units in range(math.floor(abs(step) / unit + 1e-9), 0, -1):
        new: float = current + math.copysign(units * unit, step)
        new = round(new, 2) if unit < 1 else int(round(new / unit) * unit)
        if 0 < abs(new - current) <= bound + 1e-9 and new > 0:
            return new
    return None


def _bid_impact(
    curves: CurveDraws,
    *,
    budget: float,
    roas_now: float,
    roas_new: float,
    portfolio_marginal_roas: float,
    points: int = 129,
) -> dict[str, float]:
    grid = np.linspace(0.0, float(budget), points)[:, None]
    value = curves.value(grid)  # (points, draws)
    spend = grid * curves.utilisation[None, :]
    columns = np.arange(value.shape[1])
    before = np.argmax(value - roas_now * spend, axis=0)
    after = np.argmax(value - roas_new * spend, axis=0)
    delta = (value[after, columns] - value[before, columns]) - portfolio_marginal_roas * (
        spend[after, columns] - spend[before, columns]
    )
    return {
        "delta": float(delta.mean()),
        "low": float(np.quantile(delta, 0.05)),
        "high": float(np.quantile(delta, 0.95)),
        "confidence": round(float((delta > 0).mean()), 4),
    }
