"""Panel groups of the gateway's HTTP API: traffic, errors, latency per route."""

from __future__ import annotations

from .builders import Group, Panel, Query, stat, timeseries

RATE = "$__rate_interval"
ROUTE = 'route=~"$route"'


def traffic() -> Group:
    return Group(
        "Traffic",
        [
            stat(
                "Requests per second",
                Query(f"sum(rate(zamc_http_requests_total{{{ROUTE}}}[{RATE}]))"),
                unit="reqps",
                width=6,
                height=8,
            ),
            timeseries(
                "Requests per route",
                [
                    Query(
                        f"sum by (route, method) (rate(zamc_http_requests_total{{{ROUTE}}}[{RATE}]))",
                        "{{method}} {{route}}",
                    )
                ],
                unit="reqps",
                width=9,
            ),
            timeseries(
                "Responses per status",
                [
                    Query(
                        f"sum by (status) (rate(zamc_http_requests_total{{{ROUTE}}}[{RATE}]))",
                        "{{status}}",
                    )
                ],
                unit="reqps",
                width=9,
                stack=True,
            ),
        ],
    )


def errors() -> Group:
    return Group(
        "Errors",
        [
            timeseries(
                "Server errors (5xx) ratio per route",
                [
                    Query(
                        f'sum by (route) (rate(zamc_http_requests_total{{{ROUTE}, status=~"5.."}}[{RATE}]))'
                        f" / sum by (route) (rate(zamc_http_requests_total{{{ROUTE}}}[{RATE}]))",
                        "{{route}}",
                    )
                ],
                unit="percentunit",
                description="The ZamcGatewayErrorRate alert fires above 5 % overall.",
            ),
            timeseries(
                "Client errors (4xx) per route",
                [
                    Query(
                        f'sum by (route, status) (rate(zamc_http_requests_total{{{ROUTE}, status=~"4.."}}[{RATE}]))',
                        "{{status}} {{route}}",
                    )
                ],
                unit="reqps",
            ),
        ],
    )


def latency() -> Group:
    def quantile(q: str, label: str) -> Panel:
        return timeseries(
            f"Latency {label} per route",
            [
                Query(
                    f"histogram_quantile({q}, sum by (le, route) "
                    f"(rate(zamc_http_request_seconds_bucket{{{ROUTE}}}[{RATE}])))",
                    "{{route}}",
                )
            ],
            unit="s",
            width=8,
        )

    return Group("Latency", [quantile("0.5", "p50"), quantile("0.95", "p95"), quantile("0.99", "p99")])
