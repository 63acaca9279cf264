"""Unit tests of the domain: no servers."""

from __future__ import annotations

import fnmatch
import random
from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from zamc_connector_google.adapters.crypto import StoredTokens, TokenCipher, TokenCipherError
from zamc_connector_google.config import DEVELOPMENT_TOKEN_KEY, Settings
from zamc_connector_google.domain import keys, metric_sync
from zamc_connector_google.domain.accounts import Customer, deployable, missing_scope
from zamc_connector_google.domain.backoff import backoff_delay
from zamc_connector_google.domain.bidding import BidTargetRefused, target_field
from zamc_connector_google.domain.deployment import (
    CreatedObject,
    DeploymentResult,
    ExistingTree,
    IncompleteTreeError,
    match_existing,
    plan_deployment,
    whole_units,
)
from zamc_connector_google.domain.errors import (
    AdsErrorDetail,
    PlatformFailure,
    classify,
    has_duplicate_name,
    link_failure_reason,
    policy_findings,
    to_platform_error,
)
from zamc_connector_google.domain.targeting import UnknownTargetError, geo_target_constant, language_constant

pytestmark = pytest.mark.unit


# ----- keys -------------------------------------------------------------------------------------------
def test_tagged_names_fit_the_limit_and_carry_the_tag():
    key = "d:google_ads:spring"
    name = keys.tagged_name("x" * 400, key)
    assert len(name) == keys.NAME_LIMIT
    assert keys.tag_in(name) == keys.tag_for(key)
    assert keys.tag_for(key) != keys.tag_for("d:google_ads:summer")


def test_the_gaql_tag_condition_matches_only_the_tagged_name():
    key = "dep:google_ads:spring"
    condition = keys.gaql_name_ends_with_tag("campaign.name", keys.tag_for(key))
    pattern = condition.split("LIKE ")[1].strip("'")
    # GAQL LIKE: % any run, [x] a literal x (the sandbox and Google agree on this)
    glob = pattern.replace("%", "*")
    assert fnmatch.fnmatchcase(keys.tagged_name("Spring", key), glob)
    assert not fnmatch.fnmatchcase(keys.tagged_name("Spring", key + "x"), glob)
    with pytest.raises(ValueError):
        keys.gaql_name_ends_with_tag("campaign.name", "x' OR 1=1")


# ----- targeting ------------------------------------------------------------------------------------
def test_countries_and_languages_map_to_google_constants():
    assert geo_target_constant("de") == "geoTargetConstants/2276"
    assert geo_target_constant("US") == "geoTargetConstants/2840"
    assert language_constant("en") == "languageConstants/1000"
    assert language_constant("pt-BR") == "languageConstants/1014"
    with pytest.raises(UnknownTargetError):
        geo_target_constant("XX")
    with pytest.raises(UnknownTargetError):
        language_constant("tlh")


# ----- planning -------------------------------------------------------------------------------------
def _plan(kit, **changes):
    return plan_deployment(
        campaigns=[kit.search_campaign(**changes), kit.search_campaign("summer")],
        key_prefix="dep:google_ads",
        currency="EUR",
    )


def test_plan_has_unique_negative_temp_ids_keys_and_parents(kit):
    plan = _plan(kit)
    objects = plan.objects
    assert len({o.temp_id for o in objects}) == len(objects) and all(o.temp_id < 0 for o in objects)
    assert len({o.idempotency_key for o in objects}) == len(objects)
    keys_seen: set[str] = set()
    for o in objects:  # every parent comes before its children
        assert o.parent_key is None or o.parent_key in keys_seen
        keys_seen.add(o.idempotency_key)
    spring = plan.campaigns[0]
    assert [o.kind for o in spring.objects] == [
        "budget", "campaign", "ad_group", "keyword", "keyword", "ad", "criterion", "criterion", "criterion"
    ]  # fmt: skip
    assert spring.tag == keys.tag_for("dep:google_ads:spring")
    assert keys.tag_in(spring.campaign.spec.name) == spring.tag


