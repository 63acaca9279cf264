"""optimiser: campaigns, hourly history, budgets, ads, projects, recommendations, audit of changes"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"

SCHEMA = "orchestrator"

TABLES = (
    "optimizer_changes",
    "optimizer_recommendations",
    "optimizer_ad_hours",
    "optimizer_ads",
    "optimizer_campaign_hours",
    "optimizer_budget_history",
    "optimizer_campaigns",
    "optimizer_deployments",
    "optimizer_projects",
)


def _now(name: str = "updated_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _campaign_key() -> list[sa.Column]:
    return [
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("account_external_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "optimizer_projects",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("currency", sa.String(3)),
        sa.Column("daily_cap_micros", sa.BigInteger),
        sa.Column("total_budget_micros", sa.BigInteger),
        sa.Column("autopilot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("autopilot_campaign_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("autopilot_changed_at", sa.DateTime(timezone=True)),
        _now(),
        schema=SCHEMA,
    )
    op.create_table(
        "optimizer_deployments",
        sa.Column("deployment_id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("plan", JSONB, nullable=False),  # strategy key -> {kind, budget, bidding, ...}
        _now("created_at"),
        schema=SCHEMA,
    )
    op.create_table(
        "optimizer_campaigns",
        *_campaign_key(),
        sa.Column("project_id", sa.Uuid),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("deployment_id", sa.Uuid),
        sa.Column("strategy_key", sa.String(200)),
        sa.Column("currency", sa.String(3)),
        sa.Column("daily_budget_micros", sa.BigInteger),
        sa.Column("status", sa.String(10), nullable=False, server_default="ENABLED"),
        sa.Column("bidding", JSONB, nullable=False, server_default="{}"),
        sa.Column("last_changed_at", sa.DateTime(timezone=True)),
        _now(),
        schema=SCHEMA,
    )
    op.create_index("ix_optimizer_campaigns_project", "optimizer_campaigns", ["project_id"], schema=SCHEMA)
    op.create_table(
        "optimizer_budget_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("daily_budget_micros", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),  # deployed | applied | changed | reverted
        sa.Column("change_id", sa.Uuid),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_optimizer_budget_history_campaign",
        "optimizer_budget_history",
        ["platform", "account_external_id", "campaign_id", "effective_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "optimizer_campaign_hours",
        *_campaign_key(),
        sa.Column("hour_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("impressions", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("conversions", sa.Float, nullable=False),
        sa.Column("conversion_value_micros", sa.BigInteger, nullable=False),
        sa.Column("settled", sa.Boolean, nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True)),
        _now(),
        schema=SCHEMA,
    )
    op.create_table(
        "optimizer_ads",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("account_external_id", sa.String(64), primary_key=True),
        sa.Column("ad_id", sa.String(100), primary_key=True),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("ad_group_id", sa.String(64)),
        sa.Column("status", sa.String(10), nullable=False, server_default="ENABLED"),
        sa.Column("paused_by_optimizer", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status_changed_at", sa.DateTime(timezone=True)),
        _now(),
        schema=SCHEMA,
    )
    op.create_table(
        "optimizer_ad_hours",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("account_external_id", sa.String(64), primary_key=True),
        sa.Column("ad_id", sa.String(100), primary_key=True),
        sa.Column("hour_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("ad_group_id", sa.String(64)),
        sa.Column("impressions", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("conversions", sa.Float, nullable=False),
        sa.Column("conversion_value_micros", sa.BigInteger, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_optimizer_ad_hours_campaign",
        "optimizer_ad_hours",
        ["platform", "account_external_id", "campaign_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "optimizer_recommendations",
        sa.Column("recommendation_id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),  # one open recommendation per topic
        sa.Column(
            "status", sa.String(12), nullable=False
        ),  # open|applied|dismissed|superseded|refused|expired
        sa.Column("autopilot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("reason", sa.Text),
        schema=SCHEMA,
    )
    op.create_index(
        "ux_optimizer_recommendations_open_topic",
        "optimizer_recommendations",
        ["topic"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "optimizer_changes",
        sa.Column("change_id", sa.Uuid, primary_key=True),
        sa.Column("recommendation_id", sa.Uuid, nullable=False),
        sa.Column("project_id", sa.Uuid),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", sa.String(64), nullable=False),
        sa.Column("object_kind", sa.String(20), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("actor", sa.String(64), nullable=False),  # autopilot | user:<uuid> | user
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),  # requested | applied | failed | refused
        sa.Column("outcome_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_optimizer_changes_recommendation", "optimizer_changes", ["recommendation_id"], schema=SCHEMA
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table, schema=SCHEMA)
