"""Tables of the optimiser in the `orchestrator` schema (migrations/versions/0003_optimizer.py)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Identity,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "orchestrator"
metadata = MetaData(schema=SCHEMA)


def _key() -> list[Column]:
    return [
        Column("platform", String(20), primary_key=True),
        Column("account_external_id", String(64), primary_key=True),
        Column("campaign_id", String(64), primary_key=True),
    ]


projects = Table(
    "optimizer_projects",
    metadata,
    Column("project_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid),
    Column("currency", String(3)),
    Column("daily_cap_micros", BigInteger),
    Column("total_budget_micros", BigInteger),
    Column("autopilot", Boolean, nullable=False, server_default="false"),
    Column("autopilot_campaign_ids", JSONB, nullable=False, server_default="[]"),
    Column("autopilot_changed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# What a deployment asked for, keyed by strategy key, until the connectors say what they created.
deployments = Table(
    "optimizer_deployments",
    metadata,
    Column("deployment_id", Uuid, primary_key=True),
    Column("project_id", Uuid, nullable=False),
    Column("tenant_id", Uuid),
    Column("currency", String(3), nullable=False),
    Column("plan", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

campaigns = Table(
    "optimizer_campaigns",
    metadata,
    *_key(),
    Column("project_id", Uuid),
    Column("tenant_id", Uuid),
    Column("deployment_id", Uuid),
    Column("strategy_key", String(200)),
    Column("currency", String(3)),
    Column("daily_budget_micros", BigInteger),
    Column("status", String(10), nullable=False, server_default="ENABLED"),
    Column("bidding", JSONB, nullable=False, server_default="{}"),
    Column("last_changed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

budget_history = Table(
    "optimizer_budget_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("account_external_id", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("effective_at", DateTime(timezone=True), nullable=False),
    Column("daily_budget_micros", BigInteger, nullable=False),
    Column("source", String(20), nullable=False),
    Column("change_id", Uuid),
)

campaign_hours = Table(
    "optimizer_campaign_hours",
    metadata,
    *_key(),
    Column("hour_start", DateTime(timezone=True), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("impressions", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("conversions", Float, nullable=False),
    Column("conversion_value_micros", BigInteger, nullable=False),
    Column("settled", Boolean, nullable=False),
    Column("observed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ads = Table(
    "optimizer_ads",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("account_external_id", String(64), primary_key=True),
    Column("ad_id", String(100), primary_key=True),
    Column("campaign_id", String(64), nullable=False),
    Column("ad_group_id", String(64)),
    Column("status", String(10), nullable=False, server_default="ENABLED"),
    Column("paused_by_optimizer", Boolean, nullable=False, server_default="false"),
    Column("status_changed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ad_hours = Table(
    "optimizer_ad_hours",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("account_external_id", String(64), primary_key=True),
    Column("ad_id", String(100), primary_key=True),
    Column("hour_start", DateTime(timezone=True), primary_key=True),
    Column("campaign_id", String(64), nullable=False),
    Column("ad_group_id", String(64)),
    Column("impressions", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("conversions", Float, nullable=False),
    Column("conversion_value_micros", BigInteger, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
)

recommendations = Table(
    "optimizer_recommendations",
    metadata,
    Column("recommendation_id", Uuid, primary_key=True),
    Column("project_id", Uuid),
    Column("tenant_id", Uuid),
    Column("kind", String(20), nullable=False),
    Column("topic", String(300), nullable=False),
    Column("status", String(12), nullable=False),
    Column("autopilot", Boolean, nullable=False, server_default="false"),
    Column("payload", JSONB, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(64)),
    Column("reason", Text),
)

# The audit trail: who (a user or the autopilot) changed what, when, why, and how it ended.
changes = Table(
    "optimizer_changes",
    metadata,
    Column("change_id", Uuid, primary_key=True),
    Column("recommendation_id", Uuid, nullable=False),
    Column("project_id", Uuid),
    Column("tenant_id", Uuid),
    Column("platform", String(20), nullable=False),
    Column("account_external_id", String(64), nullable=False),
    Column("object_kind", String(20), nullable=False),
    Column("object_id", String(100), nullable=False),
    Column("field", String(40), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("actor", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("outcome_at", DateTime(timezone=True)),
    Column("error", Text),
)