def test_budgets_are_whole_currency_units(kit):
    plan = plan_deployment(
        campaigns=[kit.search_campaign(daily_budget_micros=12_345_678)], key_prefix="p", currency="EUR"
    )
    assert plan.campaigns[0].budget.spec.amount_micros == 12_340_000
    yen = plan_deployment(
        campaigns=[kit.search_campaign(daily_budget_micros=1_500_500_000)], key_prefix="p", currency="JPY"
    )
    assert yen.campaigns[0].budget.spec.amount_micros == 1_500_000_000


def test_results_map_platform_ids_to_strategy_keys(kit):
    plan = _plan(kit).campaigns[0]
    names = {
        "budget": "customers/1/campaignBudgets/11",
        "campaign": "customers/1/campaigns/12",
        "ad_group": "customers/1/adGroups/13",
        "keyword": "customers/1/adGroupCriteria/13~14",
        "ad": "customers/1/adGroupAds/13~15",
        "criterion": "customers/1/campaignCriteria/12~2276",
    }
    result = DeploymentResult([CreatedObject(o, names[o.kind]) for o in plan.objects])
    objects = {o.strategy_key: o for o in result.platform_objects()}
    assert result.campaign_ids() == ["12"]
    assert objects["spring/shoes/rsa1"].platform_id == "15"  # the ad id, as metrics report it
    assert objects["spring/shoes/rsa1"].parent_platform_id == "13"
    assert objects["spring/shoes/keywords/0"].platform_id == "13~14"
    assert objects["spring"].parent_platform_id == "11"


def _tree(plan, *, drop_keyword: bool = False) -> ExistingTree:
    group = plan.of_kind("ad_group")[0]
    keywords = [
        ("g1", o.spec.text, o.spec.match_type, f"kw{i}") for i, o in enumerate(plan.of_kind("keyword"))
    ]
    return ExistingTree(
        campaign="c",
        budget="b",
        ad_groups={group.spec.name: "g1"},
        keywords=keywords[1:] if drop_keyword else list(reversed(keywords)),
        ads=[("g1", 9, "ad9")],
        criteria={o.spec.constant: f"cr-{o.spec.constant}" for o in plan.of_kind("criterion")},
    )


def test_an_existing_tree_maps_onto_the_plan(kit):
    plan = _plan(kit).campaigns[0]
    mapped = {c.item.strategy_key: c.resource_name for c in match_existing(plan, _tree(plan))}
    assert mapped["spring"] == "c" and mapped["spring/budget"] == "b" and mapped["spring/shoes"] == "g1"
    assert mapped["spring/shoes/keywords/0"] == "kw0" and mapped["spring/shoes/keywords/1"] == "kw1"
    assert mapped["spring/shoes/rsa1"] == "ad9"
    assert mapped["spring/locations/DE"] == "cr-geoTargetConstants/2276"
    with pytest.raises(IncompleteTreeError, match="keywords/0"):
        match_existing(plan, _tree(plan, drop_keyword=True))


# ----- errors ---------------------------------------------------------------------------------------
def _failure(category: str, code: str, status: str = "INVALID_ARGUMENT", path: str = "") -> PlatformFailure:
    return PlatformFailure(status=status, errors=(AdsErrorDetail(category, code, "msg", path),))


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (_failure("authentication_error", "OAUTH_TOKEN_EXPIRED", "UNAUTHENTICATED"), "auth"),
        (_failure("authentication_error", "NOT_ADS_USER", "UNAUTHENTICATED"), "permanent"),
        (_failure("quota_error", "RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED"), "rate_limited"),
        (_failure("internal_error", "INTERNAL_ERROR", "INTERNAL"), "transient"),
        (_failure("database_error", "CONCURRENT_MODIFICATION"), "transient"),
        (_failure("ad_error", "TOO_LONG"), "permanent"),
        (PlatformFailure(status="RESOURCE_EXHAUSTED"), "rate_limited"),
        (PlatformFailure(status="UNAVAILABLE"), "transient"),
        (PlatformFailure(status="UNAUTHENTICATED"), "auth"),
        (PlatformFailure(status="INVALID_ARGUMENT"), "permanent"),
        # no login-customer-id for a client under a manager: a refresh or a retry cannot help
        (_failure("authorization_error", "USER_PERMISSION_DENIED", "PERMISSION_DENIED"), "permanent"),
        (PlatformFailure(status="PERMISSION_DENIED"), "permanent"),
        (_failure("request_error", "DEVELOPER_TOKEN_PARAMETER_MISSING"), "permanent"),
        (_failure("campaign_error", "DUPLICATE_CAMPAIGN_NAME"), "permanent"),
        (PlatformFailure(status="DEADLINE_EXCEEDED", message="Deadline Exceeded"), "transient"),
    ],
)
def test_failures_are_classified(failure, outcome):
    assert classify(failure) == outcome


