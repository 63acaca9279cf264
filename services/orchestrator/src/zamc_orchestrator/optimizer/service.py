"""The optimiser's service layer: evaluate a project, publish recommendations, apply, dismiss.

`Emit` is how events leave: a handler passes `ctx.emit` (the event is caused by the one being
handled), the evaluation job passes the publisher's `emit` bound to its session. Both write an
outbox row in the caller's transaction, with the state change.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import structlog
from sqlalchemy import case, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.base import Event
from zamc_events.contracts.campaign import (
    GoogleAdsBidTargetUpdateRequested,
    GoogleAdsBudgetUpdateRequested,
    GoogleAdsStatusUpdateRequested,
    MetaBudgetUpdateRequested,
    MetaStatusUpdateRequested,
)
from zamc_events.contracts.optimization import (
    OptimizationApplied,
    OptimizationClosed,
    OptimizationRecommended,
    RecommendedAction,
)
from zamc_orchestrator.optimizer import repository as repo
from zamc_orchestrator.optimizer import tables as t
from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import (
    budget_state,
    history_state,
    project_budget,
)
from zamc_orchestrator.optimizer.domain.evaluation import autopilot_order, changes_of, draft_round
from zamc_orchestrator.optimizer.domain.guardrails import BID_TARGETS, Change, ProjectBudget, check_changes
from zamc_orchestrator.optimizer.domain.model import CampaignKey, fit_portfolio
from zamc_orchestrator.optimizer.domain.recommend import (
    AUTOMATABLE,
    Draft,
    sibling_draft,
)
from zamc_orchestrator.optimizer.domain.siblings import Sibling, SiblingRules, judge_siblings

log = structlog.get_logger("zamc.optimizer")

Emit = Callable[[Event], Awaitable[Any]]
BUDGET_COMMANDS = {"google_ads": GoogleAdsBudgetUpdateRequested, "meta": MetaBudgetUpdateRequested}
STATUS_COMMANDS = {"google_ads": GoogleAdsStatusUpdateRequested, "meta": MetaStatusUpdateRequested}
BID_TARGET_COMMANDS = {"google_ads": GoogleAdsBidTargetUpdateRequested}  # Meta: bids stay the platform's
EVALUATION_LOCK = 0x7A616D636F7074  # pg advisory lock: one optimiser round at a time, across replicas


def _rng(project_id: uuid.UUID, now: datetime) -> np.random.Generator:
    """Reproducible within an hour, so an unchanged situation gives an unchanged recommendation."""
    hour = int(now.timestamp() // 3600)
    return np.random.default_rng([project_id.int & 0xFFFFFFFFFFFF, hour])


# ----- evaluation ---------------------------------------------------------------------------------
async def evaluate_project(
    *, session: AsyncSession, emit: Emit, project_id: uuid.UUID, settings: OptimizerSettings, now: datetime
) -> list[uuid.UUID]:
    """Fit the project's campaigns, publish what changed in the recommendations; autopilot applies."""
    state = await repo.load_project(session, project_id, lock=True)
    if state is None or not state.histories:
        return []
    with_data = [h for h in state.histories if h.hours]
    if not with_data:
        return []
    rng = _rng(project_id, now)
    models = fit_portfolio(state.histories, now=now, base=settings.priors())
    result = draft_round(
        histories=state.histories,
        models=models,
        sibling_drafts=await _sibling_drafts(session, state, settings, rng, now),
        campaign_of=lambda action: _campaign_key(state, action),
        automated=lambda draft: _autopilot(state, draft),
        guard=settings.guardrails(),
        project=_project_budget(state),
        now=now,
        rng=rng,
        draws=settings.thompson_draws,
        currency=state.currency or with_data[0].currency,
        project_topic=str(project_id),
        edits_per_week=settings.meta_edits_warning_per_week,
    )
    for draft, violations in result.held:
        log.info(
            "not recommended: it would break a guardrail",
            kind=draft.kind,
            topic=draft.topic,
            violations=[f"{v.rule}: {v.message}" for v in violations],
        )
    return await _publish(session, emit, state, result.drafts, settings, now)


