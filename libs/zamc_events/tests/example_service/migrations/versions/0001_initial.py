"""event tables and effects"""

import sqlalchemy as sa
from alembic import op

from zamc_events.runtime.migrations import create_event_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_event_tables(op, "example")
    op.create_table(
        "effects",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("sync_id", sa.Uuid, nullable=False),
        schema="example",
    )


def downgrade() -> None:
    op.drop_table("effects", schema="example")
