"""Account linking: code exchange, encrypted tokens, discovery, refresh, reauthorisation, removal."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_connector_google.adapters import db
from zamc_connector_google.service.jobs import refresh_expiring_tokens
from zamc_events.contracts.accounts import (
    GoogleAdsAccountLinked,
    GoogleAdsAccountLinkFailed,
    GoogleAdsConnectionRemoved,
    GoogleAdsOAuthCodeReceived,
    GoogleAdsReauthorizationRequired,
)
from zamc_testing.service import publish_event

pytestmark = pytest.mark.service


async def _connection(database_url: str, connection_id: uuid.UUID) -> dict:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (
                (
                    await connection.execute(
                        select(db.connections).where(db.connections.c.connection_id == connection_id)
                    )
                )
                .mappings()
                .one()
            )
            return dict(row)
    finally:
        await engine.dispose()


async def test_linking_discovers_client_accounts_under_the_manager(service, link, kit, database_url, sandbox):
    async with service() as (runtime, probe):
        connection_id = await link(probe)
        linked = probe.of(GoogleAdsAccountLinked.subject)[-1]
    assert linked.tenant_id == kit.TENANT
    accounts = {a.external_id: a for a in linked.data.accounts}
    assert set(accounts) == {kit.BERLIN, kit.NEW_YORK}  # the manager itself is not deployable
    assert accounts[kit.BERLIN].currency == "EUR" and accounts[kit.BERLIN].time_zone == "Europe/Berlin"
    assert accounts[kit.NEW_YORK].currency == "USD" and accounts[kit.NEW_YORK].time_zone == "America/New_York"
    assert {a.manager_external_id for a in accounts.values()} == {kit.MANAGER}
    assert "https://www.googleapis.com/auth/adwords" in linked.data.scopes

    row = await _connection(database_url, connection_id)
    assert row["status"] == "active" and row["token_ciphertext"]
    assert b"ya29." not in row["token_ciphertext"] and b"1//" not in row["token_ciphertext"]


async def test_a_used_or_unknown_code_fails_with_a_reason_to_act_on(service, jetstream, kit, oauth_code):
    connection_id = uuid.uuid4()
    async with service() as (runtime, probe):
        await publish_event(
            jetstream,
            GoogleAdsOAuthCodeReceived(
                connection_id=connection_id, code="not-a-code", redirect_uri=kit.REDIRECT_URI
            ),
            tenant_id=kit.TENANT,
        )
        [failed] = await probe.wait_for(GoogleAdsAccountLinkFailed.subject)
    assert failed.data.connection_id == connection_id
    assert "Connect Google Ads again" in failed.data.reason
    assert not probe.of(GoogleAdsAccountLinked.subject)


async def test_a_code_for_another_oauth_client_is_refused(service, jetstream, kit, oauth_code):
    async with service() as (runtime, probe):
        await publish_event(
            jetstream,
            GoogleAdsOAuthCodeReceived(
                connection_id=uuid.uuid4(),
                code=oauth_code(client_id="someone-else"),
                redirect_uri=kit.REDIRECT_URI,
            ),
        )
        [failed] = await probe.wait_for(GoogleAdsAccountLinkFailed.subject)
    assert "authorisation code" in failed.data.reason


async def test_tokens_are_refreshed_before_they_expire(service, link, database_url):
    # a margin longer than the token's life: every check finds it due
    async with service(token_refresh_margin_seconds=7200) as (runtime, probe):
        connection_id = await link(probe)
        before = await _connection(database_url, connection_id)
        assert await refresh_expiring_tokens(runtime) == 1
        after = await _connection(database_url, connection_id)
    assert after["access_expires_at"] >= before["access_expires_at"]
    assert after["token_ciphertext"] != before["token_ciphertext"]
    assert after["status"] == "active"


async def test_a_refused_refresh_requires_reauthorization_and_stops_calls(
    service, link, sandbox, database_url
):
    async with service(token_refresh_margin_seconds=7200) as (runtime, probe):
        connection_id = await link(probe)
        _revoke_all_refresh_tokens(sandbox)
        await refresh_expiring_tokens(runtime)
        [event] = await probe.wait_for(GoogleAdsReauthorizationRequired.subject)
        assert event.data.connection_id == connection_id
        assert "Connect Google Ads again" in event.data.reason
        assert event.tenant_id is not None
        calls_before = len(sandbox._servicer.calls.calls)
        assert await refresh_expiring_tokens(runtime) == 0  # no longer tried
    row = await _connection(database_url, connection_id)
    assert row["status"] == "reauthorization_required"
    assert len(sandbox._servicer.calls.calls) == calls_before
    assert len(probe.of(GoogleAdsReauthorizationRequired.subject)) == 1


async def test_removing_a_connection_revokes_and_forgets_its_tokens(
    service, link, jetstream, sandbox, database_url
):
    async with service() as (runtime, probe):
        connection_id = await link(probe)
        await publish_event(jetstream, GoogleAdsConnectionRemoved(connection_id=connection_id))
        for _ in range(100):
            row = await _connection(database_url, connection_id)
            if row["status"] == "removed":
                break
            await asyncio.sleep(0.1)
    assert row["status"] == "removed" and row["token_ciphertext"] is None
    revoked = [g for g in sandbox.tokens._grants.values() if g.kind == "refresh" and g.revoked]
    assert revoked


def _revoke_all_refresh_tokens(sandbox) -> None:
    for grant in list(sandbox.tokens._grants.values()):
        if grant.platform == "google" and grant.kind == "refresh":
            sandbox.tokens.revoke(grant.token)
