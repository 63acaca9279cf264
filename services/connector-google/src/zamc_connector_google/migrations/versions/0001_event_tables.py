"""outbox and inbox"""

from alembic import op

from zamc_events.runtime.migrations import create_event_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_event_tables(op, "connector_google")


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "connector_google".inbox, "connector_google".outbox')
