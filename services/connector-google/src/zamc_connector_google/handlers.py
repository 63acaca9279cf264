"""Event handlers of connector-google: subject -> handler. Handlers parse, call the service layer, return."""

from __future__ import annotations

from collections.abc import Mapping

from zamc_connector_google.service.changes import Change, apply_change
from zamc_connector_google.service.deployment import deploy
from zamc_connector_google.service.linking import link_account, remove_connection
from zamc_connector_google.wiring import connector_for
from zamc_events.contracts.accounts import GoogleAdsConnectionRemoved, GoogleAdsOAuthCodeReceived
from zamc_events.contracts.campaign import (
    GoogleAdsBidTargetUpdateRequested,
    GoogleAdsBudgetUpdateRequested,
    GoogleAdsDeployRequested,
    GoogleAdsLaunchRequested,
    GoogleAdsRollbackRequested,
    GoogleAdsStatusUpdateRequested,
)
from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_events.runtime.service import ServiceRuntime


def handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    connector = connector_for(runtime)

    async def on_oauth_code(ctx: HandlerContext) -> None:
        await link_account(connector=connector, session=ctx.session, command=ctx.data, caused_by=ctx.envelope)

    async def on_connection_removed(ctx: HandlerContext) -> None:
        await remove_connection(
            connector=connector, session=ctx.session, command=ctx.data, caused_by=ctx.envelope
        )

    async def on_deploy(ctx: HandlerContext) -> None:
        await deploy(connector=connector, session=ctx.session, command=ctx.data, caused_by=ctx.envelope)

    def change_handler(change: Change) -> Handler:
        async def on_change(ctx: HandlerContext) -> None:
            await apply_change(
                connector=connector,
                session=ctx.session,
                command=ctx.data,
                change=change,
                caused_by=ctx.envelope,
            )

        return on_change

    return {
        GoogleAdsOAuthCodeReceived.subject: on_oauth_code,
        GoogleAdsConnectionRemoved.subject: on_connection_removed,
        GoogleAdsDeployRequested.subject: on_deploy,
        GoogleAdsRollbackRequested.subject: change_handler("rollback"),
        GoogleAdsLaunchRequested.subject: change_handler("launch"),
        GoogleAdsBudgetUpdateRequested.subject: change_handler("budget"),
        GoogleAdsStatusUpdateRequested.subject: change_handler("status"),
        GoogleAdsBidTargetUpdateRequested.subject: change_handler("bid_target"),
    }
