"""Prometheus metrics of the orchestrator (names are referenced by dashboards and alerts)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LLM_CALLS = Counter("zamc_llm_calls_total", "Language model calls by outcome", ["model", "outcome"])
LLM_CALL_SECONDS = Histogram(
    "zamc_llm_call_seconds",
    "Latency of one language model call",
    ["model"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)
LLM_TOKENS = Counter("zamc_llm_tokens_total", "Tokens used by language model calls", ["model", "kind"])
LLM_COST_USD = Counter("zamc_llm_cost_usd_total", "Estimated cost of language model calls in USD", ["model"])
STRATEGIES_GENERATED = Counter("zamc_strategies_generated_total", "Strategies generated", ["generator"])
STRATEGY_GENERATION_SECONDS = Histogram(
    "zamc_strategy_generation_seconds",
    "Time to generate one strategy (worker start to stored result), by generator",
    ["generator"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
