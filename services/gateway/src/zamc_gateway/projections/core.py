"""Projections of part A: platform connections, briefs and strategies, deployments and platform
campaigns. Each handler is a line or two: the service layer owns the writes. Events about things
this gateway never created (unknown connection, brief or deployment) are skipped with a log line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from zamc_events.contracts import accounts, campaign, strategy
from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway.metrics import DEPLOYMENTS
from zamc_gateway.service_layer import briefs, campaigns, connections, deployments, strategies

log = structlog.get_logger("zamc.gateway.projections")


def _known(found: Any, ctx: HandlerContext) -> None:
    if found is None:
        log.info("event about something this gateway does not know; skipped", subject=ctx.envelope.type)


def _account_handlers(platform: str) -> dict[str, Handler]:
    linked, failed, reauth = {
        "google_ads": (
            accounts.GoogleAdsAccountLinked,
            accounts.GoogleAdsAccountLinkFailed,
            accounts.GoogleAdsReauthorizationRequired,
        ),
        "meta": (
            accounts.MetaAccountLinked,
            accounts.MetaAccountLinkFailed,
            accounts.MetaReauthorizationRequired,
        ),
    }[platform]

    async def on_linked(ctx: HandlerContext) -> None:
        _known(await connections.project_linked(session=ctx.session, platform=platform, data=ctx.data), ctx)

    async def on_failed(ctx: HandlerContext) -> None:
        found = await connections.project_status(
            session=ctx.session,
            platform=platform,
            connection_id=ctx.data.connection_id,
            status="failed",
            reason=ctx.data.reason,
        )
        _known(found, ctx)

    async def on_reauthorization(ctx: HandlerContext) -> None:
        found = await connections.project_status(
            session=ctx.session,
            platform=platform,
            connection_id=ctx.data.connection_id,
            status="reauthorization_required",
            reason=ctx.data.reason,
        )
        _known(found, ctx)

    return {linked.subject: on_linked, failed.subject: on_failed, reauth.subject: on_reauthorization}


def _simple(project: Callable[..., Awaitable[Any]]) -> Handler:
    async def handle(ctx: HandlerContext) -> None:
        _known(await project(session=ctx.session, data=ctx.data), ctx)

    handle.__name__ = project.__name__
    return handle


async def _deployment_completed(ctx: HandlerContext) -> None:
    found = await deployments.project_completed(session=ctx.session, data=ctx.data)
    _known(found, ctx)
    if found is not None:
        DEPLOYMENTS.labels(ctx.data.status).inc()


async def _strategy_generated(ctx: HandlerContext) -> None:
    _known(await briefs.project_generated(session=ctx.session, data=ctx.data), ctx)
    await strategies.project_generated(session=ctx.session, data=ctx.data)


def handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    return {
        **_account_handlers("google_ads"),
        **_account_handlers("meta"),
        strategy.StrategyProgress.subject: _simple(briefs.project_progress),
        strategy.StrategyGenerated.subject: _strategy_generated,
        strategy.StrategyFailed.subject: _simple(briefs.project_failed),
        campaign.CampaignDeployed.subject: _simple(deployments.project_deployed),
        campaign.CampaignDeployFailed.subject: _simple(deployments.project_deploy_failed),
        campaign.DeploymentCompleted.subject: _deployment_completed,
        campaign.CampaignChanged.subject: _simple(campaigns.project_changed),
        campaign.CampaignChangeFailed.subject: _simple(campaigns.project_change_failed),
        campaign.CampaignBidTargetChanged.subject: _simple(campaigns.project_bid_target_changed),
        campaign.CampaignBidTargetChangeFailed.subject: _simple(campaigns.project_bid_target_change_failed),
    }
