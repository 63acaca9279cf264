"""What connector-google relies on from the Google Ads API v26, checked against the sandbox and live Google.

One scenario set for both targets (see conftest.py): the connector's own adapter, operations and
GAQL, so a sandbox that drifts from Google (or a Google change) shows up here. Live, everything is
created PAUSED on the given account and removed at the end; nothing is ever enabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from zamc_connector_google.adapters.google_ads import (
    CampaignState,
    budget_operation,
    campaign_field_operation,
    plan_operations,
    status_operations,
)
from zamc_connector_google.domain import metric_sync
from zamc_connector_google.domain.accounts import deployable
from zamc_connector_google.domain.bidding import target_field
from zamc_connector_google.domain.deployment import (
    CreatedObject,
    DeploymentPlan,
    DeploymentResult,
    match_existing,
    plan_deployment,
)
from zamc_connector_google.domain.errors import PlatformCallError, classify, to_platform_error
from zamc_events.contracts.strategy import GoogleAdGroup, GoogleSearchCampaign, Keyword, ResponsiveSearchAd

pytestmark = [pytest.mark.contract]


def _campaign(key: str, *, headline: str = "Contract test shoes") -> GoogleSearchCampaign:
    return GoogleSearchCampaign(
        key=key,
        name=f"ZAMC contract {key}",
        daily_budget_micros=1_000_000,
        bidding_strategy="MAXIMIZE_CLICKS",
        locations=["DE"],
        languages=["de", "en"],
        ad_groups=[
            GoogleAdGroup(
                key="g1",
                name="ZAMC contract group",
                keywords=[Keyword(text="zamc contract test", match_type="EXACT")],
                ads=[
                    ResponsiveSearchAd(
                        key="ad1",
                        headlines=[headline, "Never delivered", "Paused forever"],
                        descriptions=["ZAMC contract test ad.", "Created paused and removed."],
                        path1="contract",
                        final_url="https://example.com/",
                    )
                ],
            )
        ],
    )


def _currency(target) -> str:
    rows = target.api.search(
        access_token=target.access_token,
        login_customer_id=target.login_customer_id,
        customer_id=target.customer_id,
        query="SELECT customer.currency_code FROM customer",
    )
    return rows[0].customer.currency_code


def _mutate(target, build, *, validate_only: bool = False) -> list[str]:
    return target.api.mutate(
        access_token=target.access_token,
        login_customer_id=target.login_customer_id,
        customer_id=target.customer_id,
        build=build,
        validate_only=validate_only,
    )


async def test_refresh_token_gives_an_access_token(target):
    grant = await target.oauth.refresh(refresh_token=target.refresh_token)
    assert grant.access_token.get_secret_value() and grant.expires_at > datetime.now(UTC)
    assert grant.refresh_token is None or grant.refresh_token.get_secret_value()


def test_discovery_reaches_the_account_with_currency_and_time_zone(target):
    customers, _ = target.api.discover_customers(access_token=target.access_token)
    by_id = {c.customer_id: c for c in deployable(customers)}
    assert target.customer_id in by_id
    account = by_id[target.customer_id]
    assert len(account.currency) == 3 and "/" in account.time_zone
    if target.login_customer_id:
        assert account.login_customer_id in (None, target.login_customer_id)


def test_a_plan_validates_without_creating_anything(target):
    plan = plan_deployment(
        campaigns=[_campaign(f"v{uuid.uuid4().hex[:8]}")],
        key_prefix=f"{uuid.uuid4()}:google_ads",
        currency=_currency(target),
    )
    items = plan.objects
    names = _mutate(
        target, lambda client: plan_operations(client, target.customer_id, items), validate_only=True
    )
    assert len(names) == len(items)
    assert (
        target.api.find_campaign_tree(
            access_token=target.access_token,
            login_customer_id=target.login_customer_id,
            customer_id=target.customer_id,
            tag=plan.campaigns[0].tag,
        )
        is None
    )


def test_an_over_long_headline_is_refused_at_its_field(target):
    plan = plan_deployment(
        campaigns=[_campaign("long", headline="A headline that is much longer than thirty characters")],
        key_prefix=f"{uuid.uuid4()}:google_ads",
        currency=_currency(target),
    )
    items = plan.objects
    with pytest.raises(PlatformCallError) as raised:
        _mutate(target, lambda client: plan_operations(client, target.customer_id, items), validate_only=True)
    failure = raised.value.failure
    assert classify(failure) == "permanent"
    error = to_platform_error(failure, operations=items)
    assert error.code.endswith("TOO_LONG") and error.retryable is False
    assert error.field and error.field.startswith("ad long/g1/ad1") and "headlines[0]" in error.field


@contextmanager
def _deployed(
    target, campaign: GoogleSearchCampaign
) -> Iterator[tuple[DeploymentPlan, DeploymentResult, str]]:
    """The campaign's tree created (paused) on the account; its campaign and budget removed on the way out."""
    plan = plan_deployment(
        campaigns=[campaign], key_prefix=f"{uuid.uuid4()}:google_ads", currency=_currency(target)
    )
    items = plan.objects
    names = _mutate(target, lambda client: plan_operations(client, target.customer_id, items))
    result = DeploymentResult([CreatedObject(i, n) for i, n in zip(items, names, strict=True)])
    [campaign_id] = result.campaign_ids()
    try:
        yield plan, result, campaign_id
    finally:
        created = {c.item.kind: c.resource_name for c in result.created}
        for kind in ("campaign", "budget"):
            _mutate(target, lambda client, k=kind: status_operations(client, k, [created[k]], "REMOVED"))


