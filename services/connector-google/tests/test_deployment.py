"""Deployment and changes against the Google sandbox: one atomic mutate, idempotent answers, faults."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from zamc_events.contracts.accounts import GoogleAdsReauthorizationRequired
from zamc_events.contracts.campaign import (
    CampaignChanged,
    CampaignChangeFailed,
    CampaignDeployed,
    CampaignDeployFailed,
    GoogleAdsBudgetUpdateRequested,
    GoogleAdsLaunchRequested,
    GoogleAdsRollbackRequested,
    GoogleAdsStatusUpdateRequested,
)
from zamc_sandbox import FaultKind
from zamc_testing.service import publish_event

pytestmark = pytest.mark.service


def _for(deployment_id):
    return lambda data: data.deployment_id == deployment_id


async def test_deploy_creates_the_whole_tree_paused_and_maps_every_object(
    service, link, jetstream, sandbox, deploy_command, kit
):
    command = deploy_command()
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command, tenant_id=kit.TENANT)
        [answer] = await probe.wait_for(CampaignDeployed.subject, where=_for(command.deployment_id))
    deployed = answer.data
    kinds = sorted(o.kind for o in deployed.objects)
    assert kinds == sorted(
        ["budget", "campaign", "ad_group", "keyword", "keyword", "ad", "criterion", "criterion", "criterion"]
    )
    assert all(o.idempotency_key.startswith(command.key_prefix) for o in deployed.objects)
    by_strategy = {o.strategy_key: o for o in deployed.objects}
    campaign = by_strategy["spring"]
    assert deployed.platform_campaign_ids == [campaign.platform_id]
    assert by_strategy["spring/shoes"].parent_platform_id == campaign.platform_id
    assert by_strategy["spring/shoes/rsa1"].parent_platform_id == by_strategy["spring/shoes"].platform_id

    [platform_campaign] = kit.objects(sandbox, "campaigns")
    assert platform_campaign["status"] == "PAUSED"
    assert platform_campaign["name"].startswith("Spring sale spring [zamc:")
    stored = sandbox.google.get(f"customers/{kit.BERLIN}/campaigns/{campaign.platform_id}")
    assert stored.network_settings.target_google_search and not stored.network_settings.target_content_network
    assert stored.HasField("target_spend")  # MAXIMIZE_CLICKS
    assert stored.contains_eu_political_advertising != 0
    criteria = (
        sandbox.google.resources(kit.BERLIN, sandbox.google_kinds["campaign_criterion"])
        if hasattr(sandbox, "google_kinds")
        else [m for n, m in sandbox.google.all_resources().items() if "/campaignCriteria/" in n]
    )
    constants = {c.location.geo_target_constant or c.language.language_constant for c in criteria}
    assert constants == {"geoTargetConstants/2276", "geoTargetConstants/2040", "languageConstants/1001"}
    # one validate-only call, then one atomic mutate
    mutates = [c for c in sandbox._servicer.calls.calls if c.method == "Mutate"]
    assert len(mutates) == 2


async def test_a_repeated_command_gets_the_same_answer_without_new_objects(
    service, link, jetstream, sandbox, deploy_command, kit
):
    command = deploy_command(campaigns=[kit.search_campaign("spring"), kit.search_campaign("summer")])
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [first] = await probe.wait_for(CampaignDeployed.subject)
        assert len(first.data.platform_campaign_ids) == 2
        await publish_event(jetstream, command)  # a new envelope: the inbox does not know it
        second = (await probe.wait_for(CampaignDeployed.subject, count=2))[1]
    assert second.data.objects == first.data.objects
    assert len(kit.objects(sandbox, "campaigns")) == 2
    assert len(kit.objects(sandbox, "campaignBudgets")) == 2
    assert (
        sum(1 for c in sandbox._servicer.calls.calls if c.method == "Mutate") == 2
    )  # validate + one atomic create


async def test_an_invalid_ad_fails_validation_with_the_field_at_fault_and_creates_nothing(
    service, link, jetstream, sandbox, deploy_command, kit
):
    too_long = "A headline far longer than thirty characters"
    command = deploy_command(
        campaigns=[kit.search_campaign(headlines=["Running shoes", too_long, "Shop now"])]
    )
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(command.deployment_id))
    error = answer.data.error
    assert error.code == "ad_error.TOO_LONG"
    assert error.retryable is False
    assert error.field is not None and error.field.startswith("ad spring/shoes/rsa1")
    assert "headlines[1]" in error.field
    assert answer.data.cleaned_up is True
    assert kit.objects(sandbox) == []
    assert [c.method for c in sandbox._servicer.calls.calls if c.method == "Mutate"] == [
        "Mutate"
    ]  # validate only


async def test_a_budget_below_the_minimum_is_reported_on_the_budget(
    service, link, jetstream, sandbox, deploy_command, kit
):
    command = deploy_command(campaigns=[kit.search_campaign(daily_budget_micros=100_000)])
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject)
    assert answer.data.error.code == "campaign_budget_error.BUDGET_BELOW_PER_DAY_MINIMUM"
    assert answer.data.error.field.startswith("budget spring/budget")


async def test_policy_findings_of_the_validate_only_call_are_reported_and_nothing_is_created(
    service, link, jetstream, sandbox, deploy_command, kit
):
    """The sandbox disapproves gimmicky punctuation (a PROHIBITED policy topic): the validate-only call
    returns POLICY_FINDING errors with their topics, and the failure names each finding."""
    command = deploy_command(
        campaigns=[kit.search_campaign(headlines=["Running shoes", "Huge sale!!", "Shop now?!"])]
    )
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(command.deployment_id))
    error = answer.data.error
    assert error.code == "policy_finding_error.POLICY_FINDING"
    assert error.retryable is False
    assert error.field == "ad spring/shoes/rsa1: ad.responsive_search_ad.headlines[1].text"
    assert error.message.startswith("Google Ads' advertising policies refuse this ad text.")
    _, findings = error.message.split(" Policy findings: ")
    assert findings.split("; ") == [
        "PUNCTUATION (PROHIBITED) 'Huge sale!!' (ad spring/shoes/rsa1: ad.responsive_search_ad.headlines[1].text)",
        "PUNCTUATION (PROHIBITED) 'Shop now?!' (ad spring/shoes/rsa1: ad.responsive_search_ad.headlines[2].text)",
    ]
    assert kit.objects(sandbox) == []
    assert [c.status for c in sandbox._servicer.calls.calls if c.method == "Mutate"] == ["INVALID_ARGUMENT"]


async def test_unknown_location_and_unlinked_account_fail_before_any_call(
    service, link, jetstream, sandbox, deploy_command, kit
):
    bad_location = deploy_command(campaigns=[kit.search_campaign(locations=["XX"])])
    unlinked = deploy_command(account="2999999999")
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, bad_location)
        await publish_event(jetstream, unlinked)
        answers = await probe.wait_for(CampaignDeployFailed.subject, count=2)
    codes = {a.data.deployment_id: a.data.error.code for a in answers}
    assert codes == {
        bad_location.deployment_id: "UNSUPPORTED_LOCATION",
        unlinked.deployment_id: "ACCOUNT_NOT_LINKED",
    }
    assert kit.objects(sandbox) == []


async def test_rate_limits_are_backed_off_and_the_deployment_succeeds(
    service, link, jetstream, sandbox, deploy_command
):
    from zamc_connector_google import metrics

    backoffs = metrics.RATE_LIMIT_BACKOFFS.labels("google_ads")._value.get()
    async with service() as (runtime, probe):
        await link(probe)
        sandbox.inject_fault(FaultKind.GOOGLE_RESOURCE_EXHAUSTED, times=2, method="Mutate")
        await publish_event(jetstream, deploy_command())
        await probe.wait_for(CampaignDeployed.subject)
    assert metrics.RATE_LIMIT_BACKOFFS.labels("google_ads")._value.get() - backoffs == 2
    assert metrics.API_ERRORS.labels("google_ads", "RESOURCE_EXHAUSTED")._value.get() >= 2


async def test_persistent_internal_errors_end_in_a_retryable_failure(
    service, link, jetstream, sandbox, deploy_command, kit
):
    async with service() as (runtime, probe):
        await link(probe)
        sandbox.inject_fault(FaultKind.GOOGLE_INTERNAL, times=50, method="Mutate")
        await publish_event(jetstream, deploy_command())
        [answer] = await probe.wait_for(CampaignDeployFailed.subject)
        sandbox.faults.clear()
    assert answer.data.error.code == "internal_error.INTERNAL_ERROR" or answer.data.error.code == "INTERNAL"
    assert answer.data.error.retryable is True
    assert kit.objects(sandbox) == []


async def test_an_expired_access_token_is_refreshed_and_the_call_repeated(
    service, link, jetstream, sandbox, deploy_command
):
    async with service() as (runtime, probe):
        await link(probe)
        for grant in list(sandbox.tokens._grants.values()):
            if grant.kind == "access":
                sandbox.tokens.expire(grant.token)
        await publish_event(jetstream, deploy_command())
        await probe.wait_for(CampaignDeployed.subject)
    assert any(c.status == "UNAUTHENTICATED" for c in sandbox._servicer.calls.calls)


async def test_a_revoked_grant_fails_the_deployment_and_asks_for_reauthorization(
    service, link, jetstream, sandbox, deploy_command, kit
):
    async with service() as (runtime, probe):
        await link(probe)
        for grant in list(sandbox.tokens._grants.values()):
            if grant.platform == "google":
                sandbox.tokens.revoke(grant.token)
        first, second = deploy_command(), deploy_command()
        await publish_event(jetstream, first)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(first.deployment_id))
        await probe.wait_for(GoogleAdsReauthorizationRequired.subject)
        calls = len(sandbox._servicer.calls.calls)
        await publish_event(jetstream, second)
        [later] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(second.deployment_id))
    assert answer.data.error.code == "REAUTHORIZATION_REQUIRED"
    assert later.data.error.code == "REAUTHORIZATION_REQUIRED"
    assert len(sandbox._servicer.calls.calls) == calls  # that account is not called any more
    assert len(probe.of(GoogleAdsReauthorizationRequired.subject)) == 1
    assert kit.objects(sandbox) == []


async def test_launch_budget_status_and_rollback(service, link, jetstream, sandbox, deploy_command, kit):
    command = deploy_command()
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [deployed] = await probe.wait_for(CampaignDeployed.subject)
        campaign_id = deployed.data.platform_campaign_ids[0]
        by_kind = {o.kind: o for o in deployed.data.objects}
        common = {"deployment_id": command.deployment_id, "account_external_id": kit.BERLIN}

        async def change(event):
            await publish_event(jetstream, event)
            [answer] = await probe.wait_for(
                CampaignChanged.subject, where=lambda d: d.change_id == event.change_id
            )
            return answer.data

        launched = await change(
            GoogleAdsLaunchRequested(change_id=uuid.uuid4(), platform_campaign_ids=[campaign_id], **common)
        )
        assert launched.status == "ENABLED"
        assert sandbox.market.campaign(campaign_id).active

        budget = await change(
            GoogleAdsBudgetUpdateRequested(
                change_id=uuid.uuid4(),
                platform_campaign_id=campaign_id,
                daily_budget_micros=35_004_000,
                **common,
            )
        )
        assert budget.daily_budget_micros == 35_000_000  # whole cents
        budget_resource = f"customers/{kit.BERLIN}/campaignBudgets/{by_kind['budget'].platform_id}"
        assert sandbox.google.get(budget_resource).amount_micros == 35_000_000

        paused_ad = await change(
            GoogleAdsStatusUpdateRequested(
                change_id=uuid.uuid4(),
                platform_object_id=by_kind["ad"].platform_id,
                object_kind="ad",
                status="PAUSED",
                **common,
            )
        )
        assert paused_ad.status == "PAUSED"
        [ad] = kit.objects(sandbox, "adGroupAds")
        assert ad["status"] == "PAUSED"

        paused = await change(
            GoogleAdsStatusUpdateRequested(
                change_id=uuid.uuid4(), platform_object_id=campaign_id, status="PAUSED", **common
            )
        )
        assert paused.platform_campaign_ids == [campaign_id]
        assert kit.objects(sandbox, "campaigns")[0]["status"] == "PAUSED"

        rollback = GoogleAdsRollbackRequested(
            change_id=uuid.uuid4(), platform_campaign_ids=[campaign_id], **common
        )
        rolled = await change(rollback)
        assert rolled.change == "rollback"
        assert kit.objects(sandbox, "campaigns")[0]["status"] == "REMOVED"
        assert kit.objects(sandbox, "campaignBudgets")[0]["status"] == "REMOVED"

        # the same change again: answered from the record, no second call
        mutates = sum(1 for c in sandbox._servicer.calls.calls if c.method == "Mutate")
        await publish_event(jetstream, rollback)
        await probe.wait_for(
            CampaignChanged.subject, where=lambda d: d.change_id == rollback.change_id, count=2
        )
        assert sum(1 for c in sandbox._servicer.calls.calls if c.method == "Mutate") == mutates

        # launching a removed campaign is refused with a reason
        refused = GoogleAdsLaunchRequested(
            change_id=uuid.uuid4(), platform_campaign_ids=[campaign_id], **common
        )
        await publish_event(jetstream, refused)
        [failed] = await probe.wait_for(
            CampaignChangeFailed.subject, where=lambda d: d.change_id == refused.change_id
        )
        assert failed.data.error.code == "CAMPAIGN_REMOVED"


async def test_changes_to_unknown_campaigns_fail_with_a_reason(service, link, jetstream, kit):
    async with service() as (runtime, probe):
        await link(probe)
        unknown = GoogleAdsBudgetUpdateRequested(
            change_id=uuid.uuid4(),
            account_external_id=kit.BERLIN,
            platform_campaign_id="123",
            daily_budget_micros=5_000_000,
        )
        await publish_event(jetstream, unknown)
        [failed] = await probe.wait_for(CampaignChangeFailed.subject)
    assert failed.data.error.code == "CAMPAIGN_NOT_FOUND"
    assert failed.data.change == "budget"


# ----- every sandbox error and fault mapped to its outcome ------------------------------------------
def _create_tree_as_another_delivery(sandbox, kit, command) -> list[str]:
    """What a concurrent delivery of the same command creates: the same tagged tree, one atomic mutate."""
    from pydantic import SecretStr

    from zamc_connector_google.adapters.google_ads import GoogleAdsApi, plan_operations
    from zamc_connector_google.domain.deployment import plan_deployment

    plan = plan_deployment(campaigns=command.campaigns, key_prefix=command.key_prefix, currency="EUR")
    api = GoogleAdsApi(
        endpoint=sandbox.google_endpoint,
        developer_token=SecretStr(kit.DEVELOPER_TOKEN),
        token_uri=sandbox.google_token_uri,
        client_id=kit.CLIENT_ID,
        client_secret=SecretStr(kit.CLIENT_SECRET),
        timeout=20,
    )
    token = SecretStr(sandbox.issue_google_tokens(client_id=kit.CLIENT_ID).access_token)
    try:
        return api.mutate(
            access_token=token,
            login_customer_id=kit.MANAGER,
            customer_id=kit.BERLIN,
            build=lambda client: plan_operations(client, kit.BERLIN, plan.objects),
        )
    finally:
        api.close()


async def _until_consumed(sandbox, timeout: float = 30) -> None:
    """Returns once every armed fault was taken by a call (a latency fault: that call is now waiting)."""
    for _ in range(int(timeout / 0.02)):
        if not sandbox.faults.armed():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("the connector made no call that took the fault")


async def test_a_duplicate_campaign_name_from_a_concurrent_delivery_is_found_again_not_created_twice(
    service, link, jetstream, sandbox, deploy_command, kit
):
    """DUPLICATE_CAMPAIGN_NAME (and the budget's DUPLICATE_NAME) while the same command's tree appeared
    between the look-up and the validate-only call: the connector looks up again and maps that tree."""
    command = deploy_command()
    async with service() as (runtime, probe):
        await link(probe)
        sandbox.inject_fault(FaultKind.GOOGLE_LATENCY, times=1, method="Mutate", latency_seconds=3.0)
        await publish_event(jetstream, command)
        await _until_consumed(sandbox)  # the connector's validate-only call waits in the sandbox
        names = await asyncio.to_thread(_create_tree_as_another_delivery, sandbox, kit, command)
        [answer] = await probe.wait_for(CampaignDeployed.subject, where=_for(command.deployment_id))
    refused = [c for c in sandbox._servicer.calls.calls if c.method == "Mutate" and c.status != "OK"]
    assert [c.status for c in refused] == ["INVALID_ARGUMENT"]  # the duplicate names, then no mutate
    [campaign] = kit.objects(sandbox, "campaigns")
    assert campaign["resource_name"] in names
    assert answer.data.platform_campaign_ids == [campaign["resource_name"].rsplit("/", 1)[-1]]
    assert len(kit.objects(sandbox, "campaignBudgets")) == 1 and len(kit.objects(sandbox, "adGroupAds")) == 1
    assert not probe.of(CampaignDeployFailed.subject)


async def test_a_duplicate_name_this_deployment_cannot_explain_fails_with_what_to_do(
    service, link, jetstream, sandbox, deploy_command, kit
):
    """Two campaigns of one command with the same key: the same tagged names, refused by Google Ads."""
    command = deploy_command(campaigns=[kit.search_campaign("spring"), kit.search_campaign("spring")])
    async with service() as (runtime, probe):
        await link(probe)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(command.deployment_id))
    error = answer.data.error
    assert error.code == "campaign_budget_error.DUPLICATE_NAME"  # the second budget comes first
    assert error.field == "budget spring/budget: name"
    assert error.retryable is False
    assert "Give each campaign of the strategy its own key" in error.message
    assert "DUPLICATE_CAMPAIGN_NAME at campaign spring: name" in error.message
    assert kit.objects(sandbox) == []
    # looked up once more before giving up: two validate-only calls, no create
    assert [c.status for c in sandbox._servicer.calls.calls if c.method == "Mutate"] == [
        "INVALID_ARGUMENT"
    ] * 2


async def test_a_missing_developer_token_fails_linking_and_deployment_with_a_reason_for_the_administrator(
    service, link, jetstream, sandbox, deploy_command, oauth_code, kit
):
    from zamc_events.contracts.accounts import GoogleAdsAccountLinkFailed, GoogleAdsOAuthCodeReceived

    async with service() as (runtime, probe):
        await link(probe)  # linked while the connector was configured
    command = deploy_command()
    async with service(developer_token="") as (runtime, probe):
        await publish_event(
            jetstream,
            GoogleAdsOAuthCodeReceived(
                connection_id=uuid.uuid4(), code=oauth_code(), redirect_uri=kit.REDIRECT_URI
            ),
        )
        [link_failed] = await probe.wait_for(GoogleAdsAccountLinkFailed.subject)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(command.deployment_id))
    assert "ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN" in link_failed.data.reason
    error = answer.data.error
    assert error.code == "request_error.DEVELOPER_TOKEN_PARAMETER_MISSING"
    assert error.retryable is False
    assert error.message.startswith("ZAMC has no Google Ads developer token configured.")
    assert "ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN" in error.message
    assert kit.objects(sandbox) == []


async def test_a_client_called_without_its_manager_login_customer_id_is_refused_with_what_to_do(
    service, link, jetstream, sandbox, deploy_command, database_url, kit
):
    """PERMISSION_DENIED (USER_PERMISSION_DENIED): the account's stored manager is gone (e.g. the login
    had direct access when it was linked), so the calls carry no login-customer-id header."""
    from sqlalchemy import update
    from sqlalchemy.ext.asyncio import create_async_engine

    from zamc_connector_google.adapters import db

    command = deploy_command()
    async with service() as (runtime, probe):
        await link(probe)
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(db.accounts)
                    .where(db.accounts.c.customer_id == kit.BERLIN)
                    .values(login_customer_id=None)
                )
        finally:
            await engine.dispose()
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployFailed.subject, where=_for(command.deployment_id))
    error = answer.data.error
    assert error.code == "authorization_error.USER_PERMISSION_DENIED"
    assert error.retryable is False
    assert "login-customer-id" in error.message and "connect Google Ads again" in error.message
    assert kit.objects(sandbox) == []
    denied = [c for c in sandbox._servicer.calls.calls if c.status == "PERMISSION_DENIED"]
    assert len(denied) == 1  # permanent: not retried
    assert not probe.of(GoogleAdsReauthorizationRequired.subject)  # the grant itself is fine


async def test_latency_past_the_deadline_is_retried_and_the_deployment_succeeds(
    service, link, jetstream, sandbox, deploy_command, kit
):
    from zamc_connector_google import metrics

    deadlines = metrics.API_ERRORS.labels("google_ads", "DEADLINE_EXCEEDED")._value.get()
    command = deploy_command()
    async with service(api_timeout_seconds=1.5) as (runtime, probe):
        await link(probe)
        sandbox.inject_fault(FaultKind.GOOGLE_LATENCY, times=1, method="Mutate", latency_seconds=3.0)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(CampaignDeployed.subject, where=_for(command.deployment_id))
    assert metrics.API_ERRORS.labels("google_ads", "DEADLINE_EXCEEDED")._value.get() - deadlines == 1
    assert not sandbox.faults.armed()
    [campaign] = kit.objects(sandbox, "campaigns")
    assert answer.data.platform_campaign_ids == [campaign["resource_name"].rsplit("/", 1)[-1]]


async def test_persistent_latency_past_the_deadline_ends_in_a_retryable_failure_with_what_to_do(
    service, link, jetstream, sandbox, deploy_command, kit
):
    command = deploy_command()
    async with service(api_timeout_seconds=1.5, max_attempts=2) as (runtime, probe):
        await link(probe)
        sandbox.inject_fault(FaultKind.GOOGLE_LATENCY, times=50, method="Mutate", latency_seconds=3.0)
        await publish_event(jetstream, command)
        [answer] = await probe.wait_for(
            CampaignDeployFailed.subject, where=_for(command.deployment_id), timeout=60
        )
        sandbox.faults.clear()
    error = answer.data.error
    assert error.code == "DEADLINE_EXCEEDED"
    assert error.retryable is True
    assert error.message.startswith("Google Ads did not answer in time")
    assert "Try again in a few minutes" in error.message
    await asyncio.sleep(3.5)  # the late validate-only calls finish: they create nothing
    assert kit.objects(sandbox) == []
