"""Prometheus metrics of the event runtime (names are referenced by dashboards and alerts)."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "zamc_events_published_total", "Events published to JetStream", ["service", "subject"]
)
EVENTS_HANDLED = Counter("zamc_events_handled_total", "Events handled and committed", ["consumer", "subject"])
EVENTS_FAILED = Counter("zamc_events_failed_total", "Handler attempts that raised", ["consumer", "subject"])
EVENTS_REDELIVERED = Counter(
    "zamc_events_redelivered_total",
    "Deliveries after the first, incl. already handled",
    ["consumer", "subject"],
)
EVENTS_DEAD_LETTERED = Counter(
    "zamc_events_dead_lettered_total", "Events moved to the dead-letter stream", ["consumer", "subject"]
)
HANDLER_SECONDS = Histogram(
    "zamc_event_handler_seconds",
    "Time spent in one call of an event handler (a Batched handler: one call per batch)",
    ["consumer", "subject"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OUTBOX_BACKLOG = Gauge("zamc_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "zamc_outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
CONSUMER_PENDING = Gauge(
    "zamc_consumer_pending_messages", "Messages waiting for a durable consumer", ["consumer"]
)
DLQ_MESSAGES = Gauge("zamc_dlq_messages", "Messages in the ZAMC_DLQ stream")
