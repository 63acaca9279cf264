"""The gateway's Prometheus metrics (catalogued in deploy/metrics.yaml)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "zamc_http_requests", "HTTP requests answered, by route template", ["route", "method", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "zamc_http_request_seconds",
    "Time to answer an HTTP request, by route template",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BRIEFS_SUBMITTED = Counter("zamc_briefs_submitted", "Briefs accepted for strategy generation")
DEPLOYMENTS = Counter("zamc_deployments", "Deployments finished, by final status", ["status"])