async def _sibling_drafts(
    session: AsyncSession, state: repo.ProjectState, settings: OptimizerSettings, rng, now: datetime
) -> list[Draft]:
    rules = SiblingRules(
        min_impressions=settings.ad_min_impressions,
        min_clicks=settings.ad_min_clicks,
        pause_probability=settings.pause_probability,
        resume_probability=settings.resume_probability,
        ab_expected_loss=settings.ab_expected_loss,
    )
    hours = await repo.ad_hours_of(session, state.ads)
    keys = {(k.platform, k.account_external_id, k.campaign_id): k for k in (h.key for h in state.histories)}
    by_group: dict[tuple, list[Any]] = defaultdict(list)
    by_campaign: dict[tuple, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for ad in state.ads:
        ck = (ad.platform, ad.account_external_id, ad.campaign_id)
        if ck not in keys or not ad.ad_group_id:
            continue
        by_group[(*ck, ad.ad_group_id)].append(ad)
        by_campaign[ck][ad.ad_group_id].append(ad)

    def totals(ad: Any, since: datetime | None = None) -> tuple[int, int, float, int]:
        rows = [
            r
            for r in hours.get((ad.platform, ad.account_external_id, ad.ad_id), [])
            if since is None or r[0] >= since
        ]
        return sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows), len(rows)

    drafts: list[Draft] = []
    for (platform, account, campaign_id, group_id), ads in by_group.items():
        paused_at = min(
            (a.status_changed_at for a in ads if a.status == "PAUSED" and a.status_changed_at), default=None
        )
        siblings = []
        per_hour = 0.0
        for ad in ads:
            imps, clicks, conv, n_hours = totals(ad)
            recent = totals(ad, paused_at) if paused_at and ad.status == "ENABLED" else None
            siblings.append(
                Sibling(
                    object_id=ad.ad_id,
                    impressions=imps,
                    clicks=clicks,
                    conversions=conv,
                    active=ad.status == "ENABLED",
                    paused_by_optimizer=ad.paused_by_optimizer,
                    recent_impressions=recent[0] if recent else None,
                    recent_clicks=recent[1] if recent else None,
                    recent_conversions=recent[2] if recent else None,
                )
            )
            per_hour += imps / max(n_hours, 1)
        for decision in judge_siblings(siblings, rules, rng):
            drafts.append(
                sibling_draft(
                    decision,
                    key=keys[(platform, account, campaign_id)],
                    level="ad",
                    parent_id=group_id,
                    impressions_per_day=per_hour * 24 / max(len(ads), 1),
                )
            )
    for ck, groups in by_campaign.items():
        if len(groups) < 2:
            continue
        siblings = []
        for group_id, ads in groups.items():
            sums = [totals(a) for a in ads]
            siblings.append(
                Sibling(
                    object_id=group_id,
                    impressions=sum(s[0] for s in sums),
                    clicks=sum(s[1] for s in sums),
                    conversions=sum(s[2] for s in sums),
                    active=any(a.status == "ENABLED" for a in ads),
                    paused_by_optimizer=all(a.paused_by_optimizer for a in ads),
                )
            )
        level = "ad_set" if ck[0] == "meta" else "ad_group"
        for decision in judge_siblings(siblings, rules, rng):
            if decision.kind == "ab_winner":
                continue  # ad groups differ in audience, not one creative: pause/resume only
            drafts.append(
                sibling_draft(decision, key=keys[ck], level=level, parent_id=ck[2], impressions_per_day=0.0)
            )
    return drafts


