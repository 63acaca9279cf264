"""deployments remember the trace context of their request (later saga steps continue its trace)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"

SCHEMA = "orchestrator"


def upgrade() -> None:
    op.add_column("deployments", sa.Column("trace_headers", JSONB), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("deployments", "trace_headers", schema=SCHEMA)
