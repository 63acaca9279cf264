"""The GraphQL schema: every resolver calls the same service-layer function as its REST endpoint.

Queries and mutations run one transaction per resolver (`GatewayContext.transaction`) and are
authorised by the same policy (`domain.policy`). Subscriptions (graphql-transport-ws) listen on
the process's live hub (see `adapters/live.py`): they subscribe first, then send the current state,
then every change, so nothing committed in between is missed.

`graphql_router(runtime)` is mounted at `/graphql` by `app.py`; `sdl()` is the schema as SDL,
exported to `services/gateway/schema.graphql` (a test keeps the file current).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from pydantic import BaseModel, ValidationError
from starlette.requests import HTTPConnection
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, QueryDepthLimiter
from strawberry.fastapi import GraphQLRouter
from strawberry.scalars import JSON
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import Info

from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway.adapters import live_analytics, live_assets, live_notifications, live_recommendations
from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live import LiveChange
from zamc_gateway.api.deps import limit_bearer
from zamc_gateway.domain.errors import DomainError, Forbidden
from zamc_gateway.domain.policy import Action
from zamc_gateway.graphql import types as t
from zamc_gateway.graphql.context import GatewayContext, as_graphql_error, invalid_input
from zamc_gateway.schemas import BriefCreate, DeploymentCreate, ProjectCreate
from zamc_gateway.service_layer import briefs, campaigns, deployments, projects, strategies

SDL_PATH = Path(__file__).resolve().parents[3] / "schema.graphql"

GatewayInfo = Info[GatewayContext, None]


def _parse(model: type[BaseModel], value: Any, *, argument: str) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise invalid_input(error, prefix=f"/{argument}") from None


@strawberry.type
class Query:
    @strawberry.field
    async def projects(self, info: GatewayInfo) -> list[t.Project]:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            return [
                t.Project.of(p) for p in await projects.list_projects(session=session, principal=principal)
            ]

    @strawberry.field
    async def project(self, info: GatewayInfo, id: uuid.UUID) -> t.Project:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            return t.Project.of(
                await projects.get_project(session=session, principal=principal, project_id=id)
            )

    @strawberry.field
    async def brief(self, info: GatewayInfo, id: uuid.UUID) -> t.Brief:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            return t.Brief.of(await briefs.get_brief(session=session, principal=principal, brief_id=id))

    @strawberry.field
    async def strategy(self, info: GatewayInfo, id: uuid.UUID, version: int | None = None) -> t.Strategy:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await strategies.get_strategy(
                session=session, principal=principal, strategy_id=id, version=version
            )
            return t.build(t.Strategy, found)

    @strawberry.field
    async def deployment(self, info: GatewayInfo, id: uuid.UUID) -> t.Deployment:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await deployments.get_deployment(session=session, principal=principal, deployment_id=id)
            return t.build(t.Deployment, found)

    @strawberry.field
    async def campaigns(self, info: GatewayInfo, project_id: uuid.UUID | None = None) -> list[t.Campaign]:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await campaigns.list_campaigns(
                session=session, principal=principal, project_id=project_id
            )
            return [t.build(t.Campaign, c) for c in found]

    @strawberry.field
    async def analytics_summary(
        self,
        info: GatewayInfo,
        project_id: uuid.UUID,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> t.AnalyticsSummary:
        principal = await info.context.principal()
        found = await live_analytics.cached_summary(
            runtime=info.context.runtime, principal=principal, project_id=project_id, start=from_, end=to
        )
        return t.AnalyticsSummary.of(found.value)

    @strawberry.field
    async def timeseries(
        self,
        info: GatewayInfo,
        campaign_id: uuid.UUID | None = None,
        project_id: uuid.UUID | None = None,
        granularity: str = "day",
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> list[t.TimeseriesPoint]:
        if granularity not in ("hour", "day"):
            raise GraphQLError("granularity must be hour or day", extensions={"status": 422})
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await live_analytics.timeseries(
                session=session,
                principal=principal,
                campaign_id=campaign_id,
                project_id=project_id,
                granularity=granularity,  # type: ignore[arg-type]
                start=from_,
                end=to,
            )
            return [t.build(t.TimeseriesPoint, p) for p in found["points"]]

    @strawberry.field
    async def recommendations(
        self, info: GatewayInfo, project_id: uuid.UUID | None = None, status: str | None = None
    ) -> list[t.Recommendation]:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await live_recommendations.list_recommendations(
                session=session, principal=principal, project_id=project_id, status=status
            )
            return [t.build(t.Recommendation, r) for r in found]

    @strawberry.field
    async def autopilot(self, info: GatewayInfo, project_id: uuid.UUID) -> t.Autopilot:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await live_recommendations.get_autopilot(
                session=session, principal=principal, project_id=project_id
            )
            return t.build(t.Autopilot, found)

    @strawberry.field
    async def notifications(
        self, info: GatewayInfo, unread_only: bool = False, limit: int = 50
    ) -> t.NotificationPage:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            page = await live_notifications.list_notifications(
                session=session, principal=principal, unread_only=unread_only, limit=max(1, min(limit, 200))
            )
            return t.NotificationPage(
                items=[t.build(t.Notification, n) for n in page["items"]], unread_count=page["unread_count"]
            )

    @strawberry.field
    async def asset(self, info: GatewayInfo, id: uuid.UUID) -> t.Asset:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            return t.Asset.of(await live_assets.get_asset(session=session, principal=principal, asset_id=id))

    @strawberry.field
    async def assets(self, info: GatewayInfo, project_id: uuid.UUID) -> list[t.Asset]:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await live_assets.list_assets(session=session, principal=principal, project_id=project_id)
            return [t.Asset.of(a) for a in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Same body as `POST /api/v1/projects`.")
    async def create_project(self, info: GatewayInfo, input: JSON) -> t.Project:
        principal = await info.context.principal(Action.write_resources)
        request = _parse(ProjectCreate, input, argument="input")
        async with info.context.transaction() as session:
            return t.Project.of(
                await projects.create_project(session=session, principal=principal, project=request)
            )

    @strawberry.mutation(description="Same body as `POST /api/v1/projects/{id}/briefs`.")
    async def create_brief(self, info: GatewayInfo, project_id: uuid.UUID, input: JSON) -> t.BriefAccepted:
        principal = await info.context.principal(Action.write_resources)
        request = _parse(BriefCreate, input, argument="input")
        async with info.context.transaction() as session:
            accepted = await briefs.create_brief(
                session=session,
                principal=principal,
                publisher=info.context.publisher,
                project_id=project_id,
                request=request,
            )
            return t.build(t.BriefAccepted, accepted)

    @strawberry.mutation
    async def approve_strategy(
        self, info: GatewayInfo, strategy_id: uuid.UUID, version: int | None = None
    ) -> t.Strategy:
        principal = await info.context.principal(Action.write_resources)
        async with info.context.transaction() as session:
            approved = await strategies.approve_strategy(
                session=session,
                principal=principal,
                publisher=info.context.publisher,
                strategy_id=strategy_id,
                version=version,
            )
            return t.build(t.Strategy, approved)

    @strawberry.mutation(description="Same body as `POST /api/v1/strategies/{id}/deployments`.")
    async def create_deployment(
        self, info: GatewayInfo, strategy_id: uuid.UUID, input: JSON
    ) -> t.DeploymentAccepted:
        principal = await info.context.principal(Action.write_resources)
        request = _parse(DeploymentCreate, input, argument="input")
        async with info.context.transaction() as session:
            accepted = await deployments.create_deployment(
                session=session,
                principal=principal,
                publisher=info.context.publisher,
                strategy_id=strategy_id,
                request=request,
            )
            return t.build(t.DeploymentAccepted, accepted)

    @strawberry.mutation
    async def pause_campaign(self, info: GatewayInfo, campaign_id: uuid.UUID) -> t.CampaignChangeAccepted:
        return await _campaign_status(info, campaign_id, "PAUSED")

    @strawberry.mutation
    async def resume_campaign(self, info: GatewayInfo, campaign_id: uuid.UUID) -> t.CampaignChangeAccepted:
        return await _campaign_status(info, campaign_id, "ENABLED")

    @strawberry.mutation
    async def apply_recommendation(self, info: GatewayInfo, id: uuid.UUID) -> t.Recommendation:
        principal = await info.context.principal(Action.write_resources)
        async with info.context.transaction() as session:
            found = await live_recommendations.apply_recommendation(
                session=session,
                principal=principal,
                publisher=info.context.publisher,
                hub=info.context.hub,
                recommendation_id=id,
            )
            return t.build(t.Recommendation, found)

    @strawberry.mutation
    async def dismiss_recommendation(self, info: GatewayInfo, id: uuid.UUID) -> t.Recommendation:
        principal = await info.context.principal(Action.write_resources)
        async with info.context.transaction() as session:
            found = await live_recommendations.dismiss_recommendation(
                session=session,
                principal=principal,
                publisher=info.context.publisher,
                hub=info.context.hub,
                recommendation_id=id,
            )
            return t.build(t.Recommendation, found)

    @strawberry.mutation
    async def set_autopilot(self, info: GatewayInfo, project_id: uuid.UUID, enabled: bool) -> t.Autopilot:
        principal = await info.context.principal(Action.write_resources)
        async with info.context.transaction() as session:
            found = await live_recommendations.set_autopilot(
                session=session,
                principal=principal,
                publisher=info.context.publisher,
                hub=info.context.hub,
                project_id=project_id,
                enabled=enabled,
            )
            return t.build(t.Autopilot, found)

    @strawberry.mutation
    async def mark_notification_read(self, info: GatewayInfo, id: uuid.UUID) -> t.Notification:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            found = await live_notifications.mark_read(
                session=session, principal=principal, hub=info.context.hub, notification_id=id
            )
            return t.build(t.Notification, found)

    @strawberry.mutation
    async def approve_asset(self, info: GatewayInfo, id: uuid.UUID, note: str | None = None) -> t.Asset:
        return await _review(info, id, "approve", note)

    @strawberry.mutation
    async def reject_asset(self, info: GatewayInfo, id: uuid.UUID, note: str | None = None) -> t.Asset:
        return await _review(info, id, "reject", note)


async def _campaign_status(
    info: GatewayInfo, campaign_id: uuid.UUID, status: str
) -> t.CampaignChangeAccepted:
    principal = await info.context.principal(Action.write_resources)
    async with info.context.transaction() as session:
        accepted = await campaigns.request_status(
            session=session,
            principal=principal,
            publisher=info.context.publisher,
            campaign_id=campaign_id,
            status=status,  # type: ignore[arg-type]
        )
        return t.build(t.CampaignChangeAccepted, accepted)


async def _review(info: GatewayInfo, asset_id: uuid.UUID, decision: str, note: str | None) -> t.Asset:
    principal = await info.context.principal(Action.write_resources)
    async with info.context.transaction() as session:
        found = await live_assets.review_asset(
            session=session,
            principal=principal,
            hub=info.context.hub,
            asset_id=asset_id,
            decision=decision,
            note=note,
        )
        return t.Asset.of(found)


def _event(change: LiveChange) -> t.LiveEvent:
    payload = change.payload()
    return t.LiveEvent(id=change.id, topic=change.topic, at=change.at, data=payload["data"])


def _about(change: LiveChange, key: str, value: uuid.UUID) -> bool:
    return str(change.data.get(key)) == str(value)


TERMINAL_DEPLOYMENT = {"succeeded", "partially_failed", "failed", "rolled_back"}


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The brief's state now, then its progress until it is generated or failed."
    )
    async def brief_progress(
        self, info: GatewayInfo, brief_id: uuid.UUID
    ) -> AsyncGenerator[t.LiveEvent, None]:
        principal = await info.context.principal()
        hub = info.context.hub
        async with hub.subscription(
            organization_id=principal.organization_id, topics=("brief.progress", "brief.status")
        ) as subscription:
            async with info.context.transaction() as session:
                brief = await briefs.get_brief(session=session, principal=principal, brief_id=brief_id)
            now = LiveChange(
                organization_id=principal.organization_id,
                topic="brief.status",
                data=brief.model_dump(mode="json"),
            )
            yield _event(now)
            if brief.status != "generating":
                return
            async for change in subscription:
                if _about(change, "brief_id", brief_id):
                    yield _event(change)
                    if change.topic == "brief.status":
                        return

    @strawberry.subscription(description="The deployment's state now, then every change until it is final.")
    async def deployment_status(
        self, info: GatewayInfo, deployment_id: uuid.UUID
    ) -> AsyncGenerator[t.LiveEvent, None]:
        principal = await info.context.principal()
        hub = info.context.hub
        async with hub.subscription(
            organization_id=principal.organization_id, topics=("deployment.status",)
        ) as subscription:
            async with info.context.transaction() as session:
                deployment = await deployments.get_deployment(
                    session=session, principal=principal, deployment_id=deployment_id
                )
            yield _event(
                LiveChange(
                    organization_id=principal.organization_id,
                    topic="deployment.status",
                    data=deployment.model_dump(mode="json"),
                )
            )
            if deployment.status in TERMINAL_DEPLOYMENT:
                return
            async for change in subscription:
                if _about(change, "deployment_id", deployment_id):
                    yield _event(change)
                    if change.data.get("status") in TERMINAL_DEPLOYMENT:
                        return

    @strawberry.subscription(description="New metrics (rollups) and anomalies of a project's campaigns.")
    async def live_metrics(
        self, info: GatewayInfo, project_id: uuid.UUID
    ) -> AsyncGenerator[t.LiveEvent, None]:
        principal = await info.context.principal()
        async with info.context.transaction() as session:
            await tenancy.require_project(
                session, organization_id=principal.organization_id, project_id=project_id
            )
        async with info.context.hub.subscription(
            organization_id=principal.organization_id, topics=("metrics.updated", "anomaly.detected")
        ) as subscription:
            async for change in subscription:
                if _about(change, "project_id", project_id):
                    yield _event(change)

    @strawberry.subscription(description="The caller's new notifications and read receipts.")
    async def notifications(self, info: GatewayInfo) -> AsyncGenerator[t.LiveEvent, None]:
        principal = await info.context.principal()
        if principal.user_id is None:
            raise as_graphql_error(Forbidden("notifications belong to users; API keys have none"))
        async with info.context.hub.subscription(
            organization_id=principal.organization_id,
            user_id=principal.user_id,
            topics=("notification.created", "notification.read"),
        ) as subscription:
            async for change in subscription:
                if change.user_id == principal.user_id:
                    yield _event(change)


def _should_mask(error: GraphQLError) -> bool:
    """Hide unexpected errors; domain errors (with a status) and GraphQL validation stay visible."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | DomainError):
        return False
    return True


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        partial(QueryDepthLimiter, max_depth=10),
        partial(MaxTokensLimiter, max_token_count=5000),
        partial(MaskErrors, should_mask_error=_should_mask),
    ],
)


def sdl() -> str:
    return schema.as_str() + "\n"


class GatewayGraphQLRouter(GraphQLRouter):
    async def on_ws_connect(self, context: GatewayContext) -> Any:
        """Authenticate at `connection_init`; a bad token closes the socket with 4403."""
        try:
            principal = await context.authenticate()
        except GraphQLError as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        return {"organizationId": str(principal.organization_id)}


def graphql_router(runtime: ServiceRuntime) -> GraphQLRouter:
    """Mounted with the per-IP limit (`app.py`); a request with a bearer token is also counted
    against its principal's limit (429 over HTTP, as REST) before the query runs."""

    async def context(connection: HTTPConnection) -> GatewayContext:
        if connection.scope["type"] == "http":
            await limit_bearer(connection)
        return GatewayContext(runtime)

    return GatewayGraphQLRouter(
        schema,
        path="/graphql",
        context_getter=context,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        graphql_ide="graphiql",
        tags=["graphql"],
    )
