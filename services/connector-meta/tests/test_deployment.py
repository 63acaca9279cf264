"""Deploying to the Meta sandbox: the whole tree, idempotency, errors mapped, clean-up part-way."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from zamc_connector_meta.domain.placeholder import placeholder_png
from zamc_events.contracts.common import AssetRef
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service]

WATCH = ("zamc.meta.>", "zamc.campaign.>")
DEPLOYED = "zamc.campaign.deployed.v1"
FAILED = "zamc.campaign.deploy_failed.v1"


def _store(meta, object_id: str) -> dict:
    return meta.sandbox.meta.objects[object_id]


async def test_deploys_campaign_ad_sets_images_creatives_and_ads(meta, deploy_command):
    png = placeholder_png(640, 640, (200, 30, 30))
    digest = hashlib.sha256(png).hexdigest()
    store = await meta.js.create_object_store("zamc-assets")
    await store.put(digest, png)
    image = AssetRef(asset_id="asset-1", object_name=digest, sha256=digest, content_type="image/png")
    command = deploy_command(first_ad={"image": image})
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        await publish_event(meta.js, command)
        [event] = await probe.wait_for(DEPLOYED, lambda d: d.deployment_id == command.deployment_id)
    deployed = event.data
    kinds = sorted(o.kind for o in deployed.objects)
    assert kinds == sorted(["campaign"] + ["ad_set"] * 2 + ["image", "creative", "ad"] * 3)
    [campaign_id] = deployed.platform_campaign_ids
    campaign = _store(meta, campaign_id)
    assert campaign["status"] == "PAUSED"
    assert campaign["objective"] == "OUTCOME_TRAFFIC"
    assert campaign["special_ad_categories"] == []
    assert "daily_budget" not in campaign  # budgets sit on the ad sets
    by_key = {(o.kind, o.strategy_key): o for o in deployed.objects}
    s1, s2 = (
        _store(meta, by_key["ad_set", "s1"].platform_id),
        _store(meta, by_key["ad_set", "s2"].platform_id),
    )
    assert (s1["daily_budget"], s2["daily_budget"]) == ("2000", "500")  # EUR cents from micros
    assert s1["campaign_id"] == campaign_id and s1["status"] == "PAUSED"
    assert s1["targeting"]["geo_locations"] == {"countries": ["DE", "AT"]}
    assert by_key["ad_set", "s1"].parent_platform_id == campaign_id
    ad = _store(meta, by_key["ad", "a1"].platform_id)
    creative = _store(meta, ad["creative"]["id"])
    link = creative["object_story_spec"]["link_data"]
    assert link["image_hash"] == hashlib.md5(png).hexdigest() == by_key["image", "a1"].platform_id
    assert link["link"] == "https://shop.zamc.test/coffee" and link["call_to_action"]["type"] == "SHOP_NOW"
    placeholder_hash = hashlib.md5(placeholder_png()).hexdigest()
    assert by_key["image", "a2"].platform_id == placeholder_hash  # no asset: the generated placeholder
    assert creative["object_story_spec"]["page_id"] == "100000000000099"


async def test_a_redelivered_or_repeated_command_creates_nothing_twice(meta, deploy_command):
    command = deploy_command()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        await publish_event(meta.js, command)
        [first] = await probe.wait_for(DEPLOYED, lambda d: d.deployment_id == command.deployment_id)
        created = len(meta.objects())
        await publish_event(meta.js, command)  # the orchestrator retries: a new event, the same keys
        second = (
            await probe.wait_for(DEPLOYED, lambda d: d.deployment_id == command.deployment_id, count=2)
        )[1]
    assert len(meta.objects()) == created == 1 + 2 + 3 * 2
    assert {o.platform_id for o in first.data.objects} == {o.platform_id for o in second.data.objects}


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        pytest.param(
            {"second_ad_set": {"daily_budget_micros": 500_000}},
            "100/1885272",
            "s2.daily_budget",
            id="budget-too-low",
        ),
        pytest.param(
            {"second_ad_set": {"targeting": {"countries": ["germany"]}}},
            "100/1487694",
            "s2.targeting",
            id="invalid-targeting",
        ),
        pytest.param(
            {"campaign": {"special_ad_categories": ["GAMBLING"]}},
            "100",
            "c1.special_ad_categories",
            id="invalid-special-ad-category",
        ),
    ],
)
async def test_platform_errors_are_reported_with_code_field_and_nothing_left_behind(
    meta, deploy_command, overrides, code, field
):
    if "targeting" in overrides.get("second_ad_set", {}):
        from zamc_events.contracts.strategy import MetaTargeting

        overrides["second_ad_set"]["targeting"] = MetaTargeting(**overrides["second_ad_set"]["targeting"])
    command = deploy_command(**overrides)
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        await publish_event(meta.js, command)
        [event] = await probe.wait_for(FAILED, lambda d: d.deployment_id == command.deployment_id)
    error = event.data.error
    assert (error.code, error.field, error.retryable) == (code, field, False)
    assert event.data.cleaned_up is True
    assert meta.objects(live_only=True) == []  # what was created before the failure is deleted


async def test_missing_special_ad_categories_is_reported_with_meta_s_words_and_nothing_left_behind(
    meta, deploy_command, monkeypatch
):
    """Meta requires `special_ad_categories` on every campaign (an empty list when none apply). The
    connector always sends it; here its campaign request is made without it, to see the refusal mapped."""
    from zamc_connector_meta.domain import deployment

    plan_campaign = deployment._campaign

    def without_categories(*args, **kwargs):
        planned = plan_campaign(*args, **kwargs)
        params = {k: v for k, v in planned.params.items() if k != "special_ad_categories"}
        return dataclasses.replace(planned, params=params)

    monkeypatch.setattr(deployment, "_campaign", without_categories)
    command = deploy_command()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        await publish_event(meta.js, command)
        [event] = await probe.wait_for(FAILED, lambda d: d.deployment_id == command.deployment_id)
    error = event.data.error
    assert (error.code, error.field, error.retryable) == ("100", "c1.special_ad_categories", False)
    assert "Declare special ad categories (use an empty list if none apply)" in error.message
    assert event.data.cleaned_up is True
    assert meta.objects() == []  # refused at the campaign: nothing was created
    assert not probe.of(DEPLOYED)


async def test_budget_on_campaign_and_ad_set_is_reported_as_1885621(meta, deploy_command):
    """A campaign found again after a crash turned out to carry a campaign budget."""
    import uuid

    from facebook_business.adobjects.adaccount import AdAccount
    from sqlalchemy import insert

    from zamc_connector_meta.adapters.db import platform_objects
    from zamc_connector_meta.domain.deployment import object_key, tagged_name

    command = deploy_command()
    key = object_key(command.key_prefix, "campaign", "c1")
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running() as runtime:
        await meta.link(probe)
        from zamc_connector_meta.adapters.graph import GraphClient, UsageGovernor
        from zamc_connector_meta.domain.usage import ThrottlePolicy

        client = GraphClient(
            token=meta.sandbox.issue_meta_token(),
            settings=runtime.settings,
            governor=UsageGovernor(ThrottlePolicy()),
        )
        await client.call(
            "test.create",
            lambda api: AdAccount("act_100000000000001", api=api).create_campaign(
                params={
                    "name": tagged_name("Coffee subscriptions", key),
                    "objective": "OUTCOME_TRAFFIC",
                    "special_ad_categories": [],
                    "daily_budget": 5000,
                    "status": "PAUSED",
                }
            ),
        )
        async with runtime.sessions() as session, session.begin():
            await session.execute(
                insert(platform_objects).values(
                    idempotency_key=key,
                    deployment_id=command.deployment_id,
                    account_id="act_100000000000001",
                    kind="campaign",
                    strategy_key="c1",
                    status="pending",
                )
            )
        await publish_event(meta.js, command)
        [event] = await probe.wait_for(FAILED, lambda d: d.deployment_id == command.deployment_id)
    assert (event.data.error.code, event.data.error.field) == ("100/1885621", "s1.daily_budget")
    assert event.data.cleaned_up and meta.objects(live_only=True) == []
    assert uuid.UUID(str(event.data.deployment_id)) == command.deployment_id


async def test_rate_limits_back_off_and_then_succeed(meta, deploy_command):
    from zamc_connector_meta.metrics import RATE_LIMIT_BACKOFFS

    before = RATE_LIMIT_BACKOFFS.labels("meta")._value.get()
    meta.sandbox.inject_fault("meta.rate_limit_17", times=1, method="POST")
    meta.sandbox.inject_fault("meta.rate_limit_613", times=1, method="adsets")
    meta.sandbox.inject_fault("meta.rate_limit_80004", times=1, method="ads")
    command = deploy_command()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        await publish_event(meta.js, command)
        await probe.wait_for(DEPLOYED, lambda d: d.deployment_id == command.deployment_id)
    assert RATE_LIMIT_BACKOFFS.labels("meta")._value.get() >= before + 3
    assert len(meta.objects()) == 1 + 2 + 3 * 2


async def test_rate_limited_for_good_is_a_retryable_failure_after_clean_up(meta, deploy_command):
    command = deploy_command()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        meta.sandbox.inject_fault("meta.rate_limit_80004", times=50, method="POST act_100000000000001/ads")
        await publish_event(meta.js, command)
        [event] = await probe.wait_for(FAILED, lambda d: d.deployment_id == command.deployment_id)
    assert event.data.error.code.startswith("80004") and event.data.error.retryable
    assert event.data.cleaned_up and meta.objects(live_only=True) == []


async def test_transient_errors_are_retried_without_duplicates(meta, deploy_command):
    meta.sandbox.inject_fault("meta.transient", times=2, method="POST act_100000000000001/campaigns")
    command = deploy_command()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await meta.link(probe)
        await publish_event(meta.js, command)
        await probe.wait_for(DEPLOYED, lambda d: d.deployment_id == command.deployment_id)
    assert [o["type"] for o in meta.objects()].count("campaign") == 1


async def test_a_refused_token_requires_reauthorization_and_stops_calls(meta, deploy_command):
    command = deploy_command()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        connection_id = await meta.link(probe)
        for grant in list(meta.sandbox.tokens._grants.values()):
            if grant.platform == "meta" and grant.kind == "long_lived":
                meta.sandbox.tokens.expire(grant.token)
        await publish_event(meta.js, command)
        [failed] = await probe.wait_for(FAILED, lambda d: d.deployment_id == command.deployment_id)
        [reauth] = await probe.wait_for(
            "zamc.meta.reauthorization_required.v1", lambda d: d.connection_id == connection_id
        )
        calls = len(meta.graph_calls())
        second = deploy_command()
        await publish_event(meta.js, second)
        [refused] = await probe.wait_for(FAILED, lambda d: d.deployment_id == second.deployment_id)
    assert failed.data.error.code == "190/463" and not failed.data.error.retryable
    assert "Connect Meta again" in reauth.data.reason
    assert refused.data.error.code == "reauthorization_required"
    assert len(meta.graph_calls()) == calls  # no call with the refused token
    assert meta.objects(live_only=True) == []


async def test_an_unlinked_account_is_reported(meta, deploy_command):
    command = deploy_command(account="act_999")
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await publish_event(meta.js, command)
        [event] = await probe.wait_for(FAILED, lambda d: d.deployment_id == command.deployment_id)
    assert event.data.error.code == "account_not_linked"
