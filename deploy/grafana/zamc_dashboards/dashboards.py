"""The three ZAMC dashboards, assembled from the panel groups."""

from __future__ import annotations

from typing import Any

from . import backlog, events, funnel, http, llm, platforms
from .builders import dashboard, label_variable


def platform_overview() -> dict[str, Any]:
    return dashboard(
        uid="zamc-platform-overview",
        title="ZAMC / Platform overview",
        description="Event flow between the services: publishing, handling, failures, lag, outbox.",
        tags=["events"],
        variables=[
            label_variable("subject", "subject", "zamc_events_published_total"),
            label_variable("consumer", "consumer", "zamc_events_handled_total"),
        ],
        groups=[
            events.event_flow(),
            events.failures_and_dead_letters(),
            backlog.consumer_lag(),
            backlog.outbox(),
            events.handler_latency(),
        ],
    )


def api() -> dict[str, Any]:
    return dashboard(
        uid="zamc-api",
        title="ZAMC / API",
        description="The gateway's public API: request rate, errors and latency per route.",
        tags=["api"],
        variables=[label_variable("route", "route", "zamc_http_requests_total")],
        groups=[http.traffic(), http.errors(), http.latency()],
    )


def business() -> dict[str, Any]:
    return dashboard(
        uid="zamc-business",
        title="ZAMC / Business",
        description="Briefs to deployments, LLM use, ad platform health, spend and ROAS.",
        tags=["business"],
        variables=[label_variable("platform", "platform", "zamc_platform_api_calls_total")],
        groups=[funnel.funnel(), llm.llm_usage(), platforms.platform_api(), platforms.spend_and_roas()],
    )


# file name (under deploy/grafana/dashboards) -> dashboard
DASHBOARDS = {
    "zamc-platform-overview.json": platform_overview,
    "zamc-api.json": api,
    "zamc-business.json": business,
}
