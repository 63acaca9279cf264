"""metric facts, restatement history, rollups, campaign freshness (coalesced rollup_updated), anomalies"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

S = "analytics"
TS = sa.DateTime(timezone=True)
# platform ids are opaque ASCII: byte-order comparison keeps key sorting and index lookups cheap
ID = sa.Text(collation="C")
MEASURES = ("impressions", "clicks", "cost_micros", "conversions_micros", "conversion_value_micros")


def _measures(prefix: str = "", *, nullable: bool = False, default: bool = False) -> list[sa.Column]:
    return [
        sa.Column(
            f"{prefix}{name}",
            sa.BigInteger,
            nullable=nullable,
            server_default=sa.text("0") if default else None,
        )
        for name in MEASURES
    ]


def upgrade() -> None:
    op.create_table(
        "metric_fact",
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("hour_start", TS, nullable=False),
        sa.Column("ad_group_id", ID, nullable=False, server_default=""),
        sa.Column("ad_id", ID, nullable=False, server_default=""),
        sa.Column("day_start", TS, nullable=False),  # the account-local day holding the hour
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        *_measures(),
        sa.Column("reported_at", TS, nullable=False),
        # the values this row had before its latest restatement (0 / NULL for a first report)
        *_measures("prev_", default=True),
        sa.Column("prev_reported_at", TS),
        sa.Column("restatements", sa.Integer, nullable=False, server_default="0"),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("stored_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint(
            "platform", "account_external_id", "campaign_id", "hour_start", "ad_group_id", "ad_id"
        ),
        schema=S,
        # restatements update non-key columns only: leave room for HOT updates
        postgresql_with={"fillfactor": 85},
    )
    op.create_index(
        "ix_metric_fact_hour_start", "metric_fact", ["hour_start"], schema=S, postgresql_using="brin"
    )
    op.create_table(
        "metric_fact_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("hour_start", TS, nullable=False),
        sa.Column("ad_group_id", ID, nullable=False),
        sa.Column("ad_id", ID, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reported_at", TS, nullable=False),
        *_measures(),
        sa.Column("previous_reported_at", TS, nullable=False),
        *_measures("previous_"),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("recorded_at", TS, nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_index(
        "ix_metric_fact_history_campaign_hour",
        "metric_fact_history",
        ["platform", "account_external_id", "campaign_id", "hour_start"],
        schema=S,
    )
    op.create_table(
        "rollup",
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("granularity", sa.String(5), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("period_start", TS, nullable=False),
        sa.Column("ad_group_id", ID, nullable=False),
        sa.Column("ad_id", ID, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        *_measures(),
        sa.Column("newest_reported_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint(
            "level",
            "granularity",
            "platform",
            "account_external_id",
            "campaign_id",
            "period_start",
            "ad_group_id",
            "ad_id",
        ),
        sa.CheckConstraint("level IN ('ad', 'campaign', 'account')", name="rollup_level"),
        sa.CheckConstraint("granularity IN ('hour', 'day')", name="rollup_granularity"),
        schema=S,
        postgresql_with={"fillfactor": 80},
    )
    op.create_table(
        "campaign_freshness",
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        sa.Column("tenant_id", sa.Uuid),
        # hours changed since the last rollup_updated: [dirty_from, dirty_to); NULL when clean
        sa.Column("dirty_from", TS),
        sa.Column("dirty_to", TS),
        sa.Column("dirty_since", TS),
        sa.Column("newest_reported_at", TS, nullable=False),
        sa.Column("last_emitted_at", TS),
        sa.PrimaryKeyConstraint("platform", "account_external_id", "campaign_id"),
        schema=S,
        postgresql_with={"fillfactor": 70},
    )
    op.create_index(
        "ix_campaign_freshness_dirty",
        "campaign_freshness",
        ["dirty_since"],
        schema=S,
        postgresql_where=sa.text("dirty_since IS NOT NULL"),
    )
    op.create_table(
        "anomaly",
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_external_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("hour_start", TS, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("detected_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("platform", "account_external_id", "campaign_id", "kind", "hour_start"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("anomaly", "campaign_freshness", "rollup", "metric_fact_history", "metric_fact"):
        op.drop_table(table, schema=S)
