"""What connector-meta relies on from the Graph API v26.0, checked against the sandbox and live Meta.

One scenario set for both targets (see conftest.py): the same SDK calls, parameters and
error expectations the connector uses, so a sandbox that drifts from Meta shows up here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zamc_connector_meta.adapters.graph import GraphCallFailed, ReauthorizationNeeded
from zamc_connector_meta.domain import insights, linking
from zamc_connector_meta.domain.deployment import plan_deployment, resolve_params, tagged_name
from zamc_connector_meta.domain.placeholder import placeholder_png
from zamc_events.contracts.campaign import MetaDeployRequested
from zamc_events.contracts.strategy import MetaAd, MetaAdSet, MetaCampaign, MetaTargeting

pytestmark = [pytest.mark.contract]


def _command(account: str) -> MetaDeployRequested:
    deployment_id = uuid.uuid4()
    ad = MetaAd(
        key="a1",
        name="ZAMC contract ad",
        primary_text="ZAMC contract test: never delivered",
        headline="ZAMC contract",
        link_url="https://example.com/",
    )
    ad_set = MetaAdSet(
        key="s1",
        name="ZAMC contract ad set",
        daily_budget_micros=5_000_000,
        targeting=MetaTargeting(countries=["US"], age_min=25, age_max=45),
        ads=[ad],
    )
    campaign = MetaCampaign(
        key="c1", name="ZAMC contract campaign", objective="OUTCOME_TRAFFIC", ad_sets=[ad_set]
    )
    return MetaDeployRequested(
        deployment_id=deployment_id,
        account_external_id=account,
        key_prefix=f"{deployment_id}:meta",
        campaigns=[campaign],
    )


async def _failure(call) -> GraphCallFailed:
    with pytest.raises(GraphCallFailed) as raised:
        await call
    return raised.value


async def test_the_token_reaches_ad_accounts_with_currency_and_time_zone(target):
    client = target.client()
    accounts = {a.external_id: a for a in linking.ad_accounts(await client.ad_accounts())}
    assert target.account in accounts
    account = accounts[target.account]
    assert len(account.currency) == 3 and account.time_zone


async def test_account_calls_report_usage_headers(target):
    client = target.client()
    await client.find_tagged("campaign", target.account, None, "zamc-0000000000000000")
    reading = client.governor.reading(target.account)
    assert reading is not None and 0 <= reading.percent <= 100


async def test_a_planned_tree_is_accepted_found_by_its_tag_and_deleted(target):
    if target.page_id is None:
        pytest.skip("set ZAMC_META_LIVE_PAGE_ID to create creatives and ads on live Meta")
    client = target.client()
    accounts = {a.external_id: a for a in linking.ad_accounts(await client.ad_accounts())}
    plan = plan_deployment(
        _command(target.account), currency=accounts[target.account].currency, page_id=target.page_id
    )
    ids: dict[str, str] = {}
    created: list[tuple[str, str]] = []
    try:
        for obj in plan.objects:
            if obj.kind == "image":
                ids[obj.key] = await client.upload_image(
                    target.account, name="zamc-placeholder.png", data=placeholder_png()
                )
                continue
            ids[obj.key] = await client.create(obj.kind, target.account, resolve_params(obj, ids))
            created.append((obj.kind, ids[obj.key]))
        by_kind = {o.kind: o for o in plan.objects}
        campaign = await client.read(
            "campaign", ids[by_kind["campaign"].key], ["status", "objective"], account=target.account
        )
        assert (campaign["status"], campaign["objective"]) == ("PAUSED", "OUTCOME_TRAFFIC")
        ad_set = await client.read(
            "ad_set", ids[by_kind["ad_set"].key], ["daily_budget", "status"], account=target.account
        )
        assert int(ad_set["daily_budget"]) == by_kind["ad_set"].params["daily_budget"]
        for obj in plan.objects:
            if obj.kind in ("campaign", "ad_set", "ad"):
                parent = ids.get(obj.parent_key) if obj.parent_key else None
                assert await client.find_tagged(obj.kind, target.account, parent, obj.tag) == ids[obj.key]
    finally:
        for kind, object_id in reversed(created):
            await client.delete(kind, object_id, account=target.account)
    campaign_obj = plan.objects[0]
    assert await client.find_tagged("campaign", target.account, None, campaign_obj.tag) is None


def _campaign_params(name: str, **extra) -> dict:
    return {
        "name": name,
        "objective": "OUTCOME_TRAFFIC",
        "status": "PAUSED",
        "special_ad_categories": [],
        **extra,
    }


def _ad_set_params(campaign_id: str, **extra) -> dict:
    return {
        "name": tagged_name("ZAMC contract ad set", uuid.uuid4().hex),
        "campaign_id": campaign_id,
        "status": "PAUSED",
        "daily_budget": 500,
        "optimization_goal": "LINK_CLICKS",
        "billing_event": "IMPRESSIONS",
        "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        "targeting": {
            "geo_locations": {"countries": ["US"]},
            "targeting_automation": {"advantage_audience": 0},
        },
        **extra,
    }


async def test_errors_the_connector_maps_have_the_codes_and_fields_it_expects(target):
    client = target.client()
    account = target.account
    name = tagged_name("ZAMC contract", uuid.uuid4().hex)
    missing = await _failure(
        client.create("campaign", account, {"name": name, "objective": "OUTCOME_TRAFFIC", "status": "PAUSED"})
    )
    assert (missing.failure.code, missing.failure.field) == (100, "special_ad_categories")
    assert not missing.failure.to_platform_error().retryable

    plain = await client.create("campaign", account, _campaign_params(name))
    with_budget = await client.create("campaign", account, _campaign_params(name + " cbo", daily_budget=2000))
    try:
        too_low = await _failure(client.create("ad_set", account, _ad_set_params(plain, daily_budget=1)))
        assert too_low.failure.code_text == "100/1885272" and too_low.failure.field == "daily_budget"
        no_geo = await _failure(
            client.create("ad_set", account, _ad_set_params(plain, targeting={"age_min": 20, "age_max": 30}))
        )
        assert no_geo.failure.code == 100 and no_geo.failure.field == "targeting"
        both = await _failure(client.create("ad_set", account, _ad_set_params(with_budget)))
        assert both.failure.code_text == "100/1885621" and both.failure.field == "daily_budget"
    finally:
        for campaign_id in (plain, with_budget):
            await client.delete("campaign", campaign_id, account=account)


async def test_a_refused_token_is_error_190(target):
    with pytest.raises(ReauthorizationNeeded) as raised:
        await target.client(token="EAAzamcContractInvalidToken").ad_accounts()
    assert raised.value.failure.code == 190


async def test_hourly_ad_insights_have_the_shape_the_sync_reads(target):
    client = target.client()
    accounts = {a.external_id: a for a in linking.ad_accounts(await client.ad_accounts())}
    account = accounts[target.account]
    created: list[tuple[str, str]] = []
    if target.advance_days is not None:  # the sandbox: make something deliver first
        plan = plan_deployment(
            _command(target.account), currency=account.currency, page_id=target.page_id or "1"
        )
        ids: dict[str, str] = {}
        for obj in plan.objects:
            if obj.kind == "image":
                ids[obj.key] = await client.upload_image(target.account, name="p.png", data=placeholder_png())
                continue
            params = resolve_params(obj, ids)
            if "status" in params:
                params["status"] = "ACTIVE"
            ids[obj.key] = await client.create(obj.kind, target.account, params)
            created.append((obj.kind, ids[obj.key]))
        target.advance_days(1)
    today = target.now().astimezone(ZoneInfo(account.time_zone)).date()
    params = {  # exactly what the sync asks for
        "level": "ad",
        "time_range": {"since": (today - timedelta(days=28)).isoformat(), "until": today.isoformat()},
        "time_increment": 1,
        "breakdowns": [insights.HOURLY_BREAKDOWN],
        "limit": 200,
    }
    rows = [
        row
        async for page in client.insight_pages(target.account, fields=insights.INSIGHT_FIELDS, params=params)
        for row in page
    ]
    for kind, object_id in reversed(created):
        await client.delete(kind, object_id, account=target.account)
    if target.advance_days is not None:
        assert rows, "the sandbox delivered a day"
    now = datetime.now(UTC)
    for row in rows[:200]:
        obs = insights.observation(
            row, time_zone=account.time_zone, action_types=["omni_purchase", "purchase"], reported_at=now
        )
        assert obs.ad_id and obs.campaign_id and obs.hour_start.minute == 0
