"""Tables of the `analytics` schema (SQLAlchemy Core; created by migrations/versions/0002_*)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

SCHEMA = "analytics"
metadata = MetaData(schema=SCHEMA)
MEASURES = ("impressions", "clicks", "cost_micros", "conversions_micros", "conversion_value_micros")


def _ts(name: str, **kwargs) -> Column:
    return Column(name, DateTime(timezone=True), **kwargs)


def _measures(prefix: str = "") -> list[Column]:
    return [Column(f"{prefix}{name}", BigInteger, nullable=False) for name in MEASURES]


metric_fact = Table(
    "metric_fact",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("account_external_id", Text, primary_key=True),
    Column("campaign_id", Text, primary_key=True),
    _ts("hour_start", primary_key=True),
    Column("ad_group_id", Text, primary_key=True),
    Column("ad_id", Text, primary_key=True),
    _ts("day_start", nullable=False),
    Column("currency", String(3), nullable=False),
    Column("time_zone", Text, nullable=False),
    *_measures(),
    _ts("reported_at", nullable=False),
    *_measures("prev_"),
    _ts("prev_reported_at"),
    Column("restatements", Integer, nullable=False),
    Column("event_id", Uuid, nullable=False),
    _ts("stored_at", nullable=False),
    _ts("updated_at", nullable=False),
)

metric_fact_history = Table(
    "metric_fact_history",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("account_external_id", Text, nullable=False),
    Column("campaign_id", Text, nullable=False),
    _ts("hour_start", nullable=False),
    Column("ad_group_id", Text, nullable=False),
    Column("ad_id", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    _ts("reported_at", nullable=False),
    *_measures(),
    _ts("previous_reported_at", nullable=False),
    *_measures("previous_"),
    Column("event_id", Uuid, nullable=False),
    _ts("recorded_at", nullable=False),
)

rollup = Table(
    "rollup",
    metadata,
    Column("level", String(10), primary_key=True),
    Column("granularity", String(5), primary_key=True),
    Column("platform", String(20), primary_key=True),
    Column("account_external_id", Text, primary_key=True),
    Column("campaign_id", Text, primary_key=True),
    _ts("period_start", primary_key=True),
    Column("ad_group_id", Text, primary_key=True),
    Column("ad_id", Text, primary_key=True),
    Column("currency", String(3), nullable=False),
    *_measures(),
    _ts("newest_reported_at", nullable=False),
    _ts("updated_at", nullable=False),
)

campaign_freshness = Table(
    "campaign_freshness",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("account_external_id", Text, primary_key=True),
    Column("campaign_id", Text, primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("time_zone", Text, nullable=False),
    Column("tenant_id", Uuid),
    _ts("dirty_from"),
    _ts("dirty_to"),
    _ts("dirty_since"),
    _ts("newest_reported_at", nullable=False),
    _ts("last_emitted_at"),
)

anomaly = Table(
    "anomaly",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("account_external_id", Text, primary_key=True),
    Column("campaign_id", Text, primary_key=True),
    Column("kind", String(30), primary_key=True),
    _ts("hour_start", primary_key=True),
    Column("evidence", JSONB, nullable=False),
    _ts("detected_at", nullable=False),
)


async def driver_connection(session: AsyncSession):
    """The asyncpg connection under `session`, inside the session's (already begun) transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection
