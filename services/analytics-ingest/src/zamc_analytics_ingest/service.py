"""The service layer: what handling an observation batch and publishing rollups mean."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_analytics_ingest import metrics
from zamc_analytics_ingest.adapters.facts import StoreResult, store_facts
from zamc_analytics_ingest.adapters.rollups import (
    DirtyCampaign,
    RollupValue,
    campaign_rollups,
    claim_due_campaigns,
    mark_published,
    record_anomalies,
)
from zamc_analytics_ingest.config import Settings
from zamc_analytics_ingest.domain.anomalies import detect
from zamc_analytics_ingest.domain.money import ExchangeRates, MissingExchangeRateError
from zamc_analytics_ingest.domain.observations import InvalidObservationError, facts_of
from zamc_analytics_ingest.domain.settlement import is_settled
from zamc_analytics_ingest.domain.totals import HOUR, local_day_end, local_day_start
from zamc_events.contracts.base import Envelope
from zamc_events.contracts.metrics import AnomalyDetected, MetricsObserved, RollupRow, RollupUpdated
from zamc_events.runtime.consumer import PermanentError
from zamc_events.runtime.outbox import Publisher

log = structlog.get_logger("zamc.analytics")


async def record_observations(
    *, session: AsyncSession, envelope: Envelope[MetricsObserved], settings: Settings
) -> StoreResult:
    """Store one batch of observations (in the caller's transaction) and count it once committed."""
    event = envelope.data
    try:
        records = facts_of(event)
    except InvalidObservationError as error:
        raise PermanentError(str(error)) from error
    result = await store_facts(
        session=session,
        platform=event.platform,
        account_external_id=event.account_external_id,
        currency=event.currency,
        time_zone=event.time_zone,
        records=records,
        event_id=envelope.event_id,
        tenant_id=envelope.tenant_id,
    )
    rates = ExchangeRates(settings.reporting_currency, settings.exchange_rates)
    try:
        spend = rates.convert(result.cost_added_micros, event.currency)
        value = rates.convert(result.conversion_value_added_micros, event.currency)
    except MissingExchangeRateError as error:
        log.warning("spend not counted in the metrics", reason=str(error))
        spend = value = 0
    metrics.count_after_commit(
        session,
        platform=event.platform,
        stored=result.stored,
        spend_micros=spend,
        conversion_value_micros=value,
    )
    return result


async def publish_rollup_updates(
    *, session: AsyncSession, publisher: Publisher, settings: Settings, now: datetime
) -> int:
    """Emit one rollup_updated (and any new anomalies) per due dirty campaign, then mark them clean.

    Runs in one transaction: the events go to the outbox with the campaigns' clean marks, so a
    crash publishes either both or neither. Returns how many campaigns were published.
    """
    due = await claim_due_campaigns(
        session,
        min_interval_seconds=settings.rollup_min_interval_seconds,
        limit=settings.rollup_campaigns_per_transaction,
    )
    if not due:
        return 0
    thresholds = settings.anomalies
    history = timedelta(hours=thresholds.history_hours)
    judged_from = {c.key: max(c.dirty_from, now - timedelta(hours=thresholds.max_age_hours)) for c in due}
    hours = await campaign_rollups(
        session,
        granularity="hour",
        windows={c.key: (min(c.dirty_from, judged_from[c.key] - history), c.dirty_to) for c in due},
    )
    days = await campaign_rollups(
        session,
        granularity="day",
        windows={c.key: (local_day_start(c.dirty_from, c.time_zone), c.dirty_to) for c in due},
    )
    for campaign in due:
        hour_values = hours.get(campaign.key, [])
        changed = [v for v in hour_values if v.period_start >= campaign.dirty_from]
        rows = [_row(campaign, v, "hour", v.period_start + HOUR, now, settings) for v in changed] + [
            _row(campaign, v, "day", local_day_end(v.period_start, campaign.time_zone), now, settings)
            for v in days.get(campaign.key, [])
        ]
        for chunk in _chunks(rows, settings.rollup_rows_per_event):
            await publisher.emit(
                session,
                RollupUpdated(
                    platform=campaign.platform,
                    account_external_id=campaign.account_external_id,
                    campaign_id=campaign.campaign_id,
                    window_start=min(r.period_start for r in chunk),
                    window_end=max(_end(r, campaign) for r in chunk),
                    rows=chunk,
                    observed_at=campaign.newest_reported_at,
                ),
                tenant_id=campaign.tenant_id,
            )
        if judged_from[campaign.key] >= campaign.dirty_to:
            continue  # only hours too old to judge changed
        found = detect(
            {v.period_start: v.totals for v in hour_values},
            judge=_hours(judged_from[campaign.key], campaign.dirty_to),
            now=now,
            thresholds=thresholds,
        )
        for anomaly in await record_anomalies(session, campaign=campaign, anomalies=found):
            await publisher.emit(
                session,
                AnomalyDetected(
                    platform=campaign.platform,
                    account_external_id=campaign.account_external_id,
                    campaign_id=campaign.campaign_id,
                    kind=anomaly.kind,
                    hour_start=anomaly.hour_start,
                    evidence={**anomaly.evidence, "currency": campaign.currency},
                ),
                tenant_id=campaign.tenant_id,
            )
    await mark_published(session, due)
    return len(due)


def _row(
    campaign: DirtyCampaign,
    value: RollupValue,
    granularity: Any,
    period_end: datetime,
    now: datetime,
    settings: Settings,
) -> RollupRow:
    totals = value.totals
    return RollupRow(
        platform=campaign.platform,
        account_external_id=campaign.account_external_id,
        campaign_id=campaign.campaign_id,
        period_start=value.period_start,
        granularity=granularity,
        currency=value.currency,
        impressions=totals.impressions,
        clicks=totals.clicks,
        cost_micros=totals.cost_micros,
        conversions=totals.conversions,
        conversion_value_micros=totals.conversion_value_micros,
        settled=is_settled(
            platform=campaign.platform,
            period_end=period_end,
            now=now,
            windows_days=settings.restatement_window_days,
        ),
    )


def _end(row: RollupRow, campaign: DirtyCampaign) -> datetime:
    if row.granularity == "hour":
        return row.period_start + HOUR
    return local_day_end(row.period_start, campaign.time_zone)


def _chunks(rows: Sequence[RollupRow], size: int) -> Iterator[list[RollupRow]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def _hours(start: datetime, end: datetime) -> Iterator[datetime]:
    hour = start
    while hour < end:
        yield hour
        hour += HOUR
