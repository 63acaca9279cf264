"""Event handlers and background job of the optimiser; merged into the orchestrator's registry.

Subjects only the optimiser consumes have handlers here (`optimizer_handlers`). The deployment
events (`zamc.campaign.deploy_requested.v1`, `deployed.v1`, `changed.v1`, `change_failed.v1`) are
also the saga's: `campaign_event_handlers` gives the optimiser's handlers for them, which the
service merges with the saga's (`merge_registries` runs both in one transaction).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import structlog

from zamc_events.contracts.base import utcnow
from zamc_events.contracts.campaign import (
    CampaignBidTargetChanged,
    CampaignBidTargetChangeFailed,
    CampaignChanged,
    CampaignChangeFailed,
    CampaignDeployed,
    DeployRequested,
)
from zamc_events.contracts.metrics import MetricsObserved, RollupUpdated
from zamc_events.contracts.optimization import (
    AutopilotChanged,
    OptimizationApplyRequested,
    OptimizationDismissed,
)
from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_events.runtime.service import BackgroundJob, ServiceRuntime
from zamc_orchestrator.optimizer import repository as repo
from zamc_orchestrator.optimizer import service
from zamc_orchestrator.optimizer.config import OptimizerSettings, get_optimizer_settings

log = structlog.get_logger("zamc.optimizer")


def _actor(user) -> str:
    return f"user:{user}" if user else "user"


def optimizer_handlers(
    runtime: ServiceRuntime | None = None, *, settings: OptimizerSettings | None = None
) -> Mapping[str, Handler]:
    """The optimiser's own subjects, plus its share of the deployment events (see module doc)."""
    settings = settings or get_optimizer_settings()

    async def rollup_updated(ctx: HandlerContext) -> None:
        await repo.record_rollup(ctx.session, ctx.data)

    async def metrics_observed(ctx: HandlerContext) -> None:
        await repo.record_observed(ctx.session, ctx.data)

    async def apply_requested(ctx: HandlerContext) -> None:
        event: OptimizationApplyRequested = ctx.data
        await service.apply_recommendation(
            session=ctx.session,
            emit=ctx.emit,
            recommendation_id=event.recommendation_id,
            actor=_actor(event.requested_by),
            settings=settings,
            now=utcnow(),
        )

    async def dismissed(ctx: HandlerContext) -> None:
        event: OptimizationDismissed = ctx.data
        await service.dismiss_recommendation(
            session=ctx.session,
            recommendation_id=event.recommendation_id,
            actor=_actor(event.dismissed_by),
            now=utcnow(),
        )

    async def autopilot_changed(ctx: HandlerContext) -> None:
        await repo.record_autopilot(
            ctx.session, ctx.data, tenant_id=ctx.envelope.tenant_id, at=ctx.envelope.occurred_at
        )

    async def bid_target_changed(ctx: HandlerContext) -> None:
        await repo.record_bid_target_changed(ctx.session, ctx.data, at=ctx.envelope.occurred_at)

    async def bid_target_change_failed(ctx: HandlerContext) -> None:
        await repo.record_bid_target_change_failed(ctx.session, ctx.data, at=ctx.envelope.occurred_at)

    return {
        RollupUpdated.subject: rollup_updated,
        MetricsObserved.subject: metrics_observed,
        OptimizationApplyRequested.subject: apply_requested,
        OptimizationDismissed.subject: dismissed,
        AutopilotChanged.subject: autopilot_changed,
        CampaignBidTargetChanged.subject: bid_target_changed,
        CampaignBidTargetChangeFailed.subject: bid_target_change_failed,
        **campaign_event_handlers(runtime),
    }


def campaign_event_handlers(runtime: ServiceRuntime | None = None) -> Mapping[str, Handler]:
    """What the optimiser learns from deployments and changes: accounts, budgets, audit outcomes."""

    async def deploy_requested(ctx: HandlerContext) -> None:
        await repo.record_deploy_requested(ctx.session, ctx.data, tenant_id=ctx.envelope.tenant_id)

    async def deployed(ctx: HandlerContext) -> None:
        event: CampaignDeployed = ctx.data
        await repo.record_deployed(
            ctx.session, event, tenant_id=ctx.envelope.tenant_id, at=ctx.envelope.occurred_at
        )

    async def changed(ctx: HandlerContext) -> None:
        await repo.record_changed(ctx.session, ctx.data, at=ctx.envelope.occurred_at)

    async def change_failed(ctx: HandlerContext) -> None:
        await repo.record_change_failed(ctx.session, ctx.data, at=ctx.envelope.occurred_at)

    return {
        DeployRequested.subject: deploy_requested,
        CampaignDeployed.subject: deployed,
        CampaignChanged.subject: changed,
        CampaignChangeFailed.subject: change_failed,
    }


def optimizer_background_jobs(settings: OptimizerSettings | None = None) -> list[BackgroundJob]:
    """The evaluation round, every `evaluation_interval_seconds`."""
    settings = settings or get_optimizer_settings()

    async def optimizer_evaluation(runtime: ServiceRuntime) -> None:
        while True:
            await asyncio.sleep(settings.evaluation_interval_seconds)
            try:
                published = await service.evaluate_all(
                    sessions=runtime.sessions, publisher=runtime.publisher, settings=settings, now=utcnow()
                )
                if published:
                    log.info("optimiser round", recommendations=published)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("optimiser round failed; next round retries")

    return [optimizer_evaluation]
