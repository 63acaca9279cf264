"""Panel groups of the event runtime (every service): flow, failures, handler latency."""

from __future__ import annotations

from .builders import Group, Query, stat, timeseries

RATE = "$__rate_interval"
SUBJECT = 'subject=~"$subject"'
CONSUMER_SUBJECT = 'consumer=~"$consumer", subject=~"$subject"'


def event_flow() -> Group:
    return Group(
        "Event flow",
        [
            timeseries(
                "Events published per subject",
                [
                    Query(
                        f"sum by (subject) (rate(zamc_events_published_total{{{SUBJECT}}}[{RATE}]))",
                        "{{subject}}",
                    )
                ],
                unit="ops",
                description="Events the outbox relays publish to NATS, per second.",
            ),
            timeseries(
                "Events handled per consumer and subject",
                [
                    Query(
                        "sum by (consumer, subject) "
                        f"(rate(zamc_events_handled_total{{{CONSUMER_SUBJECT}}}[{RATE}]))",
                        "{{consumer}} ← {{subject}}",
                    )
                ],
                unit="ops",
                description="Events whose handler committed its effects and acked, per second.",
            ),
        ],
    )


def failures_and_dead_letters() -> Group:
    return Group(
        "Failures and dead letters",
        [
            stat(
                "Messages in the dead-letter queue",
                Query("max(zamc_dlq_messages)", instant=True),
                description="Size of the ZAMC_DLQ stream. Inspect with `zamc-dlq list`.",
                thresholds=[(None, "green"), (1, "orange"), (100, "red")],
                width=6,
                height=8,
            ),
            timeseries(
                "Handler failures",
                [
                    Query(
                        "sum by (consumer, subject) "
                        f"(rate(zamc_events_failed_total{{{CONSUMER_SUBJECT}}}[{RATE}]))",
                        "failed {{consumer}} ← {{subject}}",
                    ),
                    Query(
                        "sum by (consumer, subject) "
                        f"(rate(zamc_events_redelivered_total{{{CONSUMER_SUBJECT}}}[{RATE}]))",
                        "redelivered {{consumer}} ← {{subject}}",
                    ),
                ],
                unit="ops",
                width=9,
            ),
            timeseries(
                "Events dead-lettered",
                [
                    Query(
                        "sum by (consumer, subject) "
                        f"(increase(zamc_events_dead_lettered_total{{{CONSUMER_SUBJECT}}}[{RATE}]))",
                        "{{consumer}} ← {{subject}}",
                    )
                ],
                description="Events a consumer gave up on (poison or retries exhausted).",
                width=9,
            ),
        ],
    )


def handler_latency() -> Group:
    def quantile(q: str) -> Query:
        return Query(
            f"histogram_quantile({q}, sum by (le, consumer) "
            f'(rate(zamc_event_handler_seconds_bucket{{consumer=~"$consumer", subject=~"$subject"}}[{RATE}])))',
            f"p{q[2:].ljust(2, '0')} {{{{consumer}}}}",
        )

    return Group(
        "Handler latency",
        [
            timeseries("Handler latency p50", [quantile("0.5")], unit="s", width=8),
            timeseries("Handler latency p95", [quantile("0.95")], unit="s", width=8),
            timeseries("Handler latency p99", [quantile("0.99")], unit="s", width=8),
        ],
    )
