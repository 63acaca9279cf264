"""Reading rollups and draining dirty campaign windows (the coalesced rollup_updated)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_analytics_ingest.adapters.db import driver_connection
from zamc_analytics_ingest.domain.anomalies import Anomaly
from zamc_analytics_ingest.domain.totals import Totals

CampaignKey = tuple[str, str, str]  # platform, account, campaign


@dataclass(frozen=True)
class DirtyCampaign:
    platform: str
    account_external_id: str
    campaign_id: str
    currency: str
    time_zone: str
    tenant_id: uuid.UUID | None
    dirty_from: datetime
    dirty_to: datetime
    newest_reported_at: datetime

    @property
    def key(self) -> CampaignKey:
        return (self.platform, self.account_external_id, self.campaign_id)


@dataclass(frozen=True)
class RollupValue:
    period_start: datetime
    currency: str
    totals: Totals


CLAIM_DUE = text(
    """
    SELECT platform, account_external_id, campaign_id, currency, time_zone, tenant_id,
           dirty_from, dirty_to, newest_reported_at
    FROM analytics.campaign_freshness
    WHERE dirty_since IS NOT NULL
      AND (last_emitted_at IS NULL OR last_emitted_at <= now() - make_interval(secs => :min_interval))
    ORDER BY dirty_since
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)


async def claim_due_campaigns(
    session: AsyncSession, *, min_interval_seconds: float, limit: int
) -> list[DirtyCampaign]:
    """Dirty campaigns whose last rollup_updated is at least `min_interval_seconds` old, row-locked."""
    rows = await session.execute(CLAIM_DUE, {"min_interval": min_interval_seconds, "limit": limit})
    return [DirtyCampaign(**row._mapping) for row in rows]


async def mark_published(session: AsyncSession, campaigns: list[DirtyCampaign]) -> None:
    connection = await driver_connection(session)
    await connection.execute(
        """
        UPDATE analytics.campaign_freshness c
        SET dirty_from = NULL, dirty_to = NULL, dirty_since = NULL, last_emitted_at = now()
        FROM unnest($1::text[], $2::text[], $3::text[]) AS d(platform, account, campaign)
        WHERE c.platform = d.platform AND c.account_external_id = d.account AND c.campaign_id = d.campaign
        """,
        *_columns(campaigns),
    )


CAMPAIGN_ROWS = """
SELECT r.platform, r.account_external_id, r.campaign_id, r.period_start, r.currency,
       r.impressions, r.clicks, r.cost_micros, r.conversions_micros, r.conversion_value_micros
FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
     AS d(platform, account, campaign, period_from, period_to)
JOIN analytics.rollup r
  ON r.level = 'campaign' AND r.granularity = $6::text
 AND r.platform = d.platform AND r.account_external_id = d.account AND r.campaign_id = d.campaign
 AND r.period_start >= d.period_from AND r.period_start < d.period_to
 AND r.ad_group_id = '' AND r.ad_id = ''
"""


async def campaign_rollups(
    session: AsyncSession,
    *,
    granularity: str,
    windows: dict[CampaignKey, tuple[datetime, datetime]],
) -> dict[CampaignKey, list[RollupValue]]:
    """Campaign rollup rows of `granularity` whose period starts in each campaign's [from, to)."""
    if not windows:
        return {}
    keys = list(windows)
    connection = await driver_connection(session)
    rows = await connection.fetch(
        CAMPAIGN_ROWS,
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
        [windows[k][0] for k in keys],
        [windows[k][1] for k in keys],
        granularity,
    )
    found: dict[CampaignKey, list[RollupValue]] = defaultdict(list)
    for row in rows:
        found[(row["platform"], row["account_external_id"], row["campaign_id"])].append(
            RollupValue(
                period_start=row["period_start"],
                currency=row["currency"],
                totals=Totals(
                    row["impressions"],
                    row["clicks"],
                    row["cost_micros"],
                    row["conversions_micros"],
                    row["conversion_value_micros"],
                ),
            )
        )
    for values in found.values():
        values.sort(key=lambda v: v.period_start)
    return dict(found)


async def record_anomalies(
    session: AsyncSession, *, campaign: DirtyCampaign, anomalies: list[Anomaly]
) -> list[Anomaly]:
    """Store anomalies; returns the ones not seen before (each is published exactly once)."""
    if not anomalies:
        return []
    connection = await driver_connection(session)
    rows = await connection.fetch(
        """
        INSERT INTO analytics.anomaly (platform, account_external_id, campaign_id, kind, hour_start, evidence)
        SELECT $1::text, $2::text, $3::text, kind, hour_start, evidence::jsonb
        FROM unnest($4::text[], $5::timestamptz[], $6::text[]) AS a(kind, hour_start, evidence)
        ON CONFLICT DO NOTHING
        RETURNING kind, hour_start
        """,
        campaign.platform,
        campaign.account_external_id,
        campaign.campaign_id,
        [a.kind for a in anomalies],
        [a.hour_start for a in anomalies],
        [json.dumps(a.evidence) for a in anomalies],
    )
    new = {(row["kind"], row["hour_start"]) for row in rows}
    return [a for a in anomalies if (a.kind, a.hour_start) in new]


def _columns(campaigns: list[DirtyCampaign]) -> tuple[list[str], list[str], list[str]]:
    return (
        [c.platform for c in campaigns],
        [c.account_external_id for c in campaigns],
        [c.campaign_id for c in campaigns],
    )