def test_a_field_path_is_located_on_the_strategy_object(kit):
    plan = _plan(kit).campaigns[0]
    index = [o.kind for o in plan.objects].index("ad")
    path = (
        f"mutate_operations[{index}].ad_group_ad_operation.create.ad.responsive_search_ad.headlines[1].text"
    )
    error = to_platform_error(_failure("ad_error", "TOO_LONG", path=path), operations=plan.objects)
    assert error.code == "ad_error.TOO_LONG"
    assert error.field == "ad spring/shoes/rsa1: ad.responsive_search_ad.headlines[1].text"
    assert error.retryable is False
    assert to_platform_error(PlatformFailure(status="INTERNAL", message="boom")).retryable is True


def test_refusals_a_user_cannot_fix_in_the_strategy_lead_with_what_to_do():
    denied = to_platform_error(_failure("authorization_error", "USER_PERMISSION_DENIED", "PERMISSION_DENIED"))
    assert denied.code == "authorization_error.USER_PERMISSION_DENIED" and denied.retryable is False
    assert "login-customer-id" in denied.message and denied.message.endswith("(Google Ads: msg)")
    token = to_platform_error(_failure("request_error", "DEVELOPER_TOKEN_PARAMETER_MISSING"))
    assert "ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN" in token.message
    late = to_platform_error(PlatformFailure(status="DEADLINE_EXCEEDED", message="Deadline Exceeded"))
    assert (late.code, late.retryable) == ("DEADLINE_EXCEEDED", True)
    assert (
        late.message == "Google Ads did not answer in time (Deadline Exceeded). Try again in a few minutes."
    )
    assert to_platform_error(_failure("ad_error", "TOO_LONG")).message == "msg"  # the platform's own words
    assert has_duplicate_name(_failure("campaign_error", "DUPLICATE_CAMPAIGN_NAME"))
    assert not has_duplicate_name(_failure("ad_error", "TOO_LONG"))


# ----- bid targets -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "strategy", "path"),
    [
        ("target_roas", "MAXIMIZE_CONVERSION_VALUE", "maximize_conversion_value.target_roas"),
        ("target_roas", "TARGET_ROAS", "target_roas.target_roas"),
        ("target_cpa_micros", "MAXIMIZE_CONVERSIONS", "maximize_conversions.target_cpa_micros"),
        ("target_cpa_micros", "TARGET_CPA", "target_cpa.target_cpa_micros"),
    ],
)
def test_a_bid_target_is_written_into_the_scheme_the_campaign_bids_with(target, strategy, path):
    assert target_field(campaign_id="1", target=target, bidding_strategy_type=strategy) == path


def test_a_bid_target_for_another_strategy_or_a_portfolio_is_refused_with_what_to_do():
    with pytest.raises(BidTargetRefused) as refused:
        target_field(campaign_id="7", target="target_cpa_micros", bidding_strategy_type="MANUAL_CPC")
    error = refused.value.error
    assert (error.code, error.field, error.retryable) == (
        "BIDDING_STRATEGY_MISMATCH",
        "target_cpa_micros",
        False,
    )
    assert error.message.startswith("Campaign 7 bids with Manual CPC; a target CPA applies only to Maximize")
    with pytest.raises(BidTargetRefused) as refused:
        target_field(
            campaign_id="7",
            target="target_roas",
            bidding_strategy_type="TARGET_ROAS",
            portfolio_strategy="customers/1/biddingStrategies/9",
        )
    assert refused.value.error.code == "PORTFOLIO_BIDDING_STRATEGY"
    assert "customers/1/biddingStrategies/9" in refused.value.error.message
    assert (whole_units(12_345_678, "EUR"), whole_units(1_500_000, "JPY"), whole_units(1, "USD")) == (
        12_340_000,
        1_000_000,
        10_000,
    )


