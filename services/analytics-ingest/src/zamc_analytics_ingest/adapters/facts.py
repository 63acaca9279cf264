"""Storing a batch of observations: COPY into a temporary staging table, then one merge.

The merge statement (one round trip) does everything a batch changes, in the caller's
transaction so that it commits with the consumer's inbox row:

1. upserts the facts; an existing fact is replaced only by a strictly later `reported_at`
   (domain.observations.supersedes) and keeps the values it replaced in its `prev_*` columns,
   so RETURNING yields old and new values of the row as locked (safe with concurrent replicas);
2. appends a history row for every restatement that changed a number;
3. adds the deltas (new - previous) of the changed facts to the ad/day, campaign/hour+day
   and account/hour+day rollups;
4. marks the changed hours of each campaign dirty in `campaign_freshness`, which the
   rollup publisher drains (coalesced rollup_updated);
5. returns what the metrics need.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_analytics_ingest.adapters.db import driver_connection
from zamc_analytics_ingest.domain.observations import STAGING_COLUMNS, FactRecord

STAGING_TABLE = "analytics_staging"

CREATE_STAGING = text(
    f"""
    CREATE TEMP TABLE IF NOT EXISTS {STAGING_TABLE} (
        campaign_id text COLLATE "C" NOT NULL,
        ad_group_id text COLLATE "C" NOT NULL,
        ad_id text COLLATE "C" NOT NULL,
        hour_start timestamptz NOT NULL,
        day_start timestamptz NOT NULL,
        impressions bigint NOT NULL,
        clicks bigint NOT NULL,
        cost_micros bigint NOT NULL,
        conversions_micros bigint NOT NULL,
        conversion_value_micros bigint NOT NULL,
        reported_at timestamptz NOT NULL
    ) ON COMMIT DELETE ROWS
    """
)

_M = ("impressions", "clicks", "cost_micros", "conversions_micros", "conversion_value_micros")
_DELTAS = ", ".join(f"m.{c} - m.prev_{c} AS d_{c}" for c in _M)
_SUM_DELTAS = ", ".join(f"sum(d_{c})" for c in _M)
_ROLLUP_ADD = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in _M)
_SET_PREV = ", ".join(f"prev_{c} = f.{c}" for c in _M)
_SET_NEW = ", ".join(f"{c} = excluded.{c}" for c in _M)
_COLS = ", ".join(_M)
_CHANGED = " OR ".join(f"m.{c} <> m.prev_{c}" for c in _M)

# $1 platform, $2 account, $3 currency, $4 time zone, $5 event id, $6 tenant id
MERGE = f"""
WITH merged AS (
    INSERT INTO analytics.metric_fact AS f (
        platform, account_external_id, campaign_id, hour_start, ad_group_id, ad_id, day_start,
        currency, time_zone, {_COLS}, reported_at, event_id)
    SELECT $1::text, $2::text, s.campaign_id, s.hour_start, s.ad_group_id, s.ad_id, s.day_start,
           $3::text, $4::text, s.impressions, s.clicks, s.cost_micros, s.conversions_micros,
           s.conversion_value_micros, s.reported_at, $5::uuid
    FROM {STAGING_TABLE} s
    ORDER BY s.campaign_id, s.hour_start, s.ad_group_id, s.ad_id
    ON CONFLICT (platform, account_external_id, campaign_id, hour_start, ad_group_id, ad_id) DO UPDATE SET
        {_SET_PREV}, prev_reported_at = f.reported_at,
        {_SET_NEW}, reported_at = excluded.reported_at, event_id = excluded.event_id,
        currency = excluded.currency, time_zone = excluded.time_zone,
        day_start = excluded.day_start, restatements = f.restatements + 1, updated_at = now()
    WHERE excluded.reported_at > f.reported_at
    RETURNING f.*
),
changed AS (
    SELECT m.campaign_id, m.ad_group_id, m.ad_id, m.hour_start, m.day_start, m.reported_at, m.prev_reported_at,
           {", ".join(f"m.{c}, m.prev_{c}" for c in _M)}, {_DELTAS}
    FROM merged m
    WHERE m.prev_reported_at IS NULL OR {_CHANGED}
),
history AS (
    INSERT INTO analytics.metric_fact_history (
        platform, account_external_id, campaign_id, hour_start, ad_group_id, ad_id, currency,
        reported_at, {_COLS}, previous_reported_at, {", ".join(f"previous_{c}" for c in _M)}, event_id)
    SELECT $1::text, $2::text, campaign_id, hour_start, ad_group_id, ad_id, $3::text,
           reported_at, {_COLS}, prev_reported_at, {", ".join(f"prev_{c}" for c in _M)}, $5::uuid
    FROM changed
    WHERE prev_reported_at IS NOT NULL
),
rolled AS (
    INSERT INTO analytics.rollup AS r (
        level, granularity, platform, account_external_id, campaign_id, period_start, ad_group_id, ad_id,
        currency, {_COLS}, newest_reported_at)
    SELECT level, granularity, $1::text, $2::text, campaign_id, period_start, ad_group_id, ad_id,
           $3::text, {_SUM_DELTAS}, max(reported_at)
    FROM (
        SELECT 'ad'::text AS level, 'day'::text AS granularity, campaign_id, ad_group_id, ad_id,
               day_start AS period_start, reported_at, {", ".join(f"d_{c}" for c in _M)} FROM changed
        UNION ALL
        SELECT 'campaign', 'hour', campaign_id, '', '', hour_start, reported_at,
               {", ".join(f"d_{c}" for c in _M)} FROM changed
        UNION ALL
        SELECT 'campaign', 'day', campaign_id, '', '', day_start, reported_at,
               {", ".join(f"d_{c}" for c in _M)} FROM changed
        UNION ALL
        SELECT 'account', 'hour', '', '', '', hour_start, reported_at,
               {", ".join(f"d_{c}" for c in _M)} FROM changed
        UNION ALL
        SELECT 'account', 'day', '', '', '', day_start, reported_at,
               {", ".join(f"d_{c}" for c in _M)} FROM changed
    ) deltas
    GROUP BY level, granularity, campaign_id, period_start, ad_group_id, ad_id
    ORDER BY level, granularity, campaign_id, period_start, ad_group_id, ad_id
    ON CONFLICT (level, granularity, platform, account_external_id, campaign_id, period_start, ad_group_id, ad_id)
    DO UPDATE SET {_ROLLUP_ADD}, currency = excluded.currency,
        newest_reported_at = greatest(r.newest_reported_at, excluded.newest_reported_at), updated_at = now()
),
dirty AS (
    INSERT INTO analytics.campaign_freshness AS c (
        platform, account_external_id, campaign_id, currency, time_zone, tenant_id,
        dirty_from, dirty_to, dirty_since, newest_reported_at)
    SELECT $1::text, $2::text, campaign_id, $3::text, $4::text, $6::uuid,
           min(hour_start), max(hour_start) + interval '1 hour', clock_timestamp(), max(reported_at)
    FROM changed
    GROUP BY campaign_id
    ORDER BY campaign_id
    ON CONFLICT (platform, account_external_id, campaign_id) DO UPDATE SET
        currency = excluded.currency, time_zone = excluded.time_zone,
        tenant_id = coalesce(excluded.tenant_id, c.tenant_id),
        dirty_from = least(c.dirty_from, excluded.dirty_from),
        dirty_to = greatest(c.dirty_to, excluded.dirty_to),
        dirty_since = coalesce(c.dirty_since, excluded.dirty_since),
        newest_reported_at = greatest(c.newest_reported_at, excluded.newest_reported_at)
)
SELECT (SELECT count(*) FROM merged) AS stored,
       (SELECT count(*) FROM changed) AS changed,
       (SELECT count(*) FROM changed WHERE prev_reported_at IS NOT NULL) AS restated,
       (SELECT coalesce(sum(greatest(d_cost_micros, 0)), 0) FROM changed) AS cost_added_micros,
       (SELECT coalesce(sum(greatest(d_conversion_value_micros, 0)), 0) FROM changed)
           AS conversion_value_added_micros
