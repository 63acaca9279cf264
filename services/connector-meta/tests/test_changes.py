"""Changes to deployed campaigns: launch, budget, status, rollback — applied in the Meta sandbox."""

from __future__ import annotations

import uuid

import pytest

from zamc_events.contracts.campaign import (
    MetaBudgetUpdateRequested,
    MetaLaunchRequested,
    MetaRollbackRequested,
    MetaStatusUpdateRequested,
)
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service]

WATCH = ("zamc.meta.>", "zamc.campaign.>")
BERLIN = "act_100000000000001"


async def _deployed(meta, probe, deploy_command):
    command = deploy_command()
    await publish_event(meta.js, command)
    [event] = await probe.wait_for(
        "zamc.campaign.deployed.v1", lambda d: d.deployment_id == command.deployment_id
    )
    return event.data


def _changed(probe, change_id):
    return probe.wait_for("zamc.campaign.changed.v1", lambda d: d.change_id == change_id)


def _failed(probe, change_id):
    return probe.wait_for("zamc.campaign.change_failed.v1", lambda d: d.change_id == change_id)


async def test_launch_budget_status_and_rollback(meta, deploy_command):
    store = meta.sandbox.meta.objects
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        deployed = await _deployed(meta, probe, deploy_command)
        [campaign_id] = deployed.platform_campaign_ids
        ad_sets = [o.platform_id for o in deployed.objects if o.kind == "ad_set"]
        ads = [o.platform_id for o in deployed.objects if o.kind == "ad"]

        launch = MetaLaunchRequested(
            change_id=uuid.uuid4(), account_external_id=BERLIN, platform_campaign_ids=[campaign_id]
        )
        await publish_event(meta.js, launch)
        [launched] = await _changed(probe, launch.change_id)
        assert launched.data.change == "launch" and launched.data.status == "ENABLED"
        assert {store[i]["status"] for i in [campaign_id, *ad_sets, *ads]} == {"ACTIVE"}
        assert meta.sandbox.meta.effective_status(store[ads[0]]) == "ACTIVE"

        # 20 € + 5 € today → 50 €: the ad sets keep their 4:1 proportion
        budget = MetaBudgetUpdateRequested(
            change_id=uuid.uuid4(),
            account_external_id=BERLIN,
            platform_campaign_id=campaign_id,
            daily_budget_micros=50_000_000,
        )
        await publish_event(meta.js, budget)
        [changed] = await _changed(probe, budget.change_id)
        assert changed.data.daily_budget_micros == 50_000_000
        assert sorted(int(store[i]["daily_budget"]) for i in ad_sets) == [1000, 4000]

        pause = MetaStatusUpdateRequested(
            change_id=uuid.uuid4(),
            account_external_id=BERLIN,
            platform_object_id=ad_sets[0],
            object_kind="ad_set",
            status="PAUSED",
        )
        await publish_event(meta.js, pause)
        await _changed(probe, pause.change_id)
        assert store[ad_sets[0]]["status"] == "PAUSED" and store[ad_sets[1]]["status"] == "ACTIVE"

        rollback = MetaRollbackRequested(
            change_id=uuid.uuid4(),
            deployment_id=deployed.deployment_id,
            account_external_id=BERLIN,
            platform_campaign_ids=[campaign_id],
        )
        await publish_event(meta.js, rollback)
        [rolled_back] = await _changed(probe, rollback.change_id)
    assert rolled_back.data.change == "rollback" and rolled_back.data.deployment_id == deployed.deployment_id
    assert meta.objects(live_only=True) == []  # campaign, ad sets, creatives and ads deleted


async def test_a_budget_below_the_minimum_is_a_change_failure(meta, deploy_command):
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        deployed = await _deployed(meta, probe, deploy_command)
        budget = MetaBudgetUpdateRequested(
            change_id=uuid.uuid4(),
            account_external_id=BERLIN,
            platform_campaign_id=deployed.platform_campaign_ids[0],
            daily_budget_micros=600_000,  # 0.60 € over two ad sets
        )
        await publish_event(meta.js, budget)
        [failed] = await _failed(probe, budget.change_id)
    assert failed.data.change == "budget"
    assert (failed.data.error.code, failed.data.error.field) == ("100/1885272", "daily_budget")
    assert "at least 1.00 EUR" in failed.data.error.message


async def test_changing_an_unknown_object_fails_with_the_platform_error(meta):
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        status = MetaStatusUpdateRequested(
            change_id=uuid.uuid4(), account_external_id=BERLIN, platform_object_id="42", status="PAUSED"
        )
        await publish_event(meta.js, status)
        [failed] = await _failed(probe, status.change_id)
    assert failed.data.error.code == "100/33" and not failed.data.error.retryable
