"""Event handlers of connector-meta: subject -> handler. Handlers parse, call the service layer, return."""

from __future__ import annotations

from collections.abc import Mapping

from zamc_connector_meta.service_layer import changes, deployment, linking
from zamc_connector_meta.service_layer.context import Clock, connector_for
from zamc_events.contracts.accounts import MetaConnectionRemoved, MetaOAuthCodeReceived
from zamc_events.contracts.campaign import (
    MetaBudgetUpdateRequested,
    MetaDeployRequested,
    MetaLaunchRequested,
    MetaRollbackRequested,
    MetaStatusUpdateRequested,
)
from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_events.runtime.service import ServiceRuntime


def handlers(runtime: ServiceRuntime, clock: Clock | None = None) -> Mapping[str, Handler]:
    connector = connector_for(runtime, clock)

    async def oauth_code_received(ctx: HandlerContext) -> None:
        data: MetaOAuthCodeReceived = ctx.data
        await linking.link_with_code(
            connector=connector,
            session=ctx.session,
            connection_id=data.connection_id,
            code=data.code,
            redirect_uri=data.redirect_uri,
            caused_by=ctx.envelope,
        )

    async def connection_removed(ctx: HandlerContext) -> None:
        data: MetaConnectionRemoved = ctx.data
        await linking.remove_connection(
            connector=connector, session=ctx.session, connection_id=data.connection_id
        )

    async def deploy_requested(ctx: HandlerContext) -> None:
        await deployment.deploy(
            connector=connector, session=ctx.session, command=ctx.data, caused_by=ctx.envelope
        )

    def change_handler(change: changes.Change) -> Handler:
        async def handle(ctx: HandlerContext) -> None:
            await changes.apply_change(
                connector=connector,
                session=ctx.session,
                command=ctx.data,
                change=change,
                caused_by=ctx.envelope,
            )

        return handle

    return {
        MetaOAuthCodeReceived.subject: oauth_code_received,
        MetaConnectionRemoved.subject: connection_removed,
        MetaDeployRequested.subject: deploy_requested,
        MetaRollbackRequested.subject: change_handler("rollback"),
        MetaLaunchRequested.subject: change_handler("launch"),
        MetaBudgetUpdateRequested.subject: change_handler("budget"),
        MetaStatusUpdateRequested.subject: change_handler("status"),
    }