def test_policy_findings_name_topics_text_and_place(kit):
    plan = _plan(kit).campaigns[0]
    index = [o.kind for o in plan.objects].index("ad")
    path = (
        f"mutate_operations[{index}].ad_group_ad_operation.create.ad.responsive_search_ad.headlines[0].text"
    )
    failure = PlatformFailure(
        status="INVALID_ARGUMENT",
        errors=(
            AdsErrorDetail(
                "policy_finding_error",
                "POLICY_FINDING",
                "disapproved",
                path,
                "Sale!!",
                ("PUNCTUATION (PROHIBITED)", "CAPITALIZATION (PROHIBITED)"),
            ),
            AdsErrorDetail("policy_violation_error", "POLICY_ERROR", "A policy was violated."),
            AdsErrorDetail("ad_error", "TOO_LONG", "Too long."),
        ),
    )
    assert policy_findings(failure, operations=plan.objects) == [
        "PUNCTUATION (PROHIBITED), CAPITALIZATION (PROHIBITED) 'Sale!!' "
        "(ad spring/shoes/rsa1: ad.responsive_search_ad.headlines[0].text)",
        "POLICY_ERROR: A policy was violated.",
    ]
    assert policy_findings(_failure("ad_error", "TOO_LONG")) == []


def test_link_failures_read_as_actions():
    assert "no Google Ads account" in link_failure_reason(_failure("authentication_error", "NOT_ADS_USER"))
    assert "Try connecting again" in link_failure_reason(PlatformFailure(status="UNAVAILABLE"))


# ----- accounts -------------------------------------------------------------------------------------
def test_deployable_accounts_are_clients_once_preferring_direct_access():
    customers = [
        Customer("1", "Manager", "EUR", "Europe/Berlin", True, None),
        Customer("2", "Client", "EUR", "Europe/Berlin", False, "1"),
        Customer("2", "Client", "EUR", "Europe/Berlin", False, None),
        Customer("3", "Other", "USD", "America/New_York", False, "1"),
    ]
    chosen = deployable(customers)
    assert [(c.customer_id, c.login_customer_id) for c in chosen] == [("2", None), ("3", "1")]
    assert (
        missing_scope(["openid", "email"])
        and not missing_scope([])
        and not missing_scope(["https://www.googleapis.com/auth/adwords"])
    )


# ----- metric sync ----------------------------------------------------------------------------------
def _row(day: date, hour: int, clicks: int = 1, conversions: float = 0.0) -> metric_sync.MetricRow:
    return metric_sync.MetricRow(
        "c", "g", "a", day, hour, 10, clicks, 500_000, conversions, conversions * 12.5
    )


def test_hours_are_converted_from_account_time_to_utc_across_dst():
    assert metric_sync.hour_start_utc(date(2026, 7, 1), 10, "Europe/Berlin") == datetime(
        2026, 7, 1, 8, tzinfo=UTC
    )
    assert metric_sync.hour_start_utc(date(2026, 12, 1), 10, "Europe/Berlin") == datetime(
        2026, 12, 1, 9, tzinfo=UTC
    )
    assert metric_sync.hour_start_utc(date(2026, 3, 8), 3, "America/New_York") == datetime(
        2026, 3, 8, 7, tzinfo=UTC
    )


def test_the_window_is_account_local():
    now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert metric_sync.sync_window(now=now, time_zone="Europe/Berlin", lookback_days=14) == (
        date(2026, 11, 12),
        date(2026, 11, 26),
    )
    query = metric_sync.metrics_query(start=date(2026, 11, 12), end=date(2026, 11, 26))
    assert "segments.hour" in query and "BETWEEN '2026-11-12' AND '2026-11-26'" in query