async def _publish(
    session: AsyncSession,
    emit: Emit,
    state: repo.ProjectState,
    drafts: list[Draft],
    settings: OptimizerSettings,
    now: datetime,
) -> list[uuid.UUID]:
    published: list[uuid.UUID] = []
    topics = {d.topic for d in drafts}
    # a budget recommendation the latest round no longer makes is stale; anything open too long expires
    too_old = t.recommendations.c.created_at < now - timedelta(hours=settings.recommendation_ttl_hours)
    expired = await session.execute(
        update(t.recommendations)
        .where(
            t.recommendations.c.project_id == state.project_id,
            t.recommendations.c.status == "open",
            too_old
            | (
                (t.recommendations.c.kind == "budget_shift")
                & t.recommendations.c.topic.not_in(sorted(topics) or [""])
            ),
        )
        .values(
            status="expired",
            decided_at=now,
            reason=case(
                (too_old, f"open for more than {settings.recommendation_ttl_hours:g} h"),
                else_="no longer recommended: the latest figures call for a different budget split",
            ),
        )
        .returning(t.recommendations.c.recommendation_id, t.recommendations.c.reason)
    )
    for row in expired.all():
        await emit(
            OptimizationClosed(recommendation_id=row.recommendation_id, status="expired", reason=row.reason)
        )
    order = autopilot_order(
        drafts,
        automated=lambda draft: _autopilot(state, draft),
        campaigns_of=lambda draft: {c.campaign for c in _changes(state, draft.actions)},
    )
    for draft, autopilot in zip(drafts, order, strict=True):
        fingerprint = draft.fingerprint()
        open_row = (
            await session.execute(
                select(t.recommendations).where(
                    t.recommendations.c.topic == draft.topic, t.recommendations.c.status == "open"
                )
            )
        ).first()
        if open_row is not None and open_row.fingerprint == fingerprint:
            if autopilot:  # published when another change of its campaign came first
                await session.execute(
                    update(t.recommendations)
                    .where(t.recommendations.c.recommendation_id == open_row.recommendation_id)
                    .values(autopilot=True)
                )
                await apply_recommendation(
                    session=session,
                    emit=emit,
                    recommendation_id=open_row.recommendation_id,
                    actor="autopilot",
                    settings=settings,
                    now=now,
                )
            continue
        if open_row is not None:
            reason = "superseded by a newer recommendation on the same topic"
            await session.execute(
                update(t.recommendations)
                .where(t.recommendations.c.recommendation_id == open_row.recommendation_id)
                .values(status="superseded", decided_at=now, reason=reason)
            )
            await emit(
                OptimizationClosed(
                    recommendation_id=open_row.recommendation_id, status="superseded", reason=reason
                )
            )
        recommendation_id = uuid.uuid4()
        event = OptimizationRecommended(
            recommendation_id=recommendation_id,
            project_id=state.project_id,
            kind=draft.kind,  # type: ignore[arg-type]
            title=draft.title,
            actions=draft.actions,
            evidence={**draft.evidence, "applicable": draft.applicable},
            expected_impact=draft.expected_impact,
            confidence=draft.confidence,
            autopilot=autopilot,
        )
        await session.execute(
            t.recommendations.insert().values(
                recommendation_id=recommendation_id,
                project_id=state.project_id,
                tenant_id=state.tenant_id,
                kind=draft.kind,
                topic=draft.topic,
                status="open",
                autopilot=autopilot,
                payload=event.model_dump(mode="json"),
                fingerprint=fingerprint,
                created_at=now,
            )
        )
        await emit(event)
        published.append(recommendation_id)
        if autopilot:
            await apply_recommendation(
                session=session,
                emit=emit,
                recommendation_id=recommendation_id,
                actor="autopilot",
                settings=settings,
                now=now,
            )
    return published


def _project_budget(state: repo.ProjectState) -> ProjectBudget:
    return project_budget(
        state.histories,
        daily_cap_micros=state.daily_cap_micros,
        total_budget_micros=state.total_budget_micros,
    )


def _autopilot(state: repo.ProjectState, draft: Draft) -> bool:
    return state.autopilot and draft.applicable and draft.kind in AUTOMATABLE and _in_scope(state, draft)


def _changes(state: repo.ProjectState, actions: list[RecommendedAction]) -> list[Change]:
    return changes_of(
        actions,
        campaign_of=lambda action: _campaign_key(state, action),
        histories={h.key: h for h in state.histories},
    )


def _in_scope(state: repo.ProjectState, draft: Draft) -> bool:
    if not state.autopilot_campaign_ids:
        return True
    allowed = set(state.autopilot_campaign_ids)
    campaigns = {
        a.platform_object_id if a.object_kind == "campaign" else _campaign_of(state, a) for a in draft.actions
    }
    return campaigns <= allowed


