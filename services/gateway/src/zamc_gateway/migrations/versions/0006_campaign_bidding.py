"""platform_campaigns.bidding: a Google campaign's bidding strategy and target (target ROAS or CPA),
from its strategy at deployment and from `zamc.campaign.bid_target_changed.v1` after"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"

S = "gateway"


def upgrade() -> None:
    op.add_column("platform_campaigns", sa.Column("bidding", JSONB), schema=S)


def downgrade() -> None:
    op.drop_column("platform_campaigns", "bidding", schema=S)
