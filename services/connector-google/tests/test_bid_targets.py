"""Bid target changes against the Google sandbox: one masked campaign update, answered once per change_id."""

from __future__ import annotations

import uuid

import pytest

from zamc_events.contracts.campaign import (
    CampaignBidTargetChanged,
    CampaignBidTargetChangeFailed,
    CampaignDeployed,
    GoogleAdsBidTargetUpdateRequested,
)
from zamc_sandbox import FaultKind
from zamc_testing.service import publish_event

pytestmark = pytest.mark.service


def _mutates(sandbox) -> int:
    return sum(1 for c in sandbox._servicer.calls.calls if c.method == "Mutate")


async def test_bid_targets_move_within_the_campaigns_strategy_once_per_change(
    service, link, jetstream, sandbox, deploy_command, kit
):
    command = deploy_command(
        campaigns=[
            kit.search_campaign("roas", bidding_strategy="TARGET_ROAS", target_roas=3.0),
            kit.search_campaign("cpa", bidding_strategy="TARGET_CPA", target_cpa_micros=8_000_000),
            kit.search_campaign("clicks", bidding_strategy="MAXIMIZE_CLICKS"),
        ]
    )
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [deployed] = await probe.wait_for(CampaignDeployed.subject)
        ids = {o.strategy_key: o.platform_id for o in deployed.data.objects if o.kind == "campaign"}
        common = {"deployment_id": command.deployment_id, "account_external_id": kit.BERLIN}

        def stored(key: str):
            found = sandbox.google.get(f"customers/{kit.BERLIN}/campaigns/{ids[key]}")
            copy = type(found)()
            copy.CopyFrom(found)
            return copy

        async def answer(event, subject=CampaignBidTargetChanged.subject, count=1):
            await publish_event(jetstream, event)
            answers = await probe.wait_for(
                subject, where=lambda d: d.change_id == event.change_id, count=count
            )
            return answers[-1].data

        before = stored("roas")
        roas = GoogleAdsBidTargetUpdateRequested(
            change_id=uuid.uuid4(), platform_campaign_id=ids["roas"], target_roas=4.25, **common
        )
        mutates = _mutates(sandbox)
        changed = await answer(roas)
        assert (changed.platform, changed.platform_campaign_id, changed.target_roas) == (
            "google_ads",
            ids["roas"],
            4.25,
        )
        assert changed.target_cpa_micros is None and changed.deployment_id == command.deployment_id
        assert _mutates(sandbox) == mutates + 1
        after = stored("roas")
        assert after.WhichOneof("campaign_bidding_strategy") == "maximize_conversion_value"
        assert after.maximize_conversion_value.target_roas == 4.25
        # only the target moved: the rest of the campaign is as deployed
        after.maximize_conversion_value.target_roas = before.maximize_conversion_value.target_roas
        assert after == before

        # the same command again: the same answer from the record, no second call
        again = await answer(roas, count=2)
        assert again == changed
        assert _mutates(sandbox) == mutates + 1

        # a target CPA, in whole cents, after a rate limit the connector backs off from
        sandbox.inject_fault(FaultKind.GOOGLE_RESOURCE_EXHAUSTED, times=1, method="Mutate")
        cpa = await answer(
            GoogleAdsBidTargetUpdateRequested(
                change_id=uuid.uuid4(),
                platform_campaign_id=ids["cpa"],
                target_cpa_micros=12_345_678,
                **common,
            )
        )
        assert (cpa.target_cpa_micros, cpa.target_roas) == (12_340_000, None)
        assert stored("cpa").maximize_conversions.target_cpa_micros == 12_340_000

        # a target the campaign's strategy has no place for: refused, the strategy left alone
        mutates = _mutates(sandbox)
        mismatch = GoogleAdsBidTargetUpdateRequested(
            change_id=uuid.uuid4(), platform_campaign_id=ids["clicks"], target_roas=5.0, **common
        )
        refused = failed = await answer(mismatch, CampaignBidTargetChangeFailed.subject)
        assert failed.platform_campaign_id == ids["clicks"]
        assert failed.error.code == "BIDDING_STRATEGY_MISMATCH"
        assert "Maximize clicks" in failed.error.message
        assert "Maximize conversion value" in failed.error.message
        assert failed.error.field == "target_roas" and failed.error.retryable is False
        assert stored("clicks").WhichOneof("campaign_bidding_strategy") == "target_spend"
        cpa_on_roas = GoogleAdsBidTargetUpdateRequested(
            change_id=uuid.uuid4(), platform_campaign_id=ids["roas"], target_cpa_micros=9_000_000, **common
        )
        failed = await answer(cpa_on_roas, CampaignBidTargetChangeFailed.subject)
        assert failed.error.code == "BIDDING_STRATEGY_MISMATCH"
        assert stored("roas").maximize_conversion_value.target_roas == 4.25
        assert _mutates(sandbox) == mutates

        # a refusal is recorded too: the same command again is answered the same, still without a call
        assert await answer(mismatch, CampaignBidTargetChangeFailed.subject, count=2) == refused
        assert _mutates(sandbox) == mutates


async def test_bid_targets_for_unknown_or_invalid_campaigns_fail_with_a_reason(service, link, jetstream, kit):
    async with service() as (runtime, probe):
        await link(probe)
        for campaign_id in ("123", "not-an-id"):
            await publish_event(
                jetstream,
                GoogleAdsBidTargetUpdateRequested(
                    change_id=uuid.uuid4(),
                    account_external_id=kit.BERLIN,
                    platform_campaign_id=campaign_id,
                    target_roas=2.0,
                ),
            )
        answers = await probe.wait_for(CampaignBidTargetChangeFailed.subject, count=2)
    unknown, invalid = sorted(answers, key=lambda a: a.data.platform_campaign_id)
    assert (unknown.data.error.code, unknown.data.error.field) == (
        "CAMPAIGN_NOT_FOUND",
        "platform_campaign_id",
    )
    assert "123" in unknown.data.error.message and kit.BERLIN in unknown.data.error.message
    assert invalid.data.error.code == "INVALID_ID"
