"""The Google Ads sandbox driven with the official google-ads client, as a connector would."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions as api_exceptions
from google.api_core import protobuf_helpers

from zamc_sandbox import FaultKind, Sandbox

from .google_helpers import (
    CUSTOMER_ID,
    ad_group_operation,
    budget_operation,
    campaign_operation,
    full_campaign,
    rsa_operation,
)


def _codes(error: GoogleAdsException) -> list[tuple[str, str]]:
    out = []
    for item in error.failure.errors:
        category = item.error_code._pb.WhichOneof("error_code")
        out.append((category, getattr(item.error_code, category).name))
    return out


def _mutate(client, operations, **kwargs):
    return client.get_service("GoogleAdsService").mutate(
        customer_id=CUSTOMER_ID, mutate_operations=operations, **kwargs
    )


def test_accessible_customers_and_their_details(google_client) -> None:
    client = google_client()
    names = client.get_service("CustomerService").list_accessible_customers().resource_names
    assert list(names) == ["customers/1000000001"]
    service = client.get_service("GoogleAdsService")
    rows = list(
        service.search(
            customer_id="1000000001",
            query="SELECT customer_client.id, customer_client.currency_code, customer_client.time_zone, "
            "customer_client.manager FROM customer_client WHERE customer_client.level = 1",
        )
    )
    assert {(r.customer_client.id, r.customer_client.currency_code) for r in rows} == {
        (2000000001, "EUR"),
        (2000000002, "USD"),
    }
    [row] = service.search(
        customer_id=CUSTOMER_ID, query="SELECT customer.id, customer.currency_code FROM customer"
    )
    assert (row.customer.id, row.customer.currency_code) == (2000000001, "EUR")


def test_atomic_mutate_with_temporary_ids_creates_the_whole_tree(google_client, fresh: Sandbox) -> None:
    client = google_client()
    response = _mutate(client, full_campaign(client))
    results = response.mutate_operation_responses
    campaign_name = results[1].campaign_result.resource_name
    assert campaign_name.startswith(f"customers/{CUSTOMER_ID}/campaigns/") and "-" not in campaign_name
    rows = list(
        client.get_service("GoogleAdsService").search(
            customer_id=CUSTOMER_ID,
            query="SELECT ad_group_ad.ad.id, ad_group.name, campaign.name, campaign_budget.amount_micros "
            "FROM ad_group_ad WHERE campaign.status = 'ENABLED'",
        )
    )
    assert len(rows) == 1
    assert (rows[0].campaign.name, rows[0].ad_group.name, rows[0].campaign_budget.amount_micros) == (
        "Campaign",
        "Group",
        50_000_000,
    )
    assert fresh.market.has_object(campaign_name.rsplit("/", 1)[1])


def test_resource_services_and_validate_only(google_client, fresh: Sandbox) -> None:
    client = google_client()
    budget_op = client.get_type("CampaignBudgetOperation")
    budget_op.create.name = "Shared budget"
    budget_op.create.amount_micros = 20_000_000
    validated = client.get_service("CampaignBudgetService").mutate_campaign_budgets(
        request={"customer_id": CUSTOMER_ID, "operations": [budget_op], "validate_only": True}
    )
    assert len(validated.results) == 1
    assert fresh.created_objects()["google"] == []
    created = client.get_service("CampaignBudgetService").mutate_campaign_budgets(
        customer_id=CUSTOMER_ID, operations=[budget_op]
    )
    budget_name = created.results[0].resource_name
    campaign_op = client.get_type("CampaignOperation")
    client.copy_from(campaign_op.create, campaign_operation(client).campaign_operation.create)
    campaign_op.create.resource_name = ""
    campaign_op.create.campaign_budget = budget_name
    campaign_name = (
        client.get_service("CampaignService")
        .mutate_campaigns(customer_id=CUSTOMER_ID, operations=[campaign_op])
        .results[0]
        .resource_name
    )
    update = client.get_type("CampaignOperation")
    update.update.resource_name = campaign_name
    update.update.status = client.enums.CampaignStatusEnum.PAUSED
    client.copy_from(update.update_mask, protobuf_helpers.field_mask(None, update.update._pb))
    client.get_service("CampaignService").mutate_campaigns(customer_id=CUSTOMER_ID, operations=[update])
    criterion = client.get_type("CampaignCriterionOperation")
    criterion.create.campaign = campaign_name
    criterion.create.location.geo_target_constant = "geoTargetConstants/2276"
    client.get_service("CampaignCriterionService").mutate_campaign_criteria(
        customer_id=CUSTOMER_ID, operations=[criterion]
    )
    [row] = client.get_service("GoogleAdsService").search(
        customer_id=CUSTOMER_ID, query="SELECT campaign.status FROM campaign"
    )
    assert row.campaign.status.name == "PAUSED"
    assert not fresh.market.campaign(campaign_name.rsplit("/", 1)[1]).active


def test_a_bid_target_update_with_a_field_mask_changes_only_that_field(google_client, fresh: Sandbox) -> None:
    client = google_client()
    operations = [budget_operation(client), campaign_operation(client)]
    campaign = operations[1].campaign_operation.create
    campaign.maximize_conversion_value.target_roas = 3.0
    campaign.maximize_conversion_value.cpc_bid_ceiling_micros = 2_000_000
    campaign_name = _mutate(client, operations).mutate_operation_responses[1].campaign_result.resource_name
    service = client.get_service("GoogleAdsService")
    query = (
        "SELECT campaign.bidding_strategy_type, campaign.maximize_conversion_value.target_roas, "
        "campaign.maximize_conversion_value.cpc_bid_ceiling_micros, campaign.status FROM campaign"
    )
    [row] = service.search(customer_id=CUSTOMER_ID, query=query)
    assert row.campaign.bidding_strategy_type.name == "MAXIMIZE_CONVERSION_VALUE"  # output-only, derived

    update = client.get_type("CampaignOperation")
    update.update.resource_name = campaign_name
    update.update.maximize_conversion_value.target_roas = 4.5
    client.copy_from(update.update_mask, protobuf_helpers.field_mask(None, update.update._pb))
    assert "maximize_conversion_value.target_roas" in update.update_mask.paths
    client.get_service("CampaignService").mutate_campaigns(customer_id=CUSTOMER_ID, operations=[update])
    [row] = service.search(customer_id=CUSTOMER_ID, query=query)
    assert row.campaign.maximize_conversion_value.target_roas == 4.5
    assert row.campaign.maximize_conversion_value.cpc_bid_ceiling_micros == 2_000_000  # not in the mask
    assert row.campaign.status.name == "ENABLED"

    # Google keeps one standard scheme per campaign: setting another scheme's field switches to it
    update = client.get_type("CampaignOperation")
    update.update.resource_name = campaign_name
    update.update.maximize_conversions.target_cpa_micros = 7_000_000
    update.update_mask.paths.append("maximize_conversions.target_cpa_micros")
    client.get_service("CampaignService").mutate_campaigns(customer_id=CUSTOMER_ID, operations=[update])
    stored = fresh.google.get(campaign_name)
    assert stored.WhichOneof("campaign_bidding_strategy") == "maximize_conversions"
    assert stored.maximize_conversions.target_cpa_micros == 7_000_000
    [row] = service.search(
        customer_id=CUSTOMER_ID, query="SELECT campaign.bidding_strategy_type FROM campaign"
    )
    assert row.campaign.bidding_strategy_type.name == "MAXIMIZE_CONVERSIONS"


def test_one_bad_operation_rejects_the_whole_mutate(google_client, fresh: Sandbox) -> None:
    client = google_client()
    operations = full_campaign(client)
    operations[3] = rsa_operation(client, headlines=["Only one", "Two"])
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, operations)
    assert _codes(caught.value) == [("collection_size_error", "TOO_FEW")]
    assert caught.value.error.code().name == "INVALID_ARGUMENT"
    assert fresh.created_objects()["google"] == []


@pytest.mark.parametrize(
    ("rsa", "expected", "field"),
    [
        ({"headlines": ["a", "b"]}, ("collection_size_error", "TOO_FEW"), "headlines"),
        ({"headlines": [f"h{i}" for i in range(16)]}, ("collection_size_error", "TOO_MANY"), "headlines"),
        ({"headlines": ["x" * 31, "b", "c"]}, ("ad_error", "TOO_LONG"), "text"),
        ({"headlines": ["靴" * 16, "b", "c"]}, ("ad_error", "TOO_LONG"), "text"),  # 16 wide chars = 32
        ({"descriptions": ["only one"]}, ("collection_size_error", "TOO_FEW"), "descriptions"),
        ({"descriptions": ["d"] * 5}, ("collection_size_error", "TOO_MANY"), "descriptions"),
        ({"descriptions": ["y" * 91, "ok"]}, ("ad_error", "TOO_LONG"), "text"),
        ({"path1": "p" * 16}, ("ad_error", "TOO_LONG"), "path1"),
        ({"path2": "q" * 16}, ("ad_error", "TOO_LONG"), "path2"),
    ],
)
def test_responsive_search_ad_limits(google_client, rsa: dict, expected: tuple[str, str], field: str) -> None:
    client = google_client()
    operations = full_campaign(client)
    operations[3] = rsa_operation(client, **rsa)
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, operations)
    assert expected in _codes(caught.value)
    location = caught.value.failure.errors[0].location.field_path_elements
    assert location[0].field_name == "mutate_operations" and location[0].index == 3
    assert location[-1].field_name == field


def test_rsa_at_the_limits_is_accepted(google_client) -> None:
    client = google_client()
    operations = full_campaign(client)
    operations[3] = rsa_operation(
        client,
        headlines=["靴" * 15, *("h" * 30 for _ in range(14))],
        descriptions=["d" * 90] * 4,
        path1="p" * 15,
    )
    _mutate(client, operations)


@pytest.mark.parametrize("validate_only", [True, False])
def test_gimmicky_punctuation_in_ad_text_is_a_policy_finding(
    google_client, fresh: Sandbox, validate_only: bool
) -> None:
    client = google_client()
    operations = full_campaign(client)
    operations[3] = rsa_operation(
        client, headlines=["Running shoes", "Huge sale!!", "Shop now!"], descriptions=["Why wait?!", "Order."]
    )
    with pytest.raises(GoogleAdsException) as caught:
        client.get_service("GoogleAdsService").mutate(
            request={
                "customer_id": CUSTOMER_ID,
                "mutate_operations": operations,
                "validate_only": validate_only,
            }
        )
    assert _codes(caught.value) == [("policy_finding_error", "POLICY_FINDING")] * 2  # "Shop now!" passes
    assert caught.value.error.code().name == "INVALID_ARGUMENT"
    headline, description = caught.value.failure.errors
    assert "policy topics of type PROHIBITED" in headline.message
    assert headline.trigger.string_value == "Huge sale!!"
    [entry] = headline.details.policy_finding_details.policy_topic_entries
    assert (entry.topic, entry.type_.name) == ("PUNCTUATION", "PROHIBITED")
    assert list(entry.evidences[0].text_list.texts) == ["Huge sale!!"]
    path = [(e.field_name, e.index if "index" in e else None) for e in headline.location.field_path_elements]
    assert path[0] == ("mutate_operations", 3) and path[-2:] == [("headlines", 1), ("text", None)]
    assert description.trigger.string_value == "Why wait?!"
    assert fresh.created_objects()["google"] == []


def test_campaign_requires_eu_political_advertising_declaration(google_client) -> None:
    client = google_client()
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, [budget_operation(client), campaign_operation(client, declare_eu_political=False)])
    assert _codes(caught.value) == [("field_error", "REQUIRED")]
    path = [e.field_name for e in caught.value.failure.errors[0].location.field_path_elements]
    assert path[-1] == "contains_eu_political_advertising"


def test_duplicate_campaign_and_ad_group_names(google_client) -> None:
    client = google_client()
    _mutate(client, full_campaign(client, name="Shoes"))
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(
            client, [budget_operation(client, name="Other budget"), campaign_operation(client, name="Shoes")]
        )
    assert _codes(caught.value) == [("campaign_error", "DUPLICATE_CAMPAIGN_NAME")]
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(
            client,
            [
                budget_operation(client, name="B2"),
                campaign_operation(client, name="Boots"),
                ad_group_operation(client, temp_id=-3, name="Same"),
                ad_group_operation(client, temp_id=-4, name="Same"),
            ],
        )
    assert _codes(caught.value) == [("ad_group_error", "DUPLICATE_ADGROUP_NAME")]


def test_budget_below_minimum(google_client) -> None:
    client = google_client()
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, [budget_operation(client, amount_micros=500_000)])
    assert _codes(caught.value) == [("campaign_budget_error", "BUDGET_BELOW_PER_DAY_MINIMUM")]


def test_missing_developer_token(google_client) -> None:
    client = google_client(developer_token="")
    with pytest.raises(GoogleAdsException) as caught:
        client.get_service("CustomerService").list_accessible_customers()
    assert _codes(caught.value) == [("request_error", "DEVELOPER_TOKEN_PARAMETER_MISSING")]


def test_missing_login_customer_id_for_a_client_account(google_client) -> None:
    client = google_client(login_customer_id=None)
    with pytest.raises(GoogleAdsException) as caught:
        list(
            client.get_service("GoogleAdsService").search(
                customer_id=CUSTOMER_ID, query="SELECT customer.id FROM customer"
            )
        )
    assert caught.value.error.code().name == "PERMISSION_DENIED"
    assert _codes(caught.value) == [("authorization_error", "USER_PERMISSION_DENIED")]


def test_expired_access_token_is_unauthenticated(google_client, fresh: Sandbox) -> None:
    tokens = fresh.issue_google_tokens()
    client = google_client(access_token=tokens.access_token)
    client.get_service("CustomerService").list_accessible_customers()
    fresh.market.step(hours=1)  # access tokens live one simulated hour
    with pytest.raises(GoogleAdsException) as caught:
        client.get_service("CustomerService").list_accessible_customers()
    assert caught.value.error.code().name == "UNAUTHENTICATED"
    assert _codes(caught.value) == [("authentication_error", "OAUTH_TOKEN_EXPIRED")]


def test_quota_internal_and_latency_faults(google_client, fresh: Sandbox) -> None:
    client = google_client()
    customers = client.get_service("CustomerService")
    fresh.inject_fault(FaultKind.GOOGLE_RESOURCE_EXHAUSTED)
    with pytest.raises(api_exceptions.ResourceExhausted):
        customers.list_accessible_customers()
    fresh.inject_fault(FaultKind.GOOGLE_INTERNAL, method="ListAccessibleCustomers")
    with pytest.raises(api_exceptions.InternalServerError):
        customers.list_accessible_customers()
    fresh.inject_fault(FaultKind.GOOGLE_LATENCY, latency_seconds=0.3)
    began = time.monotonic()
    customers.list_accessible_customers()
    assert time.monotonic() - began >= 0.3
    customers.list_accessible_customers()  # faults are used up


def test_gaql_metrics_match_the_market_and_settle_to_ground_truth(google_client, fresh: Sandbox) -> None:
    client = google_client()
    response = _mutate(client, full_campaign(client))
    campaign_id = response.mutate_operation_responses[1].campaign_result.resource_name.rsplit("/", 1)[1]
    fresh.market.step(days=3)
    query = (
        "SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, "
        "metrics.conversions, metrics.conversions_value FROM campaign "
        "WHERE segments.date BETWEEN '2026-10-31' AND '2026-11-03' ORDER BY segments.date"
    )
    client = google_client()
    service = client.get_service("GoogleAdsService")  # keep a reference while the stream is read
    rows = [r for batch in service.search_stream(customer_id=CUSTOMER_ID, query=query) for r in batch.results]
    assert [r.segments.date for r in rows] == sorted(r.segments.date for r in rows) and rows
    start, end = datetime(2026, 10, 30, 23, tzinfo=UTC), datetime(2026, 11, 3, 23, tzinfo=UTC)
    reported = fresh.market.reported(campaign_id, start, end)
    assert sum(r.metrics.impressions for r in rows) == reported.impressions
    assert sum(r.metrics.cost_micros for r in rows) == reported.cost_micros
    assert sum(r.metrics.conversions for r in rows) == reported.conversions
    [total] = service.search(
        customer_id=CUSTOMER_ID,
        query="SELECT campaign.id, metrics.impressions FROM campaign "
        "WHERE segments.date BETWEEN '2026-10-31' AND '2026-11-03'",
    )
    assert total.metrics.impressions == reported.impressions
    [week] = service.search(
        customer_id=CUSTOMER_ID,
        query="SELECT metrics.cost_micros FROM campaign WHERE segments.date DURING LAST_7_DAYS",
    )
    assert week.metrics.cost_micros == reported.cost_micros  # today (Nov 4) is excluded, as on Google
    fresh.market.step(days=31)  # Google's 30-day conversion window has closed for those days
    client = google_client()
    rows = list(client.get_service("GoogleAdsService").search(customer_id=CUSTOMER_ID, query=query))
    truth = fresh.market.truth(campaign_id, start, end)
    assert sum(r.metrics.conversions for r in rows) == truth.conversions
    assert round(sum(r.metrics.conversions_value for r in rows) * 1_000_000) == pytest.approx(
        truth.conversions_value_micros, abs=len(rows)
    )
    hourly = list(
        client.get_service("GoogleAdsService").search(
            customer_id=CUSTOMER_ID,
            query="SELECT segments.hour, metrics.impressions FROM campaign WHERE segments.date = '2026-11-02' "
            "ORDER BY metrics.impressions DESC LIMIT 5",
        )
    )
    assert len(hourly) == 5
    assert [r.metrics.impressions for r in hourly] == sorted(
        (r.metrics.impressions for r in hourly), reverse=True
    )


def test_bad_gaql_is_a_query_error(google_client) -> None:
    client = google_client()
    with pytest.raises(GoogleAdsException) as caught:
        list(
            client.get_service("GoogleAdsService").search(
                customer_id=CUSTOMER_ID, query="SELECT campaign.nope FROM campaign"
            )
        )
    assert _codes(caught.value) == [("query_error", "UNRECOGNIZED_FIELD")]


def test_google_oauth_flow_and_refresh_with_google_auth(fresh: Sandbox) -> None:
    import httpx
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    with httpx.Client(base_url=fresh.oauth_base_url) as http:
        redirect = http.get(
            "/google/auth",
            params={
                "client_id": "app",
                "redirect_uri": "http://127.0.0.1:9/cb",
                "state": "s1",
                "response_type": "code",
            },
        )
        assert redirect.status_code == 302
        location = httpx.URL(redirect.headers["location"])
        assert location.params["state"] == "s1"
        code = location.params["code"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "app",
            "redirect_uri": "http://127.0.0.1:9/cb",
        }
        tokens = http.post("/google/token", data=form).json()
        assert tokens["access_token"].startswith("ya29.") and tokens["refresh_token"]
        assert (
            http.post("/google/token", data=form).json()["error"] == "invalid_grant"
        )  # codes are single-use
    credentials = Credentials(
        token=None,
        refresh_token=tokens["refresh_token"],
        token_uri=fresh.google_token_uri,
        client_id="app",
        client_secret="x",
    )
    credentials.refresh(Request())
    assert credentials.token and credentials.token != tokens["access_token"]
    fresh.tokens.revoke(tokens["refresh_token"])
    with pytest.raises(Exception, match="invalid_grant"):
        credentials.refresh(Request())
    assert fresh.market.clock.now() >= datetime(2026, 11, 1, tzinfo=UTC) - timedelta(0)
