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
                width=8,
            ),
            timeseries(
                "Strategies by generator",
                [
                    Query(
                        f"sum by (generator) (increase(zamc_strategies_generated_total[{RATE}]))",
                        "{{generator}}",
                    )
                ],
                width=8,
                stack=True,
            ),
            timeseries(
                "Deployments by status",
                [Query(f"sum by (status) (increase(zamc_deployments_total[{RATE}]))", "{{status}}")],
                width=8,
                stack=True,
            ),
        ],
    )
