"""Prometheus metrics of the platform connectors (names shared with connector-google).

Both connectors export the same series with a `platform` label; a process that imports both
(the test session) must not register a name twice, so an existing collector is reused.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter

PLATFORM = "meta"


def _counter(name: str, documentation: str, labels: list[str]) -> Counter:
    existing = REGISTRY._names_to_collectors.get(name) or REGISTRY._names_to_collectors.get(
        name.removesuffix("_total")
    )
    if isinstance(existing, Counter):
        return existing
    return Counter(name, documentation, labels)


API_CALLS = _counter(
    "zamc_platform_api_calls_total", "Calls made to an ad platform API", ["platform", "operation"]
)
API_ERRORS = _counter(
    "zamc_platform_api_errors_total", "Ad platform API calls that failed, by error code", ["platform", "code"]
)
RATE_LIMIT_BACKOFFS = _counter(
    "zamc_platform_rate_limit_backoffs_total",
    "Times a connector backed off because of a platform rate limit or usage",
    ["platform"],
)
REAUTHORIZATION_REQUIRED = _counter(
    "zamc_platform_reauthorization_required_total",
    "Connections whose token the platform refused (the user must connect again)",
    ["platform"],
)

# series that should read 0 rather than be absent before the first event
RATE_LIMIT_BACKOFFS.labels(PLATFORM)
REAUTHORIZATION_REQUIRED.labels(PLATFORM)
