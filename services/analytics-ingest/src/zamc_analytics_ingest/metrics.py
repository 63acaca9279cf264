"""Prometheus metrics of analytics-ingest (names are in deploy/metrics.yaml and the dashboards).

Counted after the transaction that stored the facts commits, so a rolled-back or redelivered
batch is not counted twice. Spend and conversion value are micros of the *reporting currency*
(settings.reporting_currency, converted with the configured rates) so that accounts in different
currencies add up; restatements that raise a figure add the increase, decreases are not
subtracted (a counter only grows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.common import PLATFORMS

log = structlog.get_logger("zamc.analytics")

OBSERVATIONS_STORED = Counter(
    "zamc_analytics_observations_stored_total",
    "Metric observations stored (new facts and restatements; duplicates and older reports excluded)",
    ["platform"],
)
SPEND_MICROS = Counter(
    "zamc_analytics_spend_micros_total",
    "Spend newly recorded, in micros of the reporting currency",
    ["platform"],
)
CONVERSION_VALUE_MICROS = Counter(
    "zamc_analytics_conversion_value_micros_total",
    "Conversion value newly recorded, in micros of the reporting currency",
    ["platform"],
)

# every platform's series exists from the start (at 0), so /metrics shows them and rate() has a base
for _platform in PLATFORMS:
    for _counter in (OBSERVATIONS_STORED, SPEND_MICROS, CONVERSION_VALUE_MICROS):
        _counter.labels(_platform)

_PENDING = "zamc_analytics_pending_metrics"


@dataclass
class _Pending:
    stored: dict[str, int] = field(default_factory=dict)
    spend: dict[str, int] = field(default_factory=dict)
    value: dict[str, int] = field(default_factory=dict)


def count_after_commit(
    session: AsyncSession, *, platform: str, stored: int, spend_micros: int, conversion_value_micros: int
) -> None:
    """Add to the counters once `session`'s transaction commits (nothing if it rolls back)."""
    sync_session = session.sync_session
    pending: _Pending | None = sync_session.info.get(_PENDING)
    if pending is None:
        pending = sync_session.info[_PENDING] = _Pending()

        def committed(_session) -> None:
            done = sync_session.info.pop(_PENDING, None)
            if done is not None:
                _apply(done)

        def rolled_back(_session) -> None:
            sync_session.info.pop(_PENDING, None)

        event.listen(sync_session, "after_commit", committed, once=True)
        event.listen(sync_session, "after_rollback", rolled_back, once=True)
    pending.stored[platform] = pending.stored.get(platform, 0) + stored
    pending.spend[platform] = pending.spend.get(platform, 0) + spend_micros
    pending.value[platform] = pending.value.get(platform, 0) + conversion_value_micros


def _apply(pending: _Pending) -> None:
    for platform, count in pending.stored.items():
        OBSERVATIONS_STORED.labels(platform).inc(count)
    for platform, micros in pending.spend.items():
        SPEND_MICROS.labels(platform).inc(micros)
    for platform, micros in pending.value.items():
        CONVERSION_VALUE_MICROS.labels(platform).inc(micros)