def test_only_changed_object_hours_are_published():
    reported = datetime(2026, 11, 25, tzinfo=UTC)
    day = date(2026, 11, 20)
    first = metric_sync.to_observations([_row(day, 9), _row(day, 10)], time_zone="UTC", reported_at=reported)
    assert first[0].conversion_value_micros == 0 and first[0].cost_micros == 500_000
    initial = metric_sync.changed(first, {})
    assert len(initial.observations) == 2
    again = metric_sync.to_observations(
        [_row(day, 9), _row(day, 10, conversions=1.0)], time_zone="UTC", reported_at=reported
    )
    later = metric_sync.changed(again, initial.fingerprints)
    assert [o.hour_start.hour for o in later.observations] == [10]
    assert later.observations[0].conversion_value_micros == 12_500_000
    assert metric_sync.changed(again, {**initial.fingerprints, **later.fingerprints}).observations == []


def test_rows_of_one_utc_hour_are_summed():
    # 2026-10-25 02:00 Berlin happens twice; Google may report it as two rows
    rows = [_row(date(2026, 10, 25), 2, clicks=1), _row(date(2026, 10, 25), 2, clicks=2)]
    [observation] = metric_sync.to_observations(
        rows, time_zone="Europe/Berlin", reported_at=datetime.now(UTC)
    )
    assert observation.clicks == 3 and observation.impressions == 20


def test_batches_split_pages():
    items = metric_sync.to_observations(
        [_row(date(2026, 11, 20), h) for h in range(24)], time_zone="UTC", reported_at=datetime.now(UTC)
    )
    assert [len(b) for b in metric_sync.batches(items, 10)] == [10, 10, 4]


# ----- backoff, crypto, settings --------------------------------------------------------------------
def test_backoff_grows_with_jitter_and_a_cap():
    rng = random.Random(1)
    delays = [backoff_delay(a, base=1.0, cap=8.0, rng=rng) for a in range(6)]
    for attempt, delay in enumerate(delays):
        step = min(8.0, 2.0**attempt)
        assert step / 2 <= delay <= step
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_tokens_are_encrypted_and_keys_rotate():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    tokens = StoredTokens(SecretStr("1//refresh"), SecretStr("ya29.access"), datetime(2026, 1, 1, tzinfo=UTC))
    ciphertext = TokenCipher([old]).encrypt(tokens)
    assert b"refresh" not in ciphertext and b"ya29" not in ciphertext
    assert "ya29" not in repr(tokens)
    rotating = TokenCipher([new, old])
    assert rotating.decrypt(ciphertext).refresh_token.get_secret_value() == "1//refresh"
    rotated = rotating.rotate(ciphertext)
    assert TokenCipher([new]).decrypt(rotated).access_token.get_secret_value() == "ya29.access"
    with pytest.raises(TokenCipherError):
        TokenCipher([new]).decrypt(ciphertext)


def test_production_refuses_the_development_key():
    with pytest.raises(ValueError, match="TOKEN_KEYS"):
        Settings(
            environment="production",
            database_url="postgresql+asyncpg://u@db/zamc",
            token_keys=DEVELOPMENT_TOKEN_KEY,
        )
    Settings(
        environment="production",
        database_url="postgresql+asyncpg://u@db/zamc",
        token_keys=Fernet.generate_key().decode(),
        developer_token="d",
        oauth_client_id="c",
    )


def test_plans_are_deterministic(kit):
    assert _plan(kit) == _plan(kit)


def test_the_platform_metrics_are_exported_for_google_ads():
    from prometheus_client import REGISTRY, generate_latest

    from zamc_connector_google import metrics

    metrics.API_CALLS.labels("google_ads", "search_stream")
    metrics.API_ERRORS.labels("google_ads", "RESOURCE_EXHAUSTED")
    exported = generate_latest(REGISTRY).decode()
    for name in (
        "zamc_platform_api_calls_total",
        "zamc_platform_api_errors_total",
        "zamc_platform_rate_limit_backoffs_total",
        "zamc_platform_reauthorization_required_total",
    ):
        assert f"{name}{{" in exported and 'platform="google_ads"' in exported
