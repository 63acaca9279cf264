"""The Meta Graph sandbox driven with the official facebook-business SDK, as a connector would."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.campaign import Campaign
from facebook_business.adobjects.user import User
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError

from zamc_sandbox import FaultKind, Sandbox

ACCOUNT = "act_100000000000001"
TARGETING = {"geo_locations": {"countries": ["DE"]}, "age_min": 25, "age_max": 54}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _campaign(account: AdAccount, **overrides) -> str:
    params = {
        "name": "Shoes",
        "objective": "OUTCOME_SALES",
        "status": "ACTIVE",
        "special_ad_categories": [],
        "daily_budget": 5000,
    } | overrides
    params = {k: v for k, v in params.items() if v is not None}
    return account.create_campaign(params=params)["id"]


def _adset(account: AdAccount, campaign_id: str, **overrides) -> str:
    params = {
        "name": "Germany 25-54",
        "campaign_id": campaign_id,
        "status": "ACTIVE",
        "optimization_goal": "OFFSITE_CONVERSIONS",
        "billing_event": "IMPRESSIONS",
        "targeting": TARGETING,
    } | overrides
    return account.create_ad_set(params={k: v for k, v in params.items() if v is not None})["id"]


def _ad(account: AdAccount, adset_id: str, tmp_path) -> str:
    image_file = tmp_path / "shoe.png"
    image_file.write_bytes(PNG)
    image = account.create_ad_image(params={"filename": str(image_file)})
    image_hash = image["hash"]
    creative = account.create_ad_creative(
        params={
            "name": "Shoe creative",
            "object_story_spec": {
                "page_id": "1",
                "link_data": {"link": "https://shop.example", "message": "Run", "image_hash": image_hash},
            },
        }
    )
    return account.create_ad(
        params={
            "name": "Shoe ad",
            "adset_id": adset_id,
            "creative": {"creative_id": creative["id"]},
            "status": "ACTIVE",
        }
    )["id"]


def _error(call) -> FacebookRequestError:
    with pytest.raises(FacebookRequestError) as caught:
        call()
    return caught.value


def test_ad_accounts(meta_api: FacebookAdsApi) -> None:
    accounts = list(User(fbid="me").get_ad_accounts(fields=["account_id", "currency", "timezone_name"]))
    assert [(a["account_id"], a["currency"]) for a in accounts] == [
        ("100000000000001", "EUR"),
        ("100000000000002", "USD"),
    ]
    details = AdAccount(ACCOUNT).api_get(fields=["name", "currency"])
    assert details["currency"] == "EUR"


def test_create_read_update_delete(meta_api: FacebookAdsApi, fresh: Sandbox, tmp_path) -> None:
    account = AdAccount(ACCOUNT)
    campaign_id = _campaign(account)
    adset_id = _adset(account, campaign_id, daily_budget=None)
    ad_id = _ad(account, adset_id, tmp_path)
    assert Ad(ad_id).api_get(fields=["status", "effective_status"])["effective_status"] == "ACTIVE"
    Campaign(campaign_id).api_update(params={"status": "PAUSED"})
    assert Ad(ad_id).api_get(fields=["effective_status"])["effective_status"] == "CAMPAIGN_PAUSED"
    assert not fresh.market.campaign(campaign_id).active
    Campaign(campaign_id).api_update(params={"status": "ACTIVE", "daily_budget": 7000})
    assert fresh.market.campaign(campaign_id).daily_budget_micros == 70_000_000
    assert [c["id"] for c in account.get_campaigns(fields=["name"])] == [campaign_id]
    assert [a["id"] for a in Campaign(campaign_id).get_ad_sets(fields=["name"])] == [adset_id]
    Ad(ad_id).api_delete()
    assert Ad(ad_id).api_get(fields=["status"])["status"] == "DELETED"
    kinds = {o["type"] for o in fresh.created_objects()["meta"]}
    assert kinds == {"campaign", "adset", "adcreative", "ad"}


def test_missing_special_ad_categories(meta_api: FacebookAdsApi) -> None:
    error = _error(lambda: _campaign(AdAccount(ACCOUNT), special_ad_categories=None))
    assert error.api_error_code() == 100
    assert "special_ad_categories" in error.api_error_message()


def test_budget_on_campaign_and_ad_set(meta_api: FacebookAdsApi) -> None:
    account = AdAccount(ACCOUNT)
    campaign_id = _campaign(account)
    error = _error(lambda: _adset(account, campaign_id, daily_budget=2000))
    assert (error.api_error_code(), error.api_error_subcode()) == (100, 1885621)
    assert error.api_blame_field_specs() == [["daily_budget"]]


def test_budget_too_low(meta_api: FacebookAdsApi) -> None:
    error = _error(lambda: _campaign(AdAccount(ACCOUNT), daily_budget=50))
    assert (error.api_error_code(), error.api_error_subcode()) == (100, 1885272)
    assert error.body()["error"]["error_user_msg"]


@pytest.mark.parametrize(
    "targeting",
    [{"age_min": 25}, {"geo_locations": {"countries": ["Germany"]}}, {**TARGETING, "age_min": 70}],
)
def test_invalid_targeting(meta_api: FacebookAdsApi, targeting: dict) -> None:
    account = AdAccount(ACCOUNT)
    campaign_id = _campaign(account, daily_budget=None)
    error = _error(lambda: _adset(account, campaign_id, daily_budget=2000, targeting=targeting))
    assert (error.api_error_code(), error.api_error_subcode()) == (100, 1487694)


def test_expired_token(fresh: Sandbox, meta_api: FacebookAdsApi) -> None:
    short = fresh.issue_meta_token(long_lived=False)
    api = FacebookAdsApi.init(access_token=short, api_version="v26.0", crash_log=False)
    AdAccount(ACCOUNT, api=api).api_get(fields=["name"])
    fresh.market.step(hours=2)
    error = _error(lambda: AdAccount(ACCOUNT, api=api).api_get(fields=["name"]))
    assert (error.api_error_code(), error.api_error_subcode(), error.api_error_type()) == (
        190,
        463,
        "OAuthException",
    )


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (FaultKind.META_RATE_LIMIT_17, 17),
        (FaultKind.META_RATE_LIMIT_613, 613),
        (FaultKind.META_RATE_LIMIT_80004, 80004),
    ],
)
def test_injected_rate_limits(meta_api: FacebookAdsApi, fresh: Sandbox, kind: FaultKind, code: int) -> None:
    fresh.inject_fault(kind)
    error = _error(lambda: AdAccount(ACCOUNT).api_get(fields=["name"]))
    assert error.api_error_code() == code
    assert error.api_transient_error() is True
    AdAccount(ACCOUNT).api_get(fields=["name"])


def test_usage_headers_rise_with_call_volume_until_throttled(
    meta_api: FacebookAdsApi, fresh: Sandbox
) -> None:
    fresh.meta_usage.calls_per_hour = 10
    try:
        seen = []
        for _ in range(9):
            cursor = AdAccount(ACCOUNT).get_campaigns(fields=["name"])
            list(cursor)
            usage = json.loads(cursor.headers()["x-ad-account-usage"])
            business = json.loads(cursor.headers()["x-business-use-case-usage"])
            seen.append(usage["acc_id_util_pct"])
            assert next(iter(business.values()))[0]["call_count"] == usage["acc_id_util_pct"]
        assert seen == sorted(seen) and seen[-1] == 90
        error = _error(lambda: list(AdAccount(ACCOUNT).get_campaigns(fields=["name"])))
        assert error.api_error_code() == 80004
        assert json.loads(error.http_headers()["x-ad-account-usage"])["acc_id_util_pct"] == 100
        fresh.market.step(hours=1)  # the usage window slides on the simulated clock
        list(AdAccount(ACCOUNT).get_campaigns(fields=["name"]))
    finally:
        fresh.meta_usage.calls_per_hour = 300


def test_insights_daily_hourly_paging_and_restatement(
    meta_api: FacebookAdsApi, fresh: Sandbox, tmp_path
) -> None:
    account = AdAccount(ACCOUNT)
    campaign_id = _campaign(account, daily_budget=20000)
    _ad(account, _adset(account, campaign_id), tmp_path)
    fresh.market.step(days=4)
    params = {
        "level": "campaign",
        "time_range": {"since": "2026-11-01", "until": "2026-11-03"},
        "time_increment": 1,
    }
    fields = ["campaign_id", "impressions", "spend", "actions", "action_values"]
    daily = list(account.get_insights(params=params, fields=fields))
    assert [r["date_start"] for r in daily] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    zone_start = datetime(2026, 10, 31, 23, tzinfo=UTC)  # Europe/Berlin midnight
    reported = fresh.market.reported(campaign_id, zone_start, zone_start + timedelta(days=3))
    assert sum(int(r["impressions"]) for r in daily) == reported.impressions

    hourly = list(
        account.get_insights(
            params={**params, "breakdowns": ["hourly_stats_aggregated_by_advertiser_time_zone"], "limit": 10},
            fields=["impressions"],
        )
    )
    assert len(hourly) > 10  # several pages were followed through paging.cursors.after
    assert hourly[0]["hourly_stats_aggregated_by_advertiser_time_zone"].endswith(":59:59")
    assert sum(int(r["impressions"]) for r in hourly) == reported.impressions

    def conversions(rows: list) -> list[int]:
        return [
            int(next(a["value"] for a in r.get("actions", []) if a["action_type"] == "purchase") or 0)
            for r in rows
        ]

    early = conversions(daily)
    fresh.market.step(days=8)  # past Meta's 7-day attribution window
    settled = conversions(list(account.get_insights(params=params, fields=fields)))
    assert all(later >= before for before, later in zip(early, settled, strict=True))
    truth = fresh.market.truth(campaign_id, zone_start, zone_start + timedelta(days=3))
    assert sum(settled) == truth.conversions


def test_meta_oauth_code_short_and_long_lived(fresh: Sandbox) -> None:
    with httpx.Client() as http:
        redirect = http.get(
            f"{fresh.oauth_base_url}/meta/v26.0/dialog/oauth",
            params={"client_id": "app", "redirect_uri": "http://127.0.0.1:9/cb", "state": "xyz"},
        )
        location = httpx.URL(redirect.headers["location"])
        assert redirect.status_code == 302 and location.params["state"] == "xyz"
        token_url = f"{fresh.meta_graph_base_url}/v26.0/oauth/access_token"
        short = http.get(
            token_url,
            params={
                "client_id": "app",
                "redirect_uri": "http://127.0.0.1:9/cb",
                "client_secret": "s",
                "code": location.params["code"],
            },
        ).json()
        assert short["expires_in"] == 7200
        long = http.get(
            token_url,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": "app",
                "client_secret": "s",
                "fb_exchange_token": short["access_token"],
            },
        ).json()
        assert long["expires_in"] == 60 * 24 * 3600
        me = http.get(
            f"{fresh.meta_graph_base_url}/v26.0/me/adaccounts", params={"access_token": long["access_token"]}
        )
        assert len(me.json()["data"]) == 2
