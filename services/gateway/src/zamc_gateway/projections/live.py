"""Projections of the live read models, and live announcements of what other projections changed.

`live_handlers(runtime)` maps subject -> handler; `projections/__init__.py` merges it with the
core projections. Where both handle one subject (deployment completion, re-authorisation, brief
progress ...) the merge must run BOTH in the same transaction, the core projection first: these
handlers read what it wrote (e.g. a deployment's organization) and only add to it.

Every handler announces its outcome with `announce(...)`, which publishes only after the
consumer's transaction commits (see `adapters/live.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

import structlog

from zamc_events.contracts import campaign as campaign_events
from zamc_events.contracts import optimization, strategy
from zamc_events.contracts.accounts import ReauthorizationRequired
from zamc_events.contracts.metrics import AnomalyDetected, RollupUpdated
from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_gateway.adapters import live_analytics, live_notifications, live_recommendations
from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live import LiveChange, LiveHub, announce, live_hub
from zamc_gateway.domain import notifications as wording

log = structlog.get_logger("zamc.gateway.projections.live")

LiveHandler = Callable[[HandlerContext], Awaitable[None]]


async def _tenant(ctx: HandlerContext) -> uuid.UUID | None:
    """The envelope's tenant, if it names an organization the gateway knows."""
    tenant = ctx.envelope.tenant_id
    return tenant if await tenancy.organization_exists(ctx.session, tenant) else None


