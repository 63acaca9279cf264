"""recommendations.reason: why a recommendation closed without being applied (refused, expired,
superseded), as the optimiser said it in `zamc.optimization.closed.v1`"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

S = "gateway"


def upgrade() -> None:
    op.add_column("recommendations", sa.Column("reason", sa.Text), schema=S)


def downgrade() -> None:
    op.drop_column("recommendations", "reason", schema=S)
