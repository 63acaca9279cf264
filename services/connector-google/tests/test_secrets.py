"""Tokens never leave the connector: not in logs (at DEBUG), not in published events, not in plain text at rest."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import text

from zamc_connector_google.service.jobs import refresh_expiring_tokens, sync_all_accounts
from zamc_events.contracts.accounts import GoogleAdsConnectionRemoved, GoogleAdsReauthorizationRequired
from zamc_events.contracts.campaign import CampaignChanged, CampaignDeployed, GoogleAdsLaunchRequested
from zamc_testing.service import publish_event

pytestmark = pytest.mark.service


async def test_no_token_or_secret_appears_in_logs_events_or_tables(
    service, link, jetstream, sandbox, deploy_command, kit, capfd, caplog
):
    caplog.set_level(logging.DEBUG)
    async with service(log_level="DEBUG", token_refresh_margin_seconds=7200) as (runtime, probe):
        connection_id = await link(probe)
        await publish_event(jetstream, deploy_command())
        [deployed] = await probe.wait_for(CampaignDeployed.subject)
        sandbox.market.step(hours=3)  # the access token expires on the platform: refresh on UNAUTHENTICATED
        launch = GoogleAdsLaunchRequested(
            change_id=uuid.uuid4(),
            account_external_id=kit.BERLIN,
            platform_campaign_ids=deployed.data.platform_campaign_ids,
        )
        await publish_event(jetstream, launch)
        await probe.wait_for(CampaignChanged.subject)
        sandbox.market.step(hours=12)
        await sync_all_accounts(runtime)
        await refresh_expiring_tokens(runtime)
        for grant in list(sandbox.tokens._grants.values()):
            if grant.kind == "refresh":
                sandbox.tokens.revoke(grant.token)
        await refresh_expiring_tokens(runtime)
        await probe.wait_for(GoogleAdsReauthorizationRequired.subject)
        async with runtime.sessions() as session:
            tables = [
                str(row)
                for table in (
                    "connections",
                    "accounts",
                    "platform_objects",
                    "deployments",
                    "changes",
                    "sync_state",
                )
                for row in (await session.execute(text(f"SELECT * FROM connector_google.{table}"))).all()
            ]
            outbox = [
                bytes(p).decode()
                for (p,) in (await session.execute(text("SELECT payload FROM connector_google.outbox"))).all()
            ]
        await publish_event(jetstream, GoogleAdsConnectionRemoved(connection_id=connection_id))
        await probe.wait_for(GoogleAdsReauthorizationRequired.subject)

    grants = [g for g in sandbox.tokens._grants.values() if g.platform == "google"]
    secrets = {g.token for g in grants if g.kind in ("access", "refresh")}
    assert len(secrets) >= 3  # first access + refresh, and at least one refreshed access token
    secrets |= {kit.CLIENT_SECRET, kit.DEVELOPER_TOKEN}
    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "access token refreshed" in logs and "metrics synced" in logs  # the logs are really captured
    published = [e.model_dump_json() for e in probe.events if e.producer == "connector-google"]
    assert published and len(outbox) == len(published)
    for secret in secrets:
        assert secret not in logs
        assert not any(secret in event for event in published + outbox)
        assert not any(secret in row for row in tables)
