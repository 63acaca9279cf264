"""Panel groups of work waiting: consumer lag and the transactional outbox."""

from __future__ import annotations

from .builders import Group, Query, timeseries


def consumer_lag() -> Group:
    return Group(
        "Consumer lag",
        [
            timeseries(
                "Pending messages per consumer",
                [
                    Query(
                        'max by (consumer) (zamc_consumer_pending_messages{consumer=~"$consumer"})',
                        "{{consumer}}",
                    )
                ],
                description="Messages in the stream not yet delivered to the durable consumer.",
                width=24,
            )
        ],
    )


def outbox() -> Group:
    return Group(
        "Outbox",
        [
            timeseries(
                "Outbox backlog per service",
                [Query("max by (service) (zamc_outbox_backlog)", "{{service}}")],
                description="Outbox rows written but not yet published to NATS.",
            ),
            timeseries(
                "Oldest unsent outbox row",
                [Query("max by (service) (zamc_outbox_oldest_unsent_age_seconds)", "{{service}}")],
                unit="s",
                description="Age of the oldest unpublished row; alerts fire above 60 s and 600 s.",
            ),
        ],
    )
