"""Panel groups of the ad platforms: API health, and spend / ROAS from analytics ingest."""

from __future__ import annotations

from .builders import Group, Query, stat, timeseries

RATE = "$__rate_interval"
PLATFORM = 'platform=~"$platform"'


def platform_api() -> Group:
    return Group(
        "Platform APIs",
        [
            timeseries(
                "API calls by platform and operation",
                [
                    Query(
                        f"sum by (platform, operation) (rate(zamc_platform_api_calls_total{{{PLATFORM}}}[{RATE}]))",
                        "{{platform}} {{operation}}",
                    )
                ],
                unit="ops",
            ),
            timeseries(
                "API errors by platform and code",
                [
                    Query(
                        f"sum by (platform, code) (rate(zamc_platform_api_errors_total{{{PLATFORM}}}[{RATE}]))",
                        "{{platform}} {{code}}",
                    )
                ],
                unit="ops",
            ),
            timeseries(
                "Rate-limit backoffs",
                [
                    Query(
                        "sum by (platform) "
                        f"(increase(zamc_platform_rate_limit_backoffs_total{{{PLATFORM}}}[{RATE}]))",
                        "{{platform}}",
                    )
                ],
            ),
            timeseries(
                "Re-authorization required",
                [
                    Query(
                        "sum by (platform) "
                        f"(increase(zamc_platform_reauthorization_required_total{{{PLATFORM}}}[{RATE}]))",
                        "{{platform}}",
                    )
                ],
                description="An advertiser must reconnect the account (alert ZamcPlatformReauthorizationRequired).",
            ),
        ],
    )


def spend_and_roas() -> Group:
    spend_range = f"sum by (platform) (increase(zamc_analytics_spend_micros_total{{{PLATFORM}}}[$__range]))"
    value_range = (
        f"sum by (platform) (increase(zamc_analytics_conversion_value_micros_total{{{PLATFORM}}}[$__range]))"
    )
    return Group(
        "Spend and ROAS",
        [
            stat(
                "Spend (time range, account currency)",
                Query(f"sum({spend_range}) / 1e6", instant=True),
                decimals=2,
                description="Sum of spend over all platforms, in the ad accounts' currency units.",
            ),
            stat(
                "ROAS (time range)",
                Query(f"sum({value_range}) / sum({spend_range})", instant=True),
                decimals=2,
                description="Conversion value / spend.",
                thresholds=[(None, "red"), (1, "orange"), (2, "green")],
            ),
            stat(
                "Observations stored (time range)",
                Query(
                    f"sum(increase(zamc_analytics_observations_stored_total{{{PLATFORM}}}[$__range]))",
                    instant=True,
                ),
                decimals=0,
            ),
            timeseries(
                "Spend by platform",
                [
                    Query(
                        f"sum by (platform) (increase(zamc_analytics_spend_micros_total{{{PLATFORM}}}[{RATE}])) / 1e6",
                        "{{platform}}",
                    )
                ],
                description="Spend reported per interval, in the ad accounts' currency units.",
                stack=True,
            ),
            timeseries(
                "ROAS by platform",
                [
                    Query(
                        "sum by (platform) "
                        f"(rate(zamc_analytics_conversion_value_micros_total{{{PLATFORM}}}[1h]))"
                        " / sum by (platform) "
                        f"(rate(zamc_analytics_spend_micros_total{{{PLATFORM}}}[1h]))",
                        "{{platform}}",
                    )
                ],
                description="Conversion value / spend over a sliding hour.",
            ),
        ],
    )
