"""Domain rules without servers: errors, money, the deployment plan, budgets, usage, insights."""

from __future__ import annotations

import json
import logging
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from zamc_connector_meta.adapters.crypto import TokenCipher
from zamc_connector_meta.adapters.redaction import RedactSecrets, redact
from zamc_connector_meta.domain import insights, linking
from zamc_connector_meta.domain.budget import split_budget
from zamc_connector_meta.domain.deployment import plan_deployment, resolve_params, tag_for, tagged_name
from zamc_connector_meta.domain.errors import FailureKind, GraphFailure
from zamc_connector_meta.domain.money import amount_to_micros, micros_to_minor_units, minor_units_to_micros
from zamc_connector_meta.domain.placeholder import placeholder_png
from zamc_connector_meta.domain.usage import ThrottlePolicy, UsageReading, read_usage
from zamc_events.contracts.campaign import MetaDeployRequested
from zamc_events.contracts.strategy import MetaAd, MetaAdSet, MetaCampaign, MetaTargeting

pytestmark = [pytest.mark.unit]


def _body(code, subcode=None, **extra):
    error = {"message": "m", "type": "OAuthException", "code": code, **extra}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize(
    ("body", "status", "kind", "code"),
    [
        (_body(190, 463), 400, FailureKind.REAUTHORIZE, "190/463"),
        (_body(17, 2446079, is_transient=True), 400, FailureKind.RATE_LIMITED, "17/2446079"),
        (_body(613, 1996), 400, FailureKind.RATE_LIMITED, "613/1996"),
        (_body(80004, 2446079), 400, FailureKind.RATE_LIMITED, "80004/2446079"),
        (_body(2, is_transient=True), 500, FailureKind.TRANSIENT, "2"),
        (_body(100, 1885621), 400, FailureKind.PERMANENT, "100/1885621"),
        ("<html>bad gateway</html>", 502, FailureKind.TRANSIENT, "http_502"),
    ],
)
def test_graph_errors_are_classified(body, status, kind, code):
    failure = GraphFailure.from_body(body, http_status=status)
    assert (failure.kind, failure.code_text) == (kind, code)
    assert failure.to_platform_error().retryable is (
        kind in (FailureKind.RATE_LIMITED, FailureKind.TRANSIENT)
    )


def test_the_platform_error_names_the_blamed_field_and_the_user_message():
    body = _body(
        100,
        1885272,
        error_user_title="Invalid parameter",
        error_user_msg="Your budget must be at least 1.00 EUR per day.",
        error_data={"blame_field_specs": [["daily_budget"]]},
    )
    error = GraphFailure.from_body(body, http_status=400).to_platform_error()
    assert error.field == "daily_budget"
    assert error.message == "Invalid parameter: Your budget must be at least 1.00 EUR per day."
    missing_categories = _body(100, error_data={"blame_field_specs": [["special_ad_categories"]]})
    assert GraphFailure.from_body(missing_categories).field == "special_ad_categories"
    assert GraphFailure.from_body(_body(100, 1487694)).field == "targeting"  # from the subcode


def test_money_conversions():
    assert micros_to_minor_units(20_000_000, "EUR") == 2000
    assert micros_to_minor_units(1_005_000, "USD") == 101  # half up
    assert micros_to_minor_units(1_500_000_000, "JPY") == 1500  # no minor unit
    assert minor_units_to_micros("2000", "EUR") == 20_000_000
    assert amount_to_micros("12.34") == 12_340_000
    assert amount_to_micros(None) == amount_to_micros("junk") == 0


def test_budget_split_keeps_proportions_and_the_exact_sum():
    assert split_budget(5000, {"a": 2000, "b": 500}) == {"a": 4000, "b": 1000}
    shares = split_budget(1001, {"a": 1, "b": 1, "c": 1})
    assert sum(shares.values()) == 1001 and max(shares.values()) - min(shares.values()) == 1
    assert split_budget(300, {"a": 0, "b": 0}) == {"a": 150, "b": 150}
    assert split_budget(100, {}) == {}