def _state(target, campaign_id: str) -> CampaignState:
    return target.api.campaign_states(
        access_token=target.access_token,
        login_customer_id=target.login_customer_id,
        customer_id=target.customer_id,
        campaign_ids=[campaign_id],
    )[campaign_id]


def test_create_find_again_change_and_remove_a_paused_campaign_tree(target):
    with _deployed(target, _campaign(f"c{uuid.uuid4().hex[:8]}")) as (plan, result, campaign_id):
        # look up before create: the tag in the name finds the whole tree again
        tree = target.api.find_campaign_tree(
            access_token=target.access_token,
            login_customer_id=target.login_customer_id,
            customer_id=target.customer_id,
            tag=plan.campaigns[0].tag,
        )
        assert tree is not None
        found = {c.item.idempotency_key: c.resource_name for c in match_existing(plan.campaigns[0], tree)}
        assert found == {c.item.idempotency_key: c.resource_name for c in result.created}

        # a second create of the same plan is refused by name, not duplicated
        items = plan.objects
        with pytest.raises(PlatformCallError) as duplicate:
            _mutate(
                target, lambda client: plan_operations(client, target.customer_id, items), validate_only=True
            )
        assert classify(duplicate.value.failure) == "permanent"

        state = _state(target, campaign_id)
        assert state.status == "PAUSED"
        _mutate(target, lambda client: budget_operation(client, state.budget_resource_name, 2_000_000))
        ad = next(c.resource_name for c in result.created if c.item.kind == "ad")
        _mutate(target, lambda client: status_operations(client, "ad", [ad], "PAUSED"))
    assert _state(target, campaign_id).status == "REMOVED"


def test_a_target_roas_moves_inside_the_campaigns_own_strategy(target):
    campaign = _campaign(f"b{uuid.uuid4().hex[:8]}").model_copy(
        update={"bidding_strategy": "TARGET_ROAS", "target_roas": 3.0}
    )
    with _deployed(target, campaign) as (_, _, campaign_id):
        state = _state(target, campaign_id)
        path = target_field(
            campaign_id=campaign_id,
            target="target_roas",
            bidding_strategy_type=state.bidding_strategy_type,
            portfolio_strategy=state.portfolio_strategy,
        )
        assert path == "maximize_conversion_value.target_roas"
        _mutate(target, lambda client: campaign_field_operation(client, state.resource_name, path, 3.6))
        [row] = target.api.search(
            access_token=target.access_token,
            login_customer_id=target.login_customer_id,
            customer_id=target.customer_id,
            query="SELECT campaign.bidding_strategy_type, campaign.maximize_conversion_value.target_roas, "
            f"campaign.status FROM campaign WHERE campaign.id = {int(campaign_id)}",
        )
        assert row.campaign.bidding_strategy_type.name == "MAXIMIZE_CONVERSION_VALUE"
        assert row.campaign.maximize_conversion_value.target_roas == pytest.approx(3.6)
        assert row.campaign.status.name == "PAUSED"


def test_the_metrics_query_streams_hourly_rows(target):
    start, end = metric_sync.sync_window(now=datetime.now(UTC), time_zone="UTC", lookback_days=14)
    rows = target.api.metric_rows(
        access_token=target.access_token,
        login_customer_id=target.login_customer_id,
        customer_id=target.customer_id,
        query=metric_sync.metrics_query(start=start, end=end),
    )
    for row in rows:  # a new account may have none; every row has the fields the sync needs
        assert start - timedelta(days=1) <= row.day <= end + timedelta(days=1) and 0 <= row.hour <= 23
        assert row.campaign_id and row.ad_id and row.impressions >= 0


def test_an_invalid_query_is_a_permanent_error(target):
    with pytest.raises(PlatformCallError) as raised:
        target.api.search(
            access_token=target.access_token,
            login_customer_id=target.login_customer_id,
            customer_id=target.customer_id,
            query="SELECT campaign.no_such_field FROM campaign",
        )
    assert classify(raised.value.failure) == "permanent"
    assert raised.value.failure.errors[0].category == "query_error"


def test_a_bad_access_token_is_an_auth_failure(target):
    with pytest.raises(PlatformCallError) as raised:
        target.api.list_accessible_customers(access_token=SecretStr("ya29.not-a-token"))
    assert classify(raised.value.failure) == "auth"
