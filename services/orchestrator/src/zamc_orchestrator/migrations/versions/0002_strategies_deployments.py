"""strategy generations, strategy versions, deployments (saga state)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

SCHEMA = "orchestrator"


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "strategy_generations",
        sa.Column("brief_id", sa.Uuid, primary_key=True),
        sa.Column("strategy_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("correlation_id", sa.Uuid, nullable=False),
        sa.Column("request_event_id", sa.Uuid, nullable=False),
        sa.Column("brief", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_token", sa.Uuid),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        *_timestamps(),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_strategy_generations_open",
        "strategy_generations",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('pending', 'running')"),
    )
    op.create_table(
        "strategy_versions",
        sa.Column("strategy_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("brief_id", sa.Uuid, nullable=False),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("generator", sa.String(20), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("revised_by", sa.Uuid),
        sa.Column("approved_by", sa.Uuid),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("ix_strategy_versions_brief", "strategy_versions", ["brief_id"], schema=SCHEMA)
    op.create_table(
        "deployments",
        sa.Column("deployment_id", sa.Uuid, primary_key=True),
        sa.Column("strategy_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("correlation_id", sa.Uuid, nullable=False),
        sa.Column("request_event_id", sa.Uuid, nullable=False),
        sa.Column("policy", sa.String(20), nullable=False),
        sa.Column("phase", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True)),
        sa.Column("state", JSONB, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        *_timestamps(),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_deployments_due",
        "deployments",
        ["deadline_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("phase <> 'completed'"),
    )
    op.create_index(
        "ix_deployments_awaiting_approval",
        "deployments",
        ["strategy_id", "version"],
        schema=SCHEMA,
        postgresql_where=sa.text("phase = 'awaiting_approval'"),
    )


def downgrade() -> None:
    op.drop_table("deployments", schema=SCHEMA)
    op.drop_table("strategy_versions", schema=SCHEMA)
    op.drop_table("strategy_generations", schema=SCHEMA)
