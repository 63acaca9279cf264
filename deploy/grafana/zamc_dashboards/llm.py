"""Panel group of the orchestrator's LLM use: calls, latency, tokens, cost."""

from __future__ import annotations

from .builders import Group, Query, stat, timeseries

RATE = "$__rate_interval"


def llm_usage() -> Group:
    return Group(
        "LLM",
        [
            stat(
                "LLM cost (time range)",
                Query("sum(increase(zamc_llm_cost_usd_total[$__range]))", instant=True),
                unit="currencyUSD",
                decimals=2,
            ),
            timeseries(
                "LLM calls by model and outcome",
                [
                    Query(
                        f"sum by (model, outcome) (rate(zamc_llm_calls_total[{RATE}]))",
                        "{{model}} {{outcome}}",
                    )
                ],
                unit="ops",
                width=9,
            ),
            timeseries(
                "LLM call latency p95",
                [
                    Query(
                        "histogram_quantile(0.95, sum by (le, model) "
                        f"(rate(zamc_llm_call_seconds_bucket[{RATE}])))",
                        "{{model}}",
                    )
                ],
                unit="s",
                width=9,
            ),
            timeseries(
                "LLM tokens by model and kind",
                [
                    Query(
                        f"sum by (model, kind) (increase(zamc_llm_tokens_total[{RATE}]))",
                        "{{model}} {{kind}}",
                    )
                ],
                stack=True,
            ),
            timeseries(
                "LLM cost by model",
                [Query(f"sum by (model) (increase(zamc_llm_cost_usd_total[{RATE}]))", "{{model}}")],
                unit="currencyUSD",
                stack=True,
            ),
        ],
    )
