"""connections, accounts, platform objects, deployments, changes, metric fingerprints, sync state"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
SCHEMA = "connector_google"


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("connection_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("token_ciphertext", sa.LargeBinary, nullable=True),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scopes", pg.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "accounts",
        sa.Column("connection_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", sa.String(16), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        sa.Column("login_customer_id", sa.String(16), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("accounts_customer_id", "accounts", ["customer_id"], schema=SCHEMA)
    op.create_table(
        "platform_objects",
        sa.Column("idempotency_key", sa.Text, primary_key=True),
        sa.Column("deployment_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("strategy_key", sa.Text, nullable=False),
        sa.Column("platform_id", sa.Text, nullable=False),
        sa.Column("parent_platform_id", sa.Text, nullable=True),
        sa.Column("resource_name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("platform_objects_deployment", "platform_objects", ["deployment_id"], schema=SCHEMA)
    op.create_table(
        "deployments",
        sa.Column("deployment_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer_subject", sa.Text, nullable=False),
        sa.Column("answer", pg.JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "changes",
        sa.Column("change_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(16), nullable=False),
        sa.Column("answer_subject", sa.Text, nullable=False),
        sa.Column("answer", pg.JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "metric_fingerprints",
        sa.Column("customer_id", sa.String(16), primary_key=True),
        sa.Column("observation_key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "sync_state",
        sa.Column("customer_id", sa.String(16), primary_key=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "sync_state",
        "metric_fingerprints",
        "changes",
        "deployments",
        "platform_objects",
        "accounts",
        "connections",
    ):
        op.drop_table(table, schema=SCHEMA)