def _command() -> MetaDeployRequested:
    deployment_id = uuid.uuid4()
    ad = MetaAd(key="a1", name="Ad", primary_text="Text", headline="Head", link_url="https://x.test")
    ad_set = MetaAdSet(
        key="s1",
        name="Set",
        daily_budget_micros=12_345_678,
        targeting=MetaTargeting(countries=["DE"], genders=["female"], interests=["6003139266461", "coffee"]),
        ads=[ad],
    )
    campaign = MetaCampaign(
        key="c1", name="C" * 500, objective="OUTCOME_SALES", special_ad_categories=["NONE"], ad_sets=[ad_set]
    )
    return MetaDeployRequested(
        deployment_id=deployment_id,
        account_external_id="act_1",
        key_prefix=f"{deployment_id}:meta",
        campaigns=[campaign],
    )


def test_the_plan_orders_objects_and_states_budgets_on_ad_sets():
    command = _command()
    plan = plan_deployment(command, currency="EUR", page_id="p1")
    assert [o.kind for o in plan.objects] == ["campaign", "ad_set", "image", "creative", "ad"]
    campaign, ad_set, image, creative, ad = plan.objects
    assert campaign.params["status"] == "PAUSED" and campaign.params["special_ad_categories"] == []
    assert campaign.params["is_adset_budget_sharing_enabled"] is False
    assert "daily_budget" not in campaign.params
    assert ad_set.params["daily_budget"] == 1235 and ad_set.params["status"] == "PAUSED"
    assert ad_set.params["targeting"]["genders"] == [2]
    assert ad_set.params["targeting"]["flexible_spec"] == [{"interests": [{"id": "6003139266461"}]}]
    assert plan.findings == (
        "s1: interest 'coffee' is not a Meta interest id and was left out of the targeting",
    )
    assert len(campaign.name) <= 400 and campaign.name.endswith(f"[{tag_for(campaign.key)}]")
    assert image.asset is None  # the placeholder
    ids = {campaign.key: "10", ad_set.key: "20", image.key: "hash", creative.key: "30"}
    assert resolve_params(creative, ids)["object_story_spec"]["link_data"]["image_hash"] == "hash"
    assert resolve_params(creative, ids)["object_story_spec"]["page_id"] == "p1"
    assert (
        resolve_params(ad, ids)["creative"] == {"creative_id": "30"}
        and resolve_params(ad, ids)["adset_id"] == "20"
    )
    with pytest.raises(KeyError):
        resolve_params(ad, {})
    assert plan_deployment(command, currency="EUR", page_id="p1") == plan  # stable keys and names


def test_tags_are_stable_and_distinct():
    assert tag_for("d:meta:campaign:c1") == tag_for("d:meta:campaign:c1") != tag_for("d:meta:campaign:c2")
    assert tagged_name("Name", "k").startswith("Name [zamc-")


def test_usage_headers_and_throttling():
    business = {
        "9": [
            {
                "type": "ads_management",
                "call_count": 95,
                "total_cputime": 10,
                "total_time": 5,
                "estimated_time_to_regain_access": 0,
            }
        ]
    }
    reading = read_usage({"X-Business-Use-Case-Usage": json.dumps(business)})
    assert reading == UsageReading(percent=95, regain_seconds=0)
    blocked = read_usage(
        {"x-ad-account-usage": json.dumps({"acc_id_util_pct": 100, "reset_time_duration": 120})}
    )
    assert blocked.exhausted and blocked.regain_seconds == 120
    assert read_usage({"content-type": "application/json"}) is None
    policy = ThrottlePolicy(throttle_at_percent=90, base_wait_seconds=2, max_wait_seconds=60)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    assert policy.wait(UsageReading(50), read_at=now, now=now) == 0
    assert policy.wait(UsageReading(90), read_at=now, now=now) == 2
    assert policy.wait(UsageReading(100), read_at=now, now=now) == 10
    assert policy.wait(blocked, read_at=now, now=now + timedelta(seconds=20)) == 100  # regain time honoured


