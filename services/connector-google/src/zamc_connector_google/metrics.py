"""Prometheus metrics of the platform connectors (names shared with connector-meta; see deploy/metrics.yaml).

connector-meta defines the same names in its own package: the services are separate processes.
A process that imports both (a test session) gets the collector already registered, not a clash.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter

PLATFORM = "google_ads"


def _counter(name: str, documentation: str, labels: list[str]) -> Counter:
    existing = REGISTRY._names_to_collectors.get(name.removesuffix("_total"))
    if isinstance(existing, Counter):
        return existing
    return Counter(name, documentation, labels)


API_CALLS = _counter(
    "zamc_platform_api_calls_total", "Calls made to an ad platform API", ["platform", "operation"]
)
API_ERRORS = _counter("zamc_platform_api_errors_total", "Failed ad platform API calls", ["platform", "code"])
RATE_LIMIT_BACKOFFS = _counter(
    "zamc_platform_rate_limit_backoffs_total", "Backoffs after an ad platform rate limit", ["platform"]
)
REAUTHORIZATION_REQUIRED = _counter(
    "zamc_platform_reauthorization_required_total",
    "Connections whose token refresh the platform refused",
    ["platform"],
)

# series that read 0 rather than being absent before the first event
RATE_LIMIT_BACKOFFS.labels(PLATFORM)
REAUTHORIZATION_REQUIRED.labels(PLATFORM)
