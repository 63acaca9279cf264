"""analytics_rollup_days: hourly rollups summed per UTC day, so a 30-day summary adds ~30 rows per
campaign instead of ~720 (kept by the rollup projection; filled here from the hourly rows)"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

S = "gateway"


def upgrade() -> None:
    op.create_table(
        "analytics_rollup_days",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("day_start", sa.DateTime(timezone=True), nullable=False),  # 00:00 UTC
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("impressions", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("conversions", sa.Double, nullable=False),
        sa.Column("conversion_value_micros", sa.BigInteger, nullable=False),
        sa.Column("hours", sa.Integer, nullable=False),
        sa.Column("unsettled_hours", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("platform", "campaign_id", "day_start", "currency"),
        schema=S,
    )
    op.execute(
        f"""
        INSERT INTO {S}.analytics_rollup_days
        SELECT platform, campaign_id, date_trunc('day', period_start, 'UTC'), currency,
               sum(impressions), sum(clicks), sum(cost_micros), sum(conversions),
               sum(conversion_value_micros), count(*), count(*) FILTER (WHERE NOT settled)
        FROM {S}.analytics_rollups
        WHERE granularity = 'hour'
        GROUP BY platform, campaign_id, date_trunc('day', period_start, 'UTC'), currency
        """
    )


def downgrade() -> None:
    op.drop_table("analytics_rollup_days", schema=S)