"""


@dataclass(frozen=True)
class StoreResult:
    received: int  # observations after collapsing duplicates inside the batch
    stored: int  # new facts plus restatements (a later report, even with equal numbers)
    changed: int  # new facts plus restatements that changed a number
    restated: int  # restatements that changed a number
    cost_added_micros: int  # increases of cost (decreases by restatement are not subtracted)
    conversion_value_added_micros: int


async def store_facts(
    *,
    session: AsyncSession,
    platform: str,
    account_external_id: str,
    currency: str,
    time_zone: str,
    records: list[FactRecord],
    event_id: uuid.UUID,
    tenant_id: uuid.UUID | None,
) -> StoreResult:
    if not records:
        return StoreResult(0, 0, 0, 0, 0, 0)
    await session.execute(CREATE_STAGING)  # also makes sure the transaction has begun
    connection = await driver_connection(session)
    await connection.copy_records_to_table(STAGING_TABLE, records=records, columns=STAGING_COLUMNS)
    row = await connection.fetchrow(
        MERGE, platform, account_external_id, currency, time_zone, event_id, tenant_id
    )
    # the same transaction may stage another batch next (ON COMMIT only empties it at the end)
    await connection.execute(f"DELETE FROM {STAGING_TABLE}")
    return StoreResult(received=len(records), **dict(row))