def _campaign_of(state: repo.ProjectState, action: RecommendedAction) -> str | None:
    for ad in state.ads:
        if action.platform_object_id in (ad.ad_id, ad.ad_group_id) and ad.platform == action.platform:
            return ad.campaign_id
    return action.parent_object_id


async def evaluate_all(*, sessions, publisher, settings: OptimizerSettings, now: datetime) -> int:
    """One optimiser round over every project (one transaction per project)."""
    async with sessions() as session:
        ids = await repo.project_ids(session)
    count = 0
    for project_id in ids:
        async with sessions() as session, session.begin():
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVALUATION_LOCK})
            tenant = (
                await session.execute(
                    select(t.projects.c.tenant_id).where(t.projects.c.project_id == project_id)
                )
            ).scalar_one_or_none()

            async def emit(event: Event, _session: AsyncSession = session, _tenant=tenant) -> Any:
                return await publisher.emit(_session, event, tenant_id=_tenant)

            count += len(
                await evaluate_project(
                    session=session, emit=emit, project_id=project_id, settings=settings, now=now
                )
            )
    return count


# ----- apply and dismiss ----------------------------------------------------------------------------
async def apply_recommendation(
    *,
    session: AsyncSession,
    emit: Emit,
    recommendation_id: uuid.UUID,
    actor: str,
    settings: OptimizerSettings,
    now: datetime,
) -> list[uuid.UUID]:
    """Send the platform commands of a recommendation, write the audit trail; guardrails re-checked."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVALUATION_LOCK})
    row = (
        await session.execute(
            select(t.recommendations)
            .where(t.recommendations.c.recommendation_id == recommendation_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        log.warning("apply requested for an unknown recommendation", recommendation_id=str(recommendation_id))
        return []
    if row.status == "applied":
        return []
    recommended = OptimizationRecommended.model_validate(row.payload)
    reason = None
    if row.status != "open":
        reason = f"the recommendation is {row.status}"
    elif (
        not recommended.evidence.get("applicable", True)
        or recommended.kind not in AUTOMATABLE
        or _unsendable(recommended.actions)
    ):
        reason = "advice only: ZAMC cannot yet send this change to the platform; apply it in the ad platform"
    state = await repo.load_project(session, row.project_id, lock=True) if row.project_id else None
    if reason is None and state is None:
        reason = "the project is unknown"
    if reason is None:
        reason = await _guardrail_problem(session, recommended, state, settings, now)
    if reason is not None:
        await _refuse(session, emit, row, recommended, reason=reason, actor=actor, now=now)
        return []
    change_ids: list[uuid.UUID] = []
    for action in recommended.actions:
        change_id = uuid.UUID(
            bytes=hashlib.sha256(f"{recommendation_id}:{action.platform_object_id}".encode()).digest()[:16],
            version=4,
        )
        key = CampaignKey(action.platform, action.account_external_id, action.platform_object_id)
        campaign_key = key if action.object_kind == "campaign" else _campaign_key(state, action)
        command = {
            "change_id": change_id,
            "deployment_id": state.deployments.get(campaign_key) if campaign_key else None,
            "account_external_id": action.account_external_id,
            "reason": recommended.title,
        }
        send = _sender_of(action)
        if send is None:
            continue
        field, old, new = await send(_Sending(session, emit, state, action, key, campaign_key, command, now))
        await _audit_one(session, row, action, change_id, field, old, new, actor, now, recommended.title)
        change_ids.append(change_id)
    await session.execute(
        update(t.recommendations)
        .where(t.recommendations.c.recommendation_id == recommendation_id)
        .values(status="applied", decided_at=now, decided_by=actor[:64])
    )
    await emit(
        OptimizationApplied(recommendation_id=recommendation_id, change_ids=change_ids, applied_by=actor)
    )
    return change_ids


async def _refuse(
    session: AsyncSession,
    emit: Emit,
    row: Any,
    recommended: OptimizationRecommended,
    *,
    reason: str,
    actor: str,
    now: datetime,
) -> None:
    """Nothing is sent: the audit and the recommendation say why, and so does the gateway's copy."""
    await _audit(session, row, recommended.actions, actor=actor, now=now, outcome="refused", error=reason)
    closed_as = "refused" if row.status == "open" else row.status
    await session.execute(
        update(t.recommendations)
        .where(t.recommendations.c.recommendation_id == row.recommendation_id)
        .values(status=closed_as, decided_at=now, decided_by=actor[:64], reason=reason)
    )
    if closed_as in ("refused", "expired", "superseded"):  # the gateway may not know yet: tell it
        await emit(
            OptimizationClosed(
                recommendation_id=row.recommendation_id,
                status=closed_as,
                reason=reason if row.status == "open" else (row.reason or reason),
                closed_by=actor,
            )
        )
    log.info("apply refused", recommendation_id=str(row.recommendation_id), reason=reason)


