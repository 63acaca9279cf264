"""Panel group of the marketing funnel: briefs, strategies, deployments."""

from __future__ import annotations

from .builders import Group, Query, stat, timeseries

RATE = "$__rate_interval"


def funnel() -> Group:
    return Group(
        "Briefs, strategies, deployments",
        [
            stat(
                "Briefs submitted (time range)",
                Query("sum(increase(zamc_briefs_submitted_total[$__range]))", instant=True),
                decimals=0,
            ),
            stat(
                "Strategies generated (time range)",
                Query("sum(increase(zamc_strategies_generated_total[$__range]))", instant=True),
                decimals=0,
            ),
            stat(
                "Deployments (time range)",
                Query("sum(increase(zamc_deployments_total[$__range]))", instant=True),
                decimals=0,
            ),
            stat(
                "Strategies by rules fallback",
                Query(
                    'sum(increase(zamc_strategies_generated_total{generator="rules"}[$__range]))'
                    " / sum(increase(zamc_strategies_generated_total[$__range]))",
                    instant=True,
                ),
                unit="percentunit",
                description="Share of strategies made by the rules generator instead of the LLM.",
                thresholds=[(None, "green"), (0.2, "orange"), (0.5, "red")],
            ),
            timeseries(
                "Briefs submitted",
                [Query(f"sum(increase(zamc_briefs_submitted_total[{RATE}]))", "briefs")],
                width=6,
            ),
            timeseries(
                "Strategies by generator",
                [
                    Query(
                        f"sum by (generator) (increase(zamc_strategies_generated_total[{RATE}]))",
                        "{{generator}}",
                    )
                ],
                width=6,
                stack=True,
            ),
            timeseries(
                "Strategy generation time p95",
                [
                    Query(
                        "histogram_quantile(0.95, sum by (le, generator) "
                        f"(rate(zamc_strategy_generation_seconds_bucket[{RATE}])))",
                        "{{generator}}",
                    )
                ],
                unit="s",
                width=6,
                description="From the worker taking the brief to the stored strategy, by generator.",
            ),
            timeseries(
                "Deployments by status",
                [Query(f"sum by (status) (increase(zamc_deployments_total[{RATE}]))", "{{status}}")],
                width=6,
                stack=True,
            ),
        ],
    )
