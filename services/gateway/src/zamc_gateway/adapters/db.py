"""The gateway's core tables (schema `gateway`): identity, tenancy, projects and read models.

SQLAlchemy Core tables; every tenant-owned table carries `organization_id` and every query of
the service layer filters by it. Migration `0002_core.py` creates exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _updated() -> Column:
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _org() -> Column:
    return Column(
        "organization_id", Uuid, ForeignKey(f"{SCHEMA}.organizations.id", ondelete="CASCADE"), nullable=False
    )


organizations = Table(
    "organizations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    _created(),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("password_hash", Text),  # NULL: invited, has not signed up yet
    _created(),
)

memberships = Table(
    "memberships",
    metadata,
    _org(),
    Column("user_id", Uuid, ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    _created(),
    PrimaryKeyConstraint("organization_id", "user_id"),
    Index("ix_memberships_user", "user_id"),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),  # the refresh-token family
    Column("user_id", Uuid, ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False),
    _created(),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(40)),
    Index("ix_auth_sessions_user", "user_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey(f"{SCHEMA}.auth_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    _created(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True)),
    Index("ix_refresh_tokens_session", "session_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("name", String(200), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_by", Uuid),
    _created(),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_api_keys_org", "organization_id"),
)

platform_connections = Table(
    "platform_connections",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("platform", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("state_hash", String(64), unique=True),
    Column("state_expires_at", DateTime(timezone=True)),
    Column("redirect_uri", Text, nullable=False),
    Column("reason", Text),
    Column("scopes", JSONB, nullable=False, server_default="[]"),
    Column("created_by", Uuid),
    _created(),
    _updated(),
    Column("removed_at", DateTime(timezone=True)),
    Index("ix_platform_connections_org", "organization_id"),
)

ad_accounts = Table(
    "ad_accounts",
    metadata,
    Column(
        "connection_id",
        Uuid,
        ForeignKey(f"{SCHEMA}.platform_connections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    _org(),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("name", String(400), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("manager_external_id", String(64)),
    PrimaryKeyConstraint("connection_id", "external_id"),
    Index("ix_ad_accounts_org", "organization_id", "platform"),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("name", String(200), nullable=False),
    Column("business", JSONB, nullable=False),
    Column("created_by", Uuid),
    _created(),
    _updated(),
    Column("deleted_at", DateTime(timezone=True)),
    Index("ix_projects_org", "organization_id"),
)

briefs = Table(
    "briefs",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("project_id", Uuid, ForeignKey(f"{SCHEMA}.projects.id", ondelete="CASCADE"), nullable=False),
    Column("request", JSONB, nullable=False),  # the zamc.strategy.requested.v1 Brief
    Column("status", String(16), nullable=False),
    Column("progress_percent", Integer, nullable=False, server_default="0"),
    Column("progress_step", String(100)),
    Column("progress_message", Text),
    Column("strategy_id", Uuid),
    Column("failure_reason", Text),
    Column("created_by", Uuid),
    _created(),
    _updated(),
    Index("ix_briefs_org_project", "organization_id", "project_id"),
)

strategies = Table(
    "strategies",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("project_id", Uuid, nullable=False),
    Column("brief_id", Uuid, nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("approved_version", Integer),
    Column("approved_by", Uuid),
    Column("approved_at", DateTime(timezone=True)),
    Column("generator", String(16), nullable=False),
    Column("model", String(200)),
    _created(),
    _updated(),
    Index("ix_strategies_org_project", "organization_id", "project_id"),
)

strategy_versions = Table(
    "strategy_versions",
    metadata,
    Column("strategy_id", Uuid, ForeignKey(f"{SCHEMA}.strategies.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", JSONB, nullable=False),  # a CampaignStrategy
    Column("source", String(16), nullable=False),  # generated | revised
    Column("created_by", Uuid),
    _created(),
    PrimaryKeyConstraint("strategy_id", "version"),
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("project_id", Uuid, nullable=False),
    Column("strategy_id", Uuid, nullable=False),
    Column("strategy_version", Integer, nullable=False),
    Column("status", String(24), nullable=False),
    Column("policy", String(24), nullable=False),
    Column("targets", JSONB, nullable=False),
    Column("requested_by", Uuid),
    _created(),
    _updated(),
    Column("completed_at", DateTime(timezone=True)),
    Index("ix_deployments_org_strategy", "organization_id", "strategy_id"),
)

platform_campaigns = Table(
    "platform_campaigns",
    metadata,
    Column("id", Uuid, primary_key=True),
    _org(),
    Column("project_id", Uuid, nullable=False),
    Column("deployment_id", Uuid, nullable=False),
    Column("strategy_id", Uuid, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("account_external_id", String(64), nullable=False),
    Column("platform_campaign_id", String(64), nullable=False),
    Column("strategy_key", String(200)),
    Column("name", String(400), nullable=False),
    Column("status", String(16), nullable=False),
    Column("daily_budget_micros", BigInteger),
    Column("currency", String(3), nullable=False),
    Column("bidding", JSONB),  # Google: {"strategy", "target_roas" | "target_cpa_micros"}
    Column("last_error", JSONB),
    _created(),
    _updated(),
    UniqueConstraint("platform", "platform_campaign_id", name="uq_platform_campaigns_platform_id"),
    Index("ix_platform_campaigns_org_project", "organization_id", "project_id"),
)

campaign_changes = Table(
    "campaign_changes",
    metadata,
    Column("id", Uuid, primary_key=True),  # the change_id of the command
    _org(),
    Column(
        "campaign_id", Uuid, ForeignKey(f"{SCHEMA}.platform_campaigns.id", ondelete="CASCADE"), nullable=False
    ),
    Column("kind", String(16), nullable=False),  # status | budget
    Column("requested", JSONB, nullable=False),
    Column("status", String(16), nullable=False),  # pending | applied | failed
    Column("error", JSONB),
    Column("requested_by", Uuid),
    _created(),
    _updated(),
    Index("ix_campaign_changes_campaign", "campaign_id"),
)