def test_insight_rows_become_utc_hour_observations_and_restatements_are_detected():
    row = {
        "campaign_id": "1",
        "adset_id": "2",
        "ad_id": "3",
        "impressions": "100",
        "clicks": "7",
        "spend": "1.23",
        "actions": [
            {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "2"},
            {"action_type": "purchase", "value": "2"},
        ],
        "action_values": [{"action_type": "purchase", "value": "45.50"}],
        "date_start": "2026-11-02",
        "date_stop": "2026-11-02",
        insights.HOURLY_BREAKDOWN: "20:00:00 - 20:59:59",
    }
    now = datetime(2026, 11, 3, tzinfo=UTC)
    types = ["omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase"]
    obs = insights.observation(row, time_zone="Europe/Berlin", action_types=types, reported_at=now)
    assert obs.hour_start == datetime(2026, 11, 2, 19, tzinfo=UTC)  # 20:00 in Berlin (CET)
    assert (obs.impressions, obs.clicks, obs.cost_micros) == (100, 7, 1_230_000)
    assert (obs.conversions, obs.conversion_value_micros) == (2.0, 45_500_000)  # aliases not summed
    known = {insights.observation_key(obs): insights.digest(obs)}
    assert insights.changed([obs], known) == []
    restated = insights.observation(
        {**row, "actions": [{"action_type": "purchase", "value": "3"}]},
        time_zone="Europe/Berlin",
        action_types=types,
        reported_at=now,
    )
    assert insights.changed([restated], known) == [restated]


def test_linking_keeps_active_accounts_and_names_missing_permissions():
    rows = [
        {
            "id": "act_2",
            "account_id": "2",
            "name": "B",
            "currency": "usd",
            "timezone_name": "UTC",
            "account_status": 1,
            "business": {"id": "9"},
        },
        {"id": "act_3", "account_id": "3", "name": "Closed", "currency": "EUR", "account_status": 101},
    ]
    [account] = linking.ad_accounts(rows)
    assert (account.external_id, account.currency, account.manager_external_id) == ("act_2", "USD", "9")
    granted = linking.granted_permissions(
        [
            {"permission": "ads_read", "status": "granted"},
            {"permission": "ads_management", "status": "declined"},
        ]
    )
    missing = linking.missing_permissions(granted, ["ads_management", "ads_read"])
    assert missing == ["ads_management"]
    assert "Manage your ads" in linking.missing_permissions_reason(missing)
    assert linking.graph_account_id("123") == "act_123" == linking.graph_account_id("act_123")


def test_the_placeholder_is_a_valid_png():
    png = placeholder_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 628)
    length = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41 : 41 + length])
    assert len(raw) == height * (1 + 3 * width)


def test_token_cipher_rotates_keys():
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    ciphertext = TokenCipher([old]).encrypt("EAAsecret")
    rotating = TokenCipher([new, old])
    assert rotating.decrypt(ciphertext) == "EAAsecret" and not rotating.is_current(ciphertext)
    rotated = rotating.rotate(ciphertext)
    assert rotating.is_current(rotated) and TokenCipher([new]).decrypt(rotated) == "EAAsecret"


def test_secrets_in_logged_urls_are_redacted():
    line = "GET /v26.0/act_1/insights?access_token=EAAabc&appsecret_proof=f00&limit=5 HTTP/1.1"
    assert (
        redact(line)
        == "GET /v26.0/act_1/insights?access_token=[redacted]&appsecret_proof=[redacted]&limit=5 HTTP/1.1"
    )
    record = logging.LogRecord("urllib3", logging.DEBUG, "", 0, "%s", ("x?fb_exchange_token=EAAq",), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "x?fb_exchange_token=[redacted]"


def test_the_tree_under_a_campaign_leaves_sibling_campaigns_alone():
    from zamc_connector_meta.adapters.db import ObjectRecord, tree_under

    d = uuid.uuid4()

    def record(kind, key, platform_id, parent=None):
        return ObjectRecord(f"{d}:{kind}:{key}", d, "act_1", kind, key, platform_id, parent, "created")

    records = [
        record("campaign", "c1", "1"),
        record("campaign", "c2", "2"),
        record("ad_set", "s1", "11", "1"),
        record("ad_set", "s2", "21", "2"),
        record("ad", "a1", "111", "11"),
        record("creative", "a1", "112"),
        record("ad", "a2", "211", "21"),
        record("creative", "a2", "212"),
        record("image", "a1", "hash"),
    ]
    assert sorted(r.platform_id for r in tree_under(["1"], records)) == ["1", "11", "111", "112"]
