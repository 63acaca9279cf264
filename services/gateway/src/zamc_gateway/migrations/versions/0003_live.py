"""live read models: analytics rollups and anomalies, recommendations and autopilot, notifications, assets"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"

S = "gateway"


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _org(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "organization_id",
        sa.Uuid,
        sa.ForeignKey(f"{S}.organizations.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def _project(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "project_id", sa.Uuid, sa.ForeignKey(f"{S}.projects.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "analytics_rollups",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("granularity", sa.String(8), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_external_id", sa.String(64), nullable=False),
        sa.Column("organization_id", sa.Uuid),  # no foreign key: the tenant may be unknown to us yet
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("impressions", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("conversions", sa.Double, nullable=False),
        sa.Column("conversion_value_micros", sa.BigInteger, nullable=False),
        sa.Column("settled", sa.Boolean, nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        _now("updated_at"),
        sa.PrimaryKeyConstraint("platform", "campaign_id", "granularity", "period_start"),
        schema=S,
    )
    op.create_table(
        "analytics_anomalies",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("organization_id", sa.Uuid),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("account_external_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("hour_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        _now("detected_at"),
        schema=S,
    )
    op.create_index(
        "ix_analytics_anomalies_campaign",
        "analytics_anomalies",
        ["platform", "campaign_id", "hour_start"],
        schema=S,
    )
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        _project(nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("actions", JSONB, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("expected_impact", JSONB),
        sa.Column("confidence", sa.Double, nullable=False),
        sa.Column("autopilot", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.Uuid),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("applied_by", sa.String(64)),
        sa.Column("change_ids", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        _now("created_at"),
        _now("updated_at"),
        schema=S,
    )
    op.create_index(
        "ix_recommendations_org_project",
        "recommendations",
        ["organization_id", "project_id", "created_at"],
        schema=S,
    )
    op.create_table(
        "project_autopilot",
        sa.Column(
            "project_id",
            sa.Uuid,
            sa.ForeignKey(f"{S}.projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _org(),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("changed_by", sa.Uuid),
        _now("updated_at"),
        schema=S,
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey(f"{S}.users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.Uuid),
        sa.Column("source_event_id", sa.Uuid, nullable=False),
        _now("created_at"),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index(
        "ix_notifications_user", "notifications", ["user_id", "organization_id", "created_at"], schema=S
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id", "organization_id"],
        schema=S,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "assets",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        _project(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("review_note", sa.Text),
        sa.Column("reviewed_by", sa.Uuid),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.Uuid),
        _now("created_at"),
        _now("updated_at"),
        schema=S,
    )
    op.create_index("ix_assets_org_project", "assets", ["organization_id", "project_id"], schema=S)
    op.create_table(
        "asset_versions",
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey(f"{S}.assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _org(),
        _project(),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.Uuid),
        _now("created_at"),
        sa.PrimaryKeyConstraint("asset_id", "version"),
        schema=S,
    )
    op.create_index("ix_asset_versions_project_sha", "asset_versions", ["project_id", "sha256"], schema=S)


def downgrade() -> None:
    for table in (
        "asset_versions",
        "assets",
        "notifications",
        "project_autopilot",
        "recommendations",
        "analytics_anomalies",
        "analytics_rollups",
    ):
        op.drop_table(table, schema=S)
