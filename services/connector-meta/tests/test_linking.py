"""Linking Meta: code exchange, accounts, encrypted tokens, refresh, re-authorisation, removal, secrecy."""

from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from zamc_connector_meta.adapters.crypto import TokenCipher
from zamc_connector_meta.adapters.db import connections
from zamc_connector_meta.service_layer import linking, sync
from zamc_connector_meta.service_layer.context import connector_for
from zamc_events.contracts.accounts import MetaConnectionRemoved, MetaOAuthCodeReceived
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service]

WATCH = ("zamc.meta.>", "zamc.campaign.>", "zamc.metrics.>")
REDIRECT_URI = "https://app.zamc.test/oauth/meta/callback"


async def _stored(runtime, connection_id):
    async with runtime.sessions() as session:
        return (
            await session.execute(select(connections).where(connections.c.connection_id == connection_id))
        ).one()


def _meta_tokens(sandbox, kind: str) -> list[str]:
    return [g.token for g in sandbox.tokens._grants.values() if g.platform == "meta" and g.kind == kind]


async def test_linking_exchanges_the_code_and_stores_the_long_lived_token_encrypted(meta):
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running() as runtime:
        connection_id = await meta.link(probe)
        [linked] = probe.of("zamc.meta.account_linked.v1")
        row = await _stored(runtime, connection_id)
        cipher = connector_for(runtime).cipher
    accounts = {a.external_id: a for a in linked.data.accounts}
    assert set(accounts) == {"act_100000000000001", "act_100000000000002"}
    assert (accounts["act_100000000000001"].currency, accounts["act_100000000000001"].time_zone) == (
        "EUR",
        "Europe/Berlin",
    )
    assert accounts["act_100000000000002"].currency == "USD"
    stored = cipher.decrypt(row.token_ciphertext)
    assert meta.sandbox.tokens.grant(stored).kind == "long_lived"  # exchanged: code → short → long
    assert row.status == "active" and row.token_expires_at is not None
    assert stored.encode() not in row.token_ciphertext


async def test_a_used_code_fails_with_a_reason_the_user_can_act_on(meta):
    code = meta.code()
    meta.sandbox.tokens.redeem_code("meta", code, client_id="zamc-test-app", redirect_uri=REDIRECT_URI)
    connection_id = uuid.uuid4()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running():
        await publish_event(
            meta.js, MetaOAuthCodeReceived(connection_id=connection_id, code=code, redirect_uri=REDIRECT_URI)
        )
        [failed] = await probe.wait_for("zamc.meta.account_link_failed.v1")
    assert failed.data.connection_id == connection_id
    assert "Start connecting Meta again" in failed.data.reason


async def test_tokens_are_extended_before_expiry_and_a_refused_refresh_requires_reauthorization(meta):
    async with (
        EventProbe.watching(meta.js, *WATCH) as probe,
        meta.running(token_refresh_before_days=61) as runtime,
    ):
        connection_id = await meta.link(probe)
        connector = connector_for(runtime)
        first = connector.cipher.decrypt((await _stored(runtime, connection_id)).token_ciphertext)
        assert await linking.refresh_expiring_tokens(connector=connector) == 1
        second = connector.cipher.decrypt((await _stored(runtime, connection_id)).token_ciphertext)
        assert second != first and second in _meta_tokens(meta.sandbox, "long_lived")

        meta.sandbox.tokens.expire(second)  # the user changed their password: Meta refuses the token
        assert await linking.refresh_expiring_tokens(connector=connector) == 0
        [event] = await probe.wait_for("zamc.meta.reauthorization_required.v1")
        assert (await _stored(runtime, connection_id)).status == "reauthorization_required"
        assert await sync.sync_all(connector=connector) == {}  # the account is no longer called
    assert event.data.connection_id == connection_id and "Connect Meta again" in event.data.reason


async def test_keys_rotate_without_losing_tokens(meta):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running(token_keys=[old]) as runtime:
        connection_id = await meta.link(probe)
    async with meta.running(token_keys=[new, old]) as runtime:
        connector = connector_for(runtime)
        # the start-up job re-encrypts; run it here as well to not depend on its timing
        await linking.rotate_token_encryption(connector=connector)
        row = await _stored(runtime, connection_id)
    assert TokenCipher([new]).decrypt(row.token_ciphertext) in _meta_tokens(meta.sandbox, "long_lived")
    with pytest.raises(ValueError):
        TokenCipher([old]).decrypt(row.token_ciphertext)


async def test_a_removed_connection_forgets_its_token_and_is_not_called(meta, deploy_command):
    async with EventProbe.watching(meta.js, *WATCH) as probe, meta.running() as runtime:
        connection_id = await meta.link(probe)
        await publish_event(meta.js, MetaConnectionRemoved(connection_id=connection_id))
        command = deploy_command()
        await publish_event(meta.js, command)
        [failed] = await probe.wait_for("zamc.campaign.deploy_failed.v1")
        row = await _stored(runtime, connection_id)
    assert row.status == "removed" and row.token_ciphertext is None
    assert failed.data.error.code == "account_not_linked"


async def test_tokens_and_secrets_never_appear_in_logs_or_events(meta, deploy_command, capfd, caplog):
    caplog.set_level("DEBUG")
    async with (
        EventProbe.watching(meta.js, *WATCH) as probe,
        meta.running(log_level="DEBUG") as runtime,
    ):
        connection_id = await meta.link(probe)
        command = deploy_command(second_ad_set={"daily_budget_micros": 100})  # fails part-way
        await publish_event(meta.js, command)
        await probe.wait_for("zamc.campaign.deploy_failed.v1")
        meta.sandbox.market.step(hours=5)
        await sync.sync_all(connector=connector_for(runtime))
        for token in _meta_tokens(meta.sandbox, "long_lived"):
            meta.sandbox.tokens.expire(token)
        await sync.sync_all(connector=connector_for(runtime))
        await probe.wait_for("zamc.meta.reauthorization_required.v1")
    secrets = [
        *_meta_tokens(meta.sandbox, "long_lived"),
        *_meta_tokens(meta.sandbox, "short_lived"),
        *_meta_tokens(meta.sandbox, "code"),
        "zamc-test-app-secret",
    ]
    assert len(secrets) >= 4
    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    lines = logs.splitlines()
    # the scan below reads the real records: the linking's own, and the Graph calls it made (whose
    # query strings carry the token, redacted)
    [linked] = [line for line in lines if "meta accounts linked" in line]
    assert f"connection_id={connection_id}" in linked and "accounts=2" in linked
    [accounts_call] = [line for line in lines if '"GET /v26.0/me/adaccounts?' in line]
    assert "access_token=[redacted]" in accounts_call and "appsecret_proof=[redacted]" in accounts_call
    assert any("meta deployment failed" in line and str(command.deployment_id) in line for line in lines)
    # the gateway's oauth_code_received carries the code by contract; everything else must not
    payloads = [e.model_dump_json() for e in probe.events if e.type != "zamc.meta.oauth_code_received.v1"]
    for secret in secrets:
        assert secret not in logs
        assert all(secret not in payload for payload in payloads)
