"""Metric sync against the sandbox: hourly ad rows, restatements, throttling, failing accounts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from zamc_connector_meta.service_layer import sync
from zamc_connector_meta.service_layer.context import connector_for
from zamc_events.contracts.campaign import MetaLaunchRequested
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service]

WATCH = ("zamc.meta.>", "zamc.campaign.>", "zamc.metrics.>")
OBSERVED = "zamc.metrics.observed.v1"
BERLIN, LOS_ANGELES = "act_100000000000001", "act_100000000000002"


async def _live_campaign(meta, probe, deploy_command, account: str = BERLIN, **overrides) -> str:
    command = deploy_command(account=account, **overrides)
    await publish_event(meta.js, command)
    [deployed] = await probe.wait_for(
        "zamc.campaign.deployed.v1", lambda d: d.deployment_id == command.deployment_id
    )
    [campaign_id] = deployed.data.platform_campaign_ids
    launch = MetaLaunchRequested(
        change_id=uuid.uuid4(), account_external_id=account, platform_campaign_ids=[campaign_id]
    )
    await publish_event(meta.js, launch)
    await probe.wait_for("zamc.campaign.changed.v1", lambda d: d.change_id == launch.change_id)
    return campaign_id


def _observations(probe, account: str) -> list:
    return [
        o for e in probe.of(OBSERVED) if e.data.account_external_id == account for o in e.data.observations
    ]


async def _settle(probe, count: int) -> None:
    await probe.wait_for(OBSERVED, count=count, timeout=20)
    await asyncio.sleep(0.3)


async def test_sync_publishes_ad_hours_then_only_restated_hours(meta, deploy_command):
    sandbox = meta.sandbox
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running() as runtime:
        await meta.link(probe)
        big = {"daily_budget_micros": 2_000_000_000}  # 2,000 € a day: enough conversions to restate
        campaign_id = await _live_campaign(meta, probe, deploy_command, first_ad_set=big)
        sandbox.market.step(days=2)
        connector = connector_for(runtime)

        first = await sync.sync_all(connector=connector)
        await _settle(probe, 1)
        observed = _observations(probe, BERLIN)
        assert first[BERLIN] == len(observed) > 24
        event = probe.of(OBSERVED)[0].data
        assert (event.currency, event.time_zone, event.platform) == ("EUR", "Europe/Berlin", "meta")
        # per ad and UTC hour, exactly what the sandbox reports now (spend rounded to cents per row)
        start, end = sandbox.market.clock.now() - timedelta(days=3), sandbox.market.clock.now()
        reported = sandbox.market.reported(campaign_id, start, end)
        assert sum(o.impressions for o in observed) == reported.impressions
        assert sum(o.clicks for o in observed) == reported.clicks
        assert abs(sum(o.cost_micros for o in observed) - reported.cost_micros) <= 5_000 * len(observed)
        assert all(o.campaign_id == campaign_id and o.ad_id and o.ad_group_id for o in observed)
        assert all(o.hour_start.minute == 0 and o.hour_start.utcoffset() == timedelta(0) for o in observed)
        keys = [(o.ad_id, o.hour_start) for o in observed]
        assert len(keys) == len(set(keys))

        again = await sync.sync_all(connector=connector)
        assert again[BERLIN] == 0  # nothing restated, nothing published

        sandbox.market.step(hours=6)  # late conversions come in for earlier hours; six new hours
        events_before = len(probe.of(OBSERVED))
        third = await sync.sync_all(connector=connector)
        await _settle(probe, events_before + 1)
    later = [o for e in probe.of(OBSERVED)[events_before:] for o in e.data.observations]
    assert third[BERLIN] == len(later) > 0
    restated = [o for o in later if (o.ad_id, o.hour_start) in set(keys)]
    assert restated, "earlier hours were restated"
    before = {(o.ad_id, o.hour_start): o for o in observed}
    assert all(o.reported_at > before[(o.ad_id, o.hour_start)].reported_at for o in restated)
    assert all(o.conversions >= before[(o.ad_id, o.hour_start)].conversions for o in restated)


async def test_the_background_job_syncs_every_linked_account(meta, deploy_command):
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running(sync_enabled=True):
        await meta.link(probe)
        await _live_campaign(meta, probe, deploy_command, BERLIN)
        await _live_campaign(meta, probe, deploy_command, LOS_ANGELES)
        meta.sandbox.market.step(days=1)
        await probe.wait_for(OBSERVED, lambda d: d.account_external_id == BERLIN)
        [la] = await probe.wait_for(OBSERVED, lambda d: d.account_external_id == LOS_ANGELES)
    assert (la.data.currency, la.data.time_zone) == ("USD", "America/Los_Angeles")


async def test_throttles_near_the_limit_honours_regain_time_and_other_accounts_keep_syncing(
    meta, deploy_command
):
    from zamc_connector_meta.metrics import RATE_LIMIT_BACKOFFS

    sandbox = meta.sandbox
    berlin, los_angeles = BERLIN.removeprefix("act_"), LOS_ANGELES.removeprefix("act_")
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running(throttle_at_percent=60) as runtime:
        await meta.link(probe)
        await _live_campaign(meta, probe, deploy_command, BERLIN)
        await _live_campaign(meta, probe, deploy_command, LOS_ANGELES)
        sandbox.market.step(days=1)
        connector = connector_for(runtime)
        sandbox.meta_usage.reset()
        sandbox.meta_usage.calls_per_hour = 5  # one sync call = 20 % of an account's hourly budget
        for _ in range(4):
            sandbox.meta_usage.record(berlin)  # someone else used Berlin's budget up to 80 %
        backoffs = RATE_LIMIT_BACKOFFS.labels("meta")._value.get()
        try:
            results = [await sync.sync_all(connector=connector) for _ in range(4)]
            berlin_attempts = len(sandbox.meta_usage._calls[berlin])
            la_usage = sandbox.meta_usage.percent(los_angeles)
        finally:
            sandbox.meta_usage.calls_per_hour = 300
    # Berlin hit 100 %: Meta answered 80004 with an hour to regain access, so no further call
    assert [r[BERLIN] for r in results] == [None] * 4
    assert berlin_attempts == 4 + 1
    # Los Angeles kept syncing, slowing down at 60 % and never reaching the limit
    assert all(r[LOS_ANGELES] is not None for r in results)
    assert la_usage == 80
    assert RATE_LIMIT_BACKOFFS.labels("meta")._value.get() >= backoffs + 2
