"""Property: whatever reports arrive, in whatever order and batching, the incrementally maintained
rollups equal a straightforward recomputation from the facts that should remain."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from zamc_analytics_ingest.adapters.facts import store_facts
from zamc_analytics_ingest.domain.observations import FactRecord, latest_per_key
from zamc_analytics_ingest.domain.totals import Fact, Totals, local_day_start, recompute_rollups
from zamc_analytics_ingest.main import definition
from zamc_events.runtime.db import create_engine
from zamc_events.runtime.migrations import upgrade_to_head

pytestmark = pytest.mark.service

ACCOUNTS = [
    ("google_ads", "111-111-1111", "EUR", "Europe/Berlin"),
    ("meta", "act_7", "USD", "America/New_York"),
    ("google_ads", "222-222-2222", "INR", "Asia/Kolkata"),
]
# around the night Berlin moves its clocks forward (29 March 2026, 01:00 UTC)
FIRST_HOUR = datetime(2026, 3, 28, 18, tzinfo=UTC)
REPORTED = datetime(2026, 4, 2, tzinfo=UTC)

report = st.builds(
    lambda account, campaign, ad, hour, version, values: (
        account,
        FactRecord(
            campaign_id=f"c{campaign}",
            ad_group_id=f"g{ad % 2}",
            ad_id=f"a{ad}",
            hour_start=FIRST_HOUR + timedelta(hours=hour),
            day_start=local_day_start(FIRST_HOUR + timedelta(hours=hour), ACCOUNTS[account][3]),
            impressions=values[0],
            clicks=values[1],
            cost_micros=values[2],
            conversions_micros=values[3],
            conversion_value_micros=values[4],
            reported_at=REPORTED + timedelta(minutes=version),
        ),
    ),
    account=st.integers(0, len(ACCOUNTS) - 1),
    campaign=st.integers(0, 2),
    ad=st.integers(0, 3),
    hour=st.integers(0, 40),
    version=st.integers(0, 4),
    values=st.tuples(
        st.integers(0, 10**6),
        st.integers(0, 10**4),
        st.integers(0, 10**10),
        st.integers(0, 10**8),
        st.integers(0, 10**10),
    ),
)
# a delivery: one account's batch; several deliveries may share a transaction
deliveries = st.lists(st.lists(report, min_size=1, max_size=12), min_size=1, max_size=12)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(
        upgrade_to_head,
        migrations_dir=definition.migrations_dir,
        database_url=database_url,
        schema="analytics",
    )
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=deliveries, per_transaction=st.integers(1, 4))
async def test_rollups_equal_a_recomputation_from_the_surviving_facts(
    engine: AsyncEngine, batches, per_transaction: int
):
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE analytics.metric_fact, analytics.metric_fact_history, analytics.rollup, "
                "analytics.campaign_freshness"
            )
        )
    # the reference: replay the rule by hand, key by key
    truth: dict[tuple, tuple[FactRecord, int]] = {}
    for batch in batches:
        for account, record in batch:
            key = (account, *record.key)
            if key not in truth or record.reported_at > truth[key][0].reported_at:
                truth[key] = (record, account)

    for start in range(0, len(batches), per_transaction):
        async with AsyncSession(engine) as session, session.begin():
            for batch in batches[start : start + per_transaction]:
                by_account: dict[int, list[FactRecord]] = {}
                for account, record in batch:
                    by_account.setdefault(account, []).append(record)
                for account, records in by_account.items():
                    platform, external_id, currency, time_zone = ACCOUNTS[account]
                    await store_facts(
                        session=session,
                        platform=platform,
                        account_external_id=external_id,
                        currency=currency,
                        time_zone=time_zone,
                        records=latest_per_key(records),
                        event_id=uuid.uuid4(),
                        tenant_id=None,
                    )

    expected = recompute_rollups(
        Fact(
            ACCOUNTS[account][0],
            ACCOUNTS[account][1],
            ACCOUNTS[account][3],
            r.campaign_id,
            r.ad_group_id,
            r.ad_id,
            r.hour_start,
            Totals(r.impressions, r.clicks, r.cost_micros, r.conversions_micros, r.conversion_value_micros),
        )
        for r, account in truth.values()
    )
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT level, granularity, platform, account_external_id, campaign_id, ad_group_id, ad_id, "
                "period_start, impressions, clicks, cost_micros, conversions_micros, conversion_value_micros "
                "FROM analytics.rollup"
            )
        )
        stored = {tuple(row[:8]): Totals(*row[8:]) for row in rows}
        facts = (await connection.execute(text("SELECT count(*) FROM analytics.metric_fact"))).scalar_one()
    assert facts == len(truth)
    assert stored == {tuple(k): v for k, v in expected.items()}