def live_handlers(runtime: Any) -> Mapping[str, Handler]:
    hub: LiveHub = live_hub(runtime)

    async def notify(
        ctx: HandlerContext, organization_id: uuid.UUID, draft: wording.NotificationDraft
    ) -> None:
        """Every member of the organization, once per event (a redelivery notifies nobody twice)."""
        await live_notifications.notify_members(
            ctx.session,
            hub,
            organization_id=organization_id,
            source_event_id=ctx.envelope.event_id,
            draft=draft,
        )

    # analytics --------------------------------------------------------------------------------
    async def rollup_updated(ctx: HandlerContext) -> None:
        data: RollupUpdated = ctx.data
        changed = await live_analytics.project_rollup(
            ctx.session, data=data, tenant_id=ctx.envelope.tenant_id, occurred_at=ctx.envelope.occurred_at
        )
        if not changed:
            return
        campaign = await tenancy.campaign_by_platform_id(
            ctx.session, platform=data.platform, platform_campaign_id=data.campaign_id
        )
        organization_id = campaign.organization_id if campaign else await _tenant(ctx)
        if organization_id is None:
            return  # not deployed through ZAMC (yet): stored, nobody to tell
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=organization_id,
                topic="metrics.updated",
                data={
                    "project_id": campaign.project_id if campaign else None,
                    "campaign_id": campaign.id if campaign else None,
                    "platform": data.platform,
                    "platform_campaign_id": data.campaign_id,
                    "window_start": data.window_start,
                    "window_end": data.window_end,
                    "rows": [row.model_dump(mode="json") for row in data.rows],
                },
            ),
        )

    async def anomaly_detected(ctx: HandlerContext) -> None:
        data: AnomalyDetected = ctx.data
        campaign = await tenancy.campaign_by_platform_id(
            ctx.session, platform=data.platform, platform_campaign_id=data.campaign_id
        )
        organization_id = campaign.organization_id if campaign else await _tenant(ctx)
        await live_analytics.project_anomaly(
            ctx.session, event_id=ctx.envelope.event_id, data=data, tenant_id=organization_id
        )
        if organization_id is None:
            return
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=organization_id,
                topic="anomaly.detected",
                data={
                    "project_id": campaign.project_id if campaign else None,
                    "campaign_id": campaign.id if campaign else None,
                    "platform": data.platform,
                    "platform_campaign_id": data.campaign_id,
                    "kind": data.kind,
                    "hour_start": data.hour_start,
                    "evidence": data.evidence,
                },
            ),
        )
        await notify(
            ctx,
            organization_id,
            wording.for_anomaly(
                platform=data.platform,
                campaign_id=data.campaign_id,
                kind=data.kind,
                campaign_name=campaign.name if campaign else None,
                project_id=campaign.project_id if campaign else None,
            ),
        )

    # recommendations ----------------------------------------------------------------------------
    async def recommended(ctx: HandlerContext) -> None:
        data: optimization.OptimizationRecommended = ctx.data
        owner = await live_recommendations.recommendation_owner(
            ctx.session, data=data, tenant_id=ctx.envelope.tenant_id
        )
        if owner is None:
            log.warning(
                "recommendation for no known organization ignored", recommendation=str(data.recommendation_id)
            )
            return
        organization_id, project_id = owner
        stored = await live_recommendations.project_recommended(
            ctx.session, data=data, organization_id=organization_id, project_id=project_id
        )
        if stored is None:
            return
        announce(ctx.session, hub, live_recommendations.changed(organization_id, stored))
        await notify(
            ctx,
            organization_id,
            wording.for_recommendation(
                recommendation_id=data.recommendation_id,
                title=data.title,
                project_id=project_id,
                autopilot=data.autopilot,
            ),
        )

    async def announce_recommendation(ctx: HandlerContext, stored: dict[str, Any] | None) -> uuid.UUID | None:
        """Tell the organization's live clients a recommendation changed; None: nobody to tell."""
        if stored is None:
            return None
        organization_id = await live_recommendations.recommendation_org(ctx.session, stored["id"])
        if organization_id is not None:
            announce(ctx.session, hub, live_recommendations.changed(organization_id, stored))
        return organization_id

    async def applied(ctx: HandlerContext) -> None:
        data: optimization.OptimizationApplied = ctx.data
        stored = await live_recommendations.project_applied(ctx.session, data=data)
        organization_id = await announce_recommendation(ctx, stored)
        if organization_id is None:
            return
        await notify(
            ctx,
            organization_id,
            wording.for_recommendation_applied(
                recommendation_id=data.recommendation_id,
                title=stored["title"],
                project_id=stored["project_id"],
                applied_by=data.applied_by,
            ),
        )

    async def closed(ctx: HandlerContext) -> None:
        data: optimization.OptimizationClosed = ctx.data
        stored = await live_recommendations.project_closed(ctx.session, data=data)
        organization_id = await announce_recommendation(ctx, stored)
        if organization_id is None:
            return
        if data.status == "refused" and data.closed_by.startswith("user:"):
            await notify(
                ctx,
                organization_id,
                wording.for_recommendation_refused(
                    recommendation_id=data.recommendation_id,
                    title=stored["title"],
                    project_id=stored["project_id"],
                    reason=data.reason,
                ),
            )

    # deployments and connections (the core projections keep their state) -----------------------
    async def deployment_completed(ctx: HandlerContext) -> None:
        data: campaign_events.DeploymentCompleted = ctx.data
        owner = await tenancy.deployment_owner(ctx.session, data.deployment_id)
        organization_id = owner[0] if owner else await _tenant(ctx)
        if organization_id is None:
            return
        draft = wording.for_deployment_completed(
            deployment_id=data.deployment_id,
            status=data.status,
            targets=[target.model_dump(mode="json") for target in data.targets],
        )
        if owner:
            draft = _with_project(draft, owner[1])
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=organization_id,
                topic="deployment.status",
                data={
                    "id": data.deployment_id,
                    "deployment_id": data.deployment_id,
                    "strategy_id": data.strategy_id,
                    "status": data.status,
                    "targets": [target.model_dump(mode="json") for target in data.targets],
                },
            ),
        )
        await notify(ctx, organization_id, draft)

    async def deployment_progress(ctx: HandlerContext) -> None:
        """A platform answered (deployed / deploy_failed): the deployment is running, tell its watchers."""
        data = ctx.data
        owner = await tenancy.deployment_owner(ctx.session, data.deployment_id)
        if owner is None:
            return
        target: dict[str, Any] = {"platform": data.platform, "account_external_id": data.account_external_id}
        if isinstance(data, campaign_events.CampaignDeployed):
            target.update(status="succeeded", platform_campaign_ids=data.platform_campaign_ids)
        else:
            target.update(status="failed", error=data.error.model_dump(mode="json"))
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=owner[0],
                topic="deployment.status",
                data={"id": data.deployment_id, "deployment_id": data.deployment_id, "target": target},
            ),
        )

    async def campaign_changed(ctx: HandlerContext) -> None:
        data = ctx.data
        organization_id = None
        ids = getattr(data, "platform_campaign_ids", None) or [getattr(data, "platform_campaign_id", None)]
        for platform_campaign_id in filter(None, ids):
            campaign = await tenancy.campaign_by_platform_id(
                ctx.session, platform=data.platform, platform_campaign_id=platform_campaign_id
            )
            if campaign is not None:
                organization_id = campaign.organization_id
                break
        organization_id = organization_id or await _tenant(ctx)
        if organization_id is not None:
            announce(
                ctx.session,
                hub,
                LiveChange(
                    organization_id=organization_id,
                    topic="campaign.changed",
                    data=data.model_dump(mode="json"),
                ),
            )

    async def change_failed(ctx: HandlerContext) -> None:
        """Announced like any change; if an applied recommendation sent it, its members are told why."""
        await campaign_changed(ctx)
        data = ctx.data
        recommendation = await live_recommendations.recommendation_of_change(ctx.session, data.change_id)
        if recommendation is None:
            return  # a member's own change: the campaign shows the error (see core projections)
        await notify(
            ctx,
            recommendation.organization_id,
            wording.for_recommendation_failed(
                recommendation_id=recommendation.id,
                title=recommendation.title,
                project_id=recommendation.project_id,
                platform=data.platform,
                error=data.error.model_dump(mode="json"),
            ),
        )

    async def reauthorization_required(ctx: HandlerContext) -> None:
        data: ReauthorizationRequired = ctx.data
        organization_id = await tenancy.connection_owner(ctx.session, data.connection_id)
        if organization_id is None:
            return
        platform = ctx.envelope.type.split(".")[1]
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=organization_id,
                topic="connection.changed",
                data={"id": data.connection_id, "platform": platform, "status": "reauthorization_required"},
            ),
        )
        await notify(
            ctx,
            organization_id,
            wording.for_reauthorization(
                connection_id=data.connection_id, platform=platform, reason=data.reason
            ),
        )

    # briefs and strategies ----------------------------------------------------------------------
    async def brief_progress(ctx: HandlerContext) -> None:
        data: strategy.StrategyProgress = ctx.data
        owner = await tenancy.brief_owner(ctx.session, data.brief_id)
        if owner is None:
            return
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=owner[0],
                topic="brief.progress",
                data={
                    "brief_id": data.brief_id,
                    "project_id": owner[1],
                    "step": data.step,
                    "percent": data.percent,
                    "message": data.message,
                },
            ),
        )

    async def brief_finished(ctx: HandlerContext) -> None:
        data = ctx.data
        if isinstance(data, strategy.StrategyGenerated):
            brief_id, status = data.strategy.brief_id, "generated"
            extra = {"strategy_id": data.strategy.strategy_id, "version": data.strategy.version}
        else:
            brief_id, status, extra = data.brief_id, "failed", {"reason": data.reason}
        owner = await tenancy.brief_owner(ctx.session, brief_id)
        if owner is None:
            return
        announce(
            ctx.session,
            hub,
            LiveChange(
                organization_id=owner[0],
                topic="brief.status",
                data={"brief_id": brief_id, "project_id": owner[1], "status": status, **extra},
            ),
        )

    return {
        RollupUpdated.subject: rollup_updated,
        AnomalyDetected.subject: anomaly_detected,
        optimization.OptimizationRecommended.subject: recommended,
        optimization.OptimizationApplied.subject: applied,
        optimization.OptimizationClosed.subject: closed,
        campaign_events.DeploymentCompleted.subject: deployment_completed,
        campaign_events.CampaignDeployed.subject: deployment_progress,
        campaign_events.CampaignDeployFailed.subject: deployment_progress,
        campaign_events.CampaignChanged.subject: campaign_changed,
        campaign_events.CampaignChangeFailed.subject: change_failed,
        campaign_events.CampaignBidTargetChanged.subject: campaign_changed,
        campaign_events.CampaignBidTargetChangeFailed.subject: change_failed,
        "zamc.google_ads.reauthorization_required.v1": reauthorization_required,
        "zamc.meta.reauthorization_required.v1": reauthorization_required,
        strategy.StrategyProgress.subject: brief_progress,
        strategy.StrategyGenerated.subject: brief_finished,
        strategy.StrategyFailed.subject: brief_finished,
    }


def _with_project(draft: wording.NotificationDraft, project_id: uuid.UUID) -> wording.NotificationDraft:
    return replace(draft, project_id=project_id)
