"""Tables of the live read models (schema `gateway`): analytics, recommendations, notifications, assets.

Migration `0003_live.py` creates exactly these tables (with the foreign keys to the core tables
of `adapters/db.py`). Rollups and anomalies are keyed by the platform's campaign id and reach a
project and organization through the `platform_campaigns` read model at query time, so a rollup
that arrives before its deployment is projected is not lost.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)


def _now(name: str) -> Column:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


analytics_rollups = Table(
    "analytics_rollups",
    metadata,
    Column("platform", String(16), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("granularity", String(8), nullable=False),
    Column("period_start", DateTime(timezone=True), nullable=False),
    Column("account_external_id", String(64), nullable=False),
    Column("organization_id", Uuid),  # the envelope's tenant, when the producer knew it
    Column("currency", String(3), nullable=False),
    Column("impressions", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("conversions", Double, nullable=False),
    Column("conversion_value_micros", BigInteger, nullable=False),
    Column("settled", Boolean, nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),  # newest report folded in
    _now("updated_at"),
    PrimaryKeyConstraint("platform", "campaign_id", "granularity", "period_start"),
)

# Hourly rollups summed per UTC day (kept by `live_analytics.project_rollup` under a per-campaign
# lock): a summary adds whole days from here and only the hours of its partial first and last day.
analytics_rollup_days = Table(
    "analytics_rollup_days",
    metadata,
    Column("platform", String(16), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("day_start", DateTime(timezone=True), nullable=False),  # 00:00 UTC
    Column("currency", String(3), nullable=False),
    Column("impressions", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("conversions", Double, nullable=False),
    Column("conversion_value_micros", BigInteger, nullable=False),
    Column("hours", Integer, nullable=False),
    Column("unsettled_hours", Integer, nullable=False),
    PrimaryKeyConstraint("platform", "campaign_id", "day_start", "currency"),
)

analytics_anomalies = Table(
    "analytics_anomalies",
    metadata,
    Column("id", Uuid, primary_key=True),  # the event id
    Column("organization_id", Uuid),
    Column("platform", String(16), nullable=False),
    Column("account_external_id", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("hour_start", DateTime(timezone=True), nullable=False),
    Column("evidence", JSONB, nullable=False),
    _now("detected_at"),
    Index("ix_analytics_anomalies_campaign", "platform", "campaign_id", "hour_start"),
)

recommendations = Table(
    "recommendations",
    metadata,
    Column("id", Uuid, primary_key=True),  # the optimiser's recommendation_id
    Column("organization_id", Uuid, nullable=False),
    Column("project_id", Uuid),
    Column("kind", String(24), nullable=False),
    Column("title", Text, nullable=False),
    Column("actions", JSONB, nullable=False),
    Column("evidence", JSONB, nullable=False),
    Column("expected_impact", JSONB),
    Column("confidence", Double, nullable=False),
    Column("autopilot", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", Uuid),
    Column("decided_at", DateTime(timezone=True)),
    Column("applied_by", String(64)),
    Column("change_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("reason", Text),  # why it closed without being applied
    _now("created_at"),
    _now("updated_at"),
    Index("ix_recommendations_org_project", "organization_id", "project_id", "created_at"),
)

project_autopilot = Table(
    "project_autopilot",
    metadata,
    Column("project_id", Uuid, primary_key=True),
    Column("organization_id", Uuid, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("changed_by", Uuid),
    _now("updated_at"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),  # uuid5(event id, user id)
    Column("organization_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("kind", String(48), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("resource_type", String(32), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("project_id", Uuid),
    Column("source_event_id", Uuid, nullable=False),
    _now("created_at"),
    Column("read_at", DateTime(timezone=True)),
    Index("ix_notifications_user", "user_id", "organization_id", "created_at"),
    Index(
        "ix_notifications_unread",
        "user_id",
        "organization_id",
        postgresql_where=text("read_at IS NULL"),
    ),
)

assets = Table(
    "assets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organization_id", Uuid, nullable=False),
    Column("project_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("review_note", Text),
    Column("reviewed_by", Uuid),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("created_by", Uuid),
    _now("created_at"),
    _now("updated_at"),
    Index("ix_assets_org_project", "organization_id", "project_id"),
)

asset_versions = Table(
    "asset_versions",
    metadata,
    Column("asset_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("organization_id", Uuid, nullable=False),
    Column("project_id", Uuid, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_by", Uuid),
    _now("created_at"),
    PrimaryKeyConstraint("asset_id", "version"),
    Index("ix_asset_versions_project_sha", "project_id", "sha256"),
)