@dataclass(frozen=True, slots=True)
class _Sending:
    """One action of an applied recommendation, as its sender needs it."""

    session: AsyncSession
    emit: Emit
    state: repo.ProjectState
    action: RecommendedAction
    key: CampaignKey  # the action's object, keyed like a campaign
    campaign_key: CampaignKey | None  # the campaign it belongs to
    command: dict[str, Any]  # the fields every platform change command shares
    now: datetime


Sender = Callable[[_Sending], Awaitable[tuple[str, Any, Any]]]  # -> (field, old value, new value)


def _sender_of(action: RecommendedAction) -> Sender | None:
    field, value = _requested(action)
    return None if value is None else _SENDERS[field]


def _unsendable(actions: list[RecommendedAction]) -> bool:
    """True when some action has no platform command (a bid target on a platform without one)."""
    return any(_requested(a)[0] in BID_TARGETS and a.platform not in BID_TARGET_COMMANDS for a in actions)


async def _send_budget(sending: _Sending) -> tuple[str, Any, Any]:
    action, key, new = sending.action, sending.key, sending.action.daily_budget_micros
    old = next((h.daily_budget_micros for h in sending.state.histories if h.key == key), None)
    await sending.emit(
        BUDGET_COMMANDS[action.platform](
            **sending.command, platform_campaign_id=action.platform_object_id, daily_budget_micros=new
        )
    )
    await sending.session.execute(
        update(t.campaigns)
        .where(repo.key_filter(t.campaigns, key))
        .values(daily_budget_micros=new, last_changed_at=sending.now, updated_at=func.now())
    )
    await repo.record_budget(
        sending.session, key, new, at=sending.now, source="applied", change_id=sending.command["change_id"]
    )
    return "daily_budget_micros", old, new


async def _send_status(sending: _Sending) -> tuple[str, Any, Any]:
    action = sending.action
    old = _status_of(sending.state, action)
    await sending.emit(
        STATUS_COMMANDS[action.platform](
            **sending.command,
            platform_object_id=action.platform_object_id,
            object_kind=action.object_kind,
            status=action.status,
        )
    )
    column = t.ads.c.ad_id if action.object_kind == "ad" else t.ads.c.ad_group_id
    await sending.session.execute(
        update(t.ads)
        .where(
            t.ads.c.platform == action.platform,
            t.ads.c.account_external_id == action.account_external_id,
            column == action.platform_object_id,
        )
        .values(
            status=action.status,
            paused_by_optimizer=action.status == "PAUSED",
            status_changed_at=sending.now,
            updated_at=func.now(),
        )
    )
    if sending.campaign_key is not None:
        await _mark_changed(sending.session, sending.campaign_key, sending.now)
    return "status", old, action.status


async def _send_bid_target(sending: _Sending) -> tuple[str, Any, Any]:
    action, key = sending.action, sending.key
    field, new = _requested(action)
    old = next((h.bid_target for h in sending.state.histories if h.key == key), None)
    await sending.emit(
        BID_TARGET_COMMANDS[action.platform](
            **sending.command, platform_campaign_id=action.platform_object_id, **{field: new}
        )
    )
    await repo.set_bid_target(sending.session, key, new)
    await _mark_changed(sending.session, key, sending.now)
    return field, old, new


_SENDERS: dict[str, Sender] = {
    "daily_budget_micros": _send_budget,
    "status": _send_status,
    **dict.fromkeys(BID_TARGETS, _send_bid_target),
}


async def _mark_changed(session: AsyncSession, key: CampaignKey, now: datetime) -> None:
    await session.execute(
        update(t.campaigns)
        .where(repo.key_filter(t.campaigns, key))
        .values(last_changed_at=now, updated_at=func.now())
    )


def _campaign_key(state: repo.ProjectState, action: RecommendedAction) -> CampaignKey | None:
    campaign_id = _campaign_of(state, action)
    return next(
        (
            h.key
            for h in state.histories
            if h.key.campaign_id == campaign_id and h.key.platform == action.platform
        ),
        None,
    )


def _status_of(state: repo.ProjectState, action: RecommendedAction) -> str | None:
    for ad in state.ads:
        if ad.platform == action.platform and action.platform_object_id in (ad.ad_id, ad.ad_group_id):
            return ad.status
    return None


async def _guardrail_problem(
    session: AsyncSession,
    recommended: OptimizationRecommended,
    state: repo.ProjectState,
    settings: OptimizerSettings,
    now: datetime,
) -> str | None:
    violations = check_changes(
        _changes(state, recommended.actions),
        {
            str(h.key): history_state(h, now=now, maturity_hours=settings.maturity_hours())
            for h in state.histories
        },
        guard=settings.guardrails(),
        project=_project_budget(state),
        now=now,
    )
    if violations:
        return "guardrails: " + "; ".join(f"{v.rule}: {v.message}" for v in violations)
    pauses = [a for a in recommended.actions if a.status == "PAUSED"]
    for action in pauses:
        group = action.parent_object_id
        if action.object_kind == "ad":
            siblings = [a for a in state.ads if a.ad_group_id == group and a.platform == action.platform]
            paused = {a.platform_object_id for a in pauses}
            if not any(a.status == "ENABLED" and a.ad_id not in paused for a in siblings):
                return f"guardrails: pausing would leave {group} without a delivering ad"
    return None


async def _audit(
    session: AsyncSession, row: Any, actions, *, actor: str, now: datetime, outcome: str, error: str
) -> None:
    for action in actions or [None]:
        field, value = _requested(action) if action else ("status", None)
        await session.execute(
            t.changes.insert().values(
                change_id=uuid.uuid4(),
                recommendation_id=row.recommendation_id,
                project_id=row.project_id,
                tenant_id=row.tenant_id,
                platform=action.platform if action else "-",
                account_external_id=action.account_external_id if action else "-",
                object_kind=action.object_kind if action else "-",
                object_id=action.platform_object_id if action else "-",
                field=field,
                old_value=None,
                new_value=str(value),
                actor=actor[:64],
                reason=OptimizationRecommended.model_validate(row.payload).title,
                requested_at=now,
                outcome=outcome,
                outcome_at=now,
                error=error,
            )
        )


def _requested(action: RecommendedAction) -> tuple[str, Any]:
    """The field an action changes and the value it asks for (None: it changes nothing)."""
    for field in ("daily_budget_micros", *sorted(BID_TARGETS)):
        if getattr(action, field) is not None:
            return field, getattr(action, field)
    return "status", action.status


async def _audit_one(session, row, action, change_id, field, old, new, actor, now, reason) -> None:
    await session.execute(
        t.changes.insert().values(
            change_id=change_id,
            recommendation_id=row.recommendation_id,
            project_id=row.project_id,
            tenant_id=row.tenant_id,
            platform=action.platform,
            account_external_id=action.account_external_id,
            object_kind=action.object_kind,
            object_id=action.platform_object_id,
            field=field,
            old_value=None if old is None else str(old),
            new_value=str(new),
            actor=actor[:64],
            reason=reason,
            requested_at=now,
            outcome="requested",
        )
    )


async def dismiss_recommendation(
    *, session: AsyncSession, recommendation_id: uuid.UUID, actor: str, now: datetime
) -> bool:
    result = await session.execute(
        update(t.recommendations)
        .where(
            t.recommendations.c.recommendation_id == recommendation_id, t.recommendations.c.status == "open"
        )
        .values(status="dismissed", decided_at=now, decided_by=actor[:64], reason="dismissed by the user")
    )
    return bool(result.rowcount)


__all__ = [
    "apply_recommendation",
    "dismiss_recommendation",
    "evaluate_all",
    "evaluate_project",
    "budget_state",
]
