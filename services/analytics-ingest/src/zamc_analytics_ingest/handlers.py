"""Event handlers of analytics-ingest: subject -> handler. Handlers parse, call the service layer, return."""

from __future__ import annotations

from collections.abc import Mapping

from zamc_analytics_ingest.config import Settings
from zamc_analytics_ingest.service import record_observations
from zamc_events.contracts.metrics import MetricsObserved
from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_events.runtime.service import ServiceRuntime


def handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    settings = runtime.settings
    assert isinstance(settings, Settings), "analytics-ingest runs with its own Settings"

    async def on_metrics_observed(ctx: HandlerContext) -> None:
        await record_observations(session=ctx.session, envelope=ctx.envelope, settings=settings)

    return {MetricsObserved.subject: on_metrics_observed}
