"""Metric sync: hourly observations from SearchStream, only changed object-hours, restatements, faults."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from zamc_connector_google import metrics
from zamc_connector_google.adapters import db
from zamc_connector_google.service.jobs import sync_all_accounts
from zamc_events.contracts.campaign import CampaignChanged, CampaignDeployed, GoogleAdsLaunchRequested
from zamc_events.contracts.metrics import MetricsObserved
from zamc_sandbox import FaultKind
from zamc_testing.service import publish_event

pytestmark = pytest.mark.service


async def _launched_campaign(probe, link, jetstream, deploy_command, kit) -> tuple[str, uuid.UUID]:
    connection_id = await link(probe)
    # a large budget and no bid cap: enough clicks for conversions, which arrive late
    command = deploy_command(
        campaigns=[kit.search_campaign(daily_budget_micros=1_000_000_000, cpc_bid_micros=None)]
    )
    await publish_event(jetstream, command, tenant_id=kit.TENANT)
    [deployed] = await probe.wait_for(CampaignDeployed.subject)
    campaign_id = deployed.data.platform_campaign_ids[0]
    launch = GoogleAdsLaunchRequested(
        change_id=uuid.uuid4(), account_external_id=kit.BERLIN, platform_campaign_ids=[campaign_id]
    )
    await publish_event(jetstream, launch)
    await probe.wait_for(CampaignChanged.subject)
    return campaign_id, connection_id


def _totals(observations):
    return (
        sum(o.impressions for o in observations),
        sum(o.clicks for o in observations),
        sum(o.cost_micros for o in observations),
    )


async def test_sync_publishes_hourly_observations_then_only_what_changed(
    service, link, jetstream, sandbox, deploy_command, kit
):
    async with service() as (runtime, probe):
        campaign_id, _ = await _launched_campaign(probe, link, jetstream, deploy_command, kit)
        sandbox.market.step(days=1)
        result = await sync_all_accounts(runtime)
        assert result[kit.BERLIN] and result[kit.BERLIN] > 0
        first = await probe.wait_for(MetricsObserved.subject, count=1)
        batch = first[0]
        assert batch.tenant_id == kit.TENANT
        assert batch.data.account_external_id == kit.BERLIN
        assert batch.data.currency == "EUR" and batch.data.time_zone == "Europe/Berlin"
        observations = [o for e in probe.of(MetricsObserved.subject) for o in e.data.observations]
        assert len(observations) == result[kit.BERLIN]
        assert all(
            o.hour_start.minute == 0 and o.hour_start.utcoffset() == timedelta(0) for o in observations
        )
        assert {o.campaign_id for o in observations} == {campaign_id}
        start, now = kit.SANDBOX_START, sandbox.market.clock.now()
        reported = sandbox.market.reported(campaign_id, start, now)
        assert _totals(observations) == (reported.impressions, reported.clicks, reported.cost_micros)

        # nothing changed on the platform: nothing published
        assert (await sync_all_accounts(runtime))[kit.BERLIN] == 0

        # a day later: new hours, and late conversions restate hours already published
        published_at = {(o.ad_id, o.hour_start): o for o in observations}
        sandbox.market.step(hours=24)
        assert (await sync_all_accounts(runtime))[kit.BERLIN] > 0
        await asyncio.sleep(0.3)
        later = [o for e in probe.of(MetricsObserved.subject)[len(first) :] for o in e.data.observations]
        restated = [o for o in later if (o.ad_id, o.hour_start) in published_at]
        assert restated, "late conversions restate hours published before"
        for o in restated:
            before = published_at[(o.ad_id, o.hour_start)]
            assert o.reported_at > before.reported_at
            assert (o.conversions, o.conversion_value_micros, o.clicks) != (
                before.conversions,
                before.conversion_value_micros,
                before.clicks,
            )


async def test_one_failing_account_never_stops_the_others(
    service, link, jetstream, sandbox, deploy_command, kit
):
    async with service() as (runtime, probe):
        _, connection_id = await _launched_campaign(probe, link, jetstream, deploy_command, kit)
        async with runtime.sessions() as session, session.begin():
            await session.execute(
                pg_insert(db.accounts).values(
                    connection_id=connection_id,
                    customer_id="2999999999",
                    name="Closed account",
                    currency="EUR",
                    time_zone="Europe/Berlin",
                    login_customer_id=kit.MANAGER,
                )
            )
        sandbox.market.step(hours=12)
        result = await sync_all_accounts(runtime)
        async with runtime.sessions() as session:
            state = {r.customer_id: r for r in (await session.execute(select(db.sync_state))).all()}
    assert result["2999999999"] is None
    assert result[kit.BERLIN] > 0
    assert "INVALID_CUSTOMER_ID" in state["2999999999"].last_error
    assert state["2999999999"].consecutive_failures == 1
    assert state[kit.BERLIN].last_error is None and state[kit.BERLIN].last_succeeded_at is not None


async def test_rate_limited_sync_backs_off_and_completes(
    service, link, jetstream, sandbox, deploy_command, kit
):
    backoffs = metrics.RATE_LIMIT_BACKOFFS.labels("google_ads")._value.get()
    async with service() as (runtime, probe):
        await _launched_campaign(probe, link, jetstream, deploy_command, kit)
        sandbox.market.step(hours=12)
        sandbox.inject_fault(FaultKind.GOOGLE_RESOURCE_EXHAUSTED, times=2, method="SearchStream")
        result = await sync_all_accounts(runtime)
    assert result[kit.BERLIN] > 0 and result[kit.NEW_YORK] == 0
    assert metrics.RATE_LIMIT_BACKOFFS.labels("google_ads")._value.get() - backoffs == 2
    assert metrics.API_CALLS.labels("google_ads", "search_stream")._value.get() >= 3


async def test_a_sync_that_keeps_failing_is_recorded_and_retried_next_round(
    service, link, jetstream, sandbox, deploy_command, kit
):
    async with service(max_attempts=2) as (runtime, probe):
        await _launched_campaign(probe, link, jetstream, deploy_command, kit)
        sandbox.market.step(hours=12)
        # two attempts for each of the two linked accounts
        sandbox.inject_fault(FaultKind.GOOGLE_INTERNAL, times=4, method="SearchStream")
        assert await sync_all_accounts(runtime) == {kit.BERLIN: None, kit.NEW_YORK: None}
        assert not probe.of(MetricsObserved.subject)
        assert (await sync_all_accounts(runtime))[kit.BERLIN] > 0


async def test_the_background_job_syncs_on_its_schedule(
    service, link, jetstream, sandbox, deploy_command, kit
):
    async with service(sync_enabled=True, sync_interval_seconds=0.3) as (runtime, probe):
        await _launched_campaign(probe, link, jetstream, deploy_command, kit)
        sandbox.market.step(hours=12)
        [observed] = await probe.wait_for(MetricsObserved.subject, timeout=20)
    assert observed.data.observations
