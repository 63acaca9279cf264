"""Questions asked of the stored facts (for operators, tests and a future read API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_analytics_ingest.adapters.db import metric_fact_history as history
from zamc_analytics_ingest.domain.totals import Totals


@dataclass(frozen=True)
class Restatement:
    """A platform changed its numbers for one fact: `previous` as of `previous_reported_at` -> `current`."""

    campaign_id: str
    ad_group_id: str
    ad_id: str
    hour_start: datetime
    previous_reported_at: datetime
    reported_at: datetime
    previous: Totals
    current: Totals

    @property
    def change(self) -> Totals:
        return self.current - self.previous


async def restatements(
    *,
    session: AsyncSession,
    platform: str,
    account_external_id: str,
    campaign_id: str | None = None,
    hours_from: datetime,
    hours_to: datetime,
) -> list[Restatement]:
    """Every restatement of the hours in [hours_from, hours_to), in the order they were reported.

    "How did yesterday's conversions change?" = the `change.conversions` of the restatements of
    yesterday's hours, grouped by `reported_at`.
    """
    statement = (
        select(history)
        .where(
            history.c.platform == platform,
            history.c.account_external_id == account_external_id,
            history.c.hour_start >= hours_from,
            history.c.hour_start < hours_to,
        )
        .order_by(history.c.reported_at, history.c.id)
    )
    if campaign_id is not None:
        statement = statement.where(history.c.campaign_id == campaign_id)
    return [
        Restatement(
            campaign_id=row.campaign_id,
            ad_group_id=row.ad_group_id,
            ad_id=row.ad_id,
            hour_start=row.hour_start,
            previous_reported_at=row.previous_reported_at,
            reported_at=row.reported_at,
            previous=Totals(
                row.previous_impressions,
                row.previous_clicks,
                row.previous_cost_micros,
                row.previous_conversions_micros,
                row.previous_conversion_value_micros,
            ),
            current=Totals(
                row.impressions,
                row.clicks,
                row.cost_micros,
                row.conversions_micros,
                row.conversion_value_micros,
            ),
        )
        for row in await session.execute(statement)
    ]
