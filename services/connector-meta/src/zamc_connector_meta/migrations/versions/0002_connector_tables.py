"""connections, ad accounts, deployment objects, metric digests"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

SCHEMA = "connector_meta"


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("connection_id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("token_ciphertext", sa.LargeBinary),
        sa.Column("token_expires_at", sa.DateTime(timezone=True)),
        sa.Column("scopes", JSONB, nullable=False, server_default="[]"),
        sa.Column("status_reason", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "ad_accounts",
        sa.Column(
            "connection_id",
            sa.Uuid,
            sa.ForeignKey(f"{SCHEMA}.connections.connection_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("ix_ad_accounts_account_id", "ad_accounts", ["account_id"], schema=SCHEMA)
    op.create_table(
        "platform_objects",
        sa.Column("idempotency_key", sa.Text, primary_key=True),
        sa.Column("deployment_id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("strategy_key", sa.Text, nullable=False),
        sa.Column("platform_id", sa.String(64)),
        sa.Column("parent_platform_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("ix_platform_objects_deployment_id", "platform_objects", ["deployment_id"], schema=SCHEMA)
    op.create_index(
        "ix_platform_objects_platform_id", "platform_objects", ["account_id", "platform_id"], schema=SCHEMA
    )
    op.create_table(
        "metric_digests",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("object_id", sa.String(64), primary_key=True),
        sa.Column("hour_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("metric_digests", "platform_objects", "ad_accounts", "connections"):
        op.drop_table(table, schema=SCHEMA)
