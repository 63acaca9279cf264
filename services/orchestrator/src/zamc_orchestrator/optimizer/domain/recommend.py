"""Recommendation drafts: what to do, why (evidence), expected impact with an interval, confidence.

Pure functions from plans and decisions to `Draft`s; the service gives each an id, stores it,
publishes it as `zamc.optimization.recommended.v1` and (autopilot) applies it. `topic` names what
a recommendation is about, so a newer one on the same topic supersedes the open one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from zamc_events.contracts.optimization import ExpectedImpact, RecommendedAction
from zamc_orchestrator.optimizer.domain.budgets import BudgetPlan
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, CampaignModel
from zamc_orchestrator.optimizer.domain.siblings import SiblingDecision

MICROS = 1_000_000
AUTOMATABLE = frozenset({"budget_shift", "pause", "resume", "ab_winner"})


@dataclass(frozen=True)
class Draft:
    kind: str
    topic: str
    title: str
    actions: list[RecommendedAction]
    evidence: dict
    expected_impact: ExpectedImpact | None
    confidence: float
    applicable: bool = True  # False: advice only (warnings, bid targets: no platform command yet)
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
    ups = [c for c in plan.changes if c.new_micros > c.current_micros]
    downs = [c for c in plan.changes if c.new_micros < c.current_micros]
    moved = sum(c.current_micros - c.new_micros for c in downs)
    platforms = {c.key.platform for c in plan.changes}
    across = " across Google Ads and Meta" if len(platforms) > 1 else ""
    title = (
        f"Move {_money(moved, currency)}/day{across} from {len(downs)} campaign(s) with the lowest "
        f"marginal ROAS to {len(ups)} with the highest"
    )
    if not downs:
        title = f"Raise {len(ups)} campaign budget(s) within the daily cap"
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
    tolerance: float = 0.15,
) -> list[Draft]:
    """Google campaigns bidding to a target: align the target with the portfolio's marginal ROAS.

    At the optimum the last euro earns the same everywhere, so a TARGET_ROAS campaign should aim at
    that marginal ROAS and a TARGET_CPA campaign at value per conversion / marginal ROAS.
    """
    out = []
    if portfolio_marginal_roas <= 0:
        return out
    for history in histories:
        bidding = history.bidding_strategy
        if history.key.platform != "google_ads" or bidding not in ("TARGET_ROAS", "TARGET_CPA"):
            continue
        model = models[history.key]
        if model.conversions < 10:
            continue
        action = {
            "platform": history.key.platform,
            "account_external_id": history.key.account_external_id,
            "platform_object_id": history.key.campaign_id,
            "object_kind": "campaign",
        }
        current = history.bid_target
        if bidding == "TARGET_ROAS":
            target = round(portfolio_marginal_roas, 2)
            title = f"Set the target ROAS of campaign {history.key.campaign_id} to {target:.2f}"
            action["target_roas"] = target
        else:
            target = round(model.value_per_conversion.mean / portfolio_marginal_roas)
            title = f"Set the target CPA of campaign {history.key.campaign_id} to {target / MICROS:,.2f}"
            action["target_cpa_micros"] = target
        if current and abs(target - current) <= tolerance * current:
            continue
        out.append(
            Draft(
                kind="bid_adjustment",
                topic=f"bid:{history.key}",
                title=title,
                actions=[RecommendedAction(**action)],
                evidence={
                    "bidding_strategy": bidding,
                    "current_target": current,
                    "portfolio_marginal_roas": round(portfolio_marginal_roas, 4),
                    "value_per_conversion_micros": round(model.value_per_conversion.mean),
                    "rule": "bid to the marginal ROAS at which the portfolio's budgets are balanced",
                    "tolerance": tolerance,
                },
                expected_impact=None,
                confidence=0.5,
                applicable=False,
            )
        )
    return out
