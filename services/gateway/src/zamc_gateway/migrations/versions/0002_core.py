"""core: identity, tenancy, API keys, platform connections, projects, briefs, strategy,
deployment and platform campaign read models"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

S = "gateway"


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _updated() -> sa.Column:
    return sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _org() -> sa.Column:
    return sa.Column(
        "organization_id", sa.Uuid, sa.ForeignKey(f"{S}.organizations.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        _created(),
        schema=S,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text),
        _created(),
        schema=S,
    )
    op.create_table(
        "memberships",
        _org(),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey(f"{S}.users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("organization_id", "user_id"),
        schema=S,
    )
    op.create_index("ix_memberships_user", "memberships", ["user_id"], schema=S)
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey(f"{S}.users.id", ondelete="CASCADE"), nullable=False),
        _created(),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_reason", sa.String(40)),
        schema=S,
    )
    op.create_index("ix_auth_sessions_user", "auth_sessions", ["user_id"], schema=S)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "session_id", sa.Uuid, sa.ForeignKey(f"{S}.auth_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _created(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_refresh_tokens_session", "refresh_tokens", ["session_id"], schema=S)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Uuid),
        _created(),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_api_keys_org", "api_keys", ["organization_id"], schema=S)
    op.create_table(
        "platform_connections",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("state_hash", sa.String(64), unique=True),
        sa.Column("state_expires_at", sa.DateTime(timezone=True)),
        sa.Column("redirect_uri", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("scopes", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_by", sa.Uuid),
        _created(),
        _updated(),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_platform_connections_org", "platform_connections", ["organization_id"], schema=S)
    op.create_table(
        "ad_accounts",
        sa.Column(
            "connection_id",
            sa.Uuid,
            sa.ForeignKey(f"{S}.platform_connections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _org(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("manager_external_id", sa.String(64)),
        sa.PrimaryKeyConstraint("connection_id", "external_id"),
        schema=S,
    )
    op.create_index("ix_ad_accounts_org", "ad_accounts", ["organization_id", "platform"], schema=S)
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("business", JSONB, nullable=False),
        sa.Column("created_by", sa.Uuid),
        _created(),
        _updated(),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_projects_org", "projects", ["organization_id"], schema=S)
    op.create_table(
        "briefs",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column(
            "project_id", sa.Uuid, sa.ForeignKey(f"{S}.projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("request", JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress_percent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("progress_step", sa.String(100)),
        sa.Column("progress_message", sa.Text),
        sa.Column("strategy_id", sa.Uuid),
        sa.Column("failure_reason", sa.Text),
        sa.Column("created_by", sa.Uuid),
        _created(),
        _updated(),
        schema=S,
    )
    op.create_index("ix_briefs_org_project", "briefs", ["organization_id", "project_id"], schema=S)
    op.create_table(
        "strategies",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("brief_id", sa.Uuid, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("approved_version", sa.Integer),
        sa.Column("approved_by", sa.Uuid),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("generator", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200)),
        _created(),
        _updated(),
        schema=S,
    )
    op.create_index("ix_strategies_org_project", "strategies", ["organization_id", "project_id"], schema=S)
    op.create_table(
        "strategy_versions",
        sa.Column(
            "strategy_id", sa.Uuid, sa.ForeignKey(f"{S}.strategies.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Uuid),
        _created(),
        sa.PrimaryKeyConstraint("strategy_id", "version"),
        schema=S,
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("strategy_id", sa.Uuid, nullable=False),
        sa.Column("strategy_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("policy", sa.String(24), nullable=False),
        sa.Column("targets", JSONB, nullable=False),
        sa.Column("requested_by", sa.Uuid),
        _created(),
        _updated(),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index(
        "ix_deployments_org_strategy", "deployments", ["organization_id", "strategy_id"], schema=S
    )
    op.create_table(
        "platform_campaigns",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("deployment_id", sa.Uuid, nullable=False),
        sa.Column("strategy_id", sa.Uuid, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("account_external_id", sa.String(64), nullable=False),
        sa.Column("platform_campaign_id", sa.String(64), nullable=False),
        sa.Column("strategy_key", sa.String(200)),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("daily_budget_micros", sa.BigInteger),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("last_error", JSONB),
        _created(),
        _updated(),
        sa.UniqueConstraint("platform", "platform_campaign_id", name="uq_platform_campaigns_platform_id"),
        schema=S,
    )
    op.create_index(
        "ix_platform_campaigns_org_project",
        "platform_campaigns",
        ["organization_id", "project_id"],
        schema=S,
    )
    op.create_table(
        "campaign_changes",
        sa.Column("id", sa.Uuid, primary_key=True),
        _org(),
        sa.Column(
            "campaign_id",
            sa.Uuid,
            sa.ForeignKey(f"{S}.platform_campaigns.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("requested", JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", JSONB),
        sa.Column("requested_by", sa.Uuid),
        _created(),
        _updated(),
        schema=S,
    )
    op.create_index("ix_campaign_changes_campaign", "campaign_changes", ["campaign_id"], schema=S)


def downgrade() -> None:
    for table in (
        "campaign_changes",
        "platform_campaigns",
        "deployments",
        "strategy_versions",
        "strategies",
        "briefs",
        "projects",
        "ad_accounts",
        "platform_connections",
        "api_keys",
        "refresh_tokens",
        "auth_sessions",
        "memberships",
        "users",
        "organizations",
    ):
        op.drop_table(table, schema=S)
