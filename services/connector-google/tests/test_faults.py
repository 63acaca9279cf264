"""Named faults: the connector killed between the platform call and the commit."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from zamc_cli.embedded import free_port, stop_process
from zamc_connector_google.service.deployment import CRASH_AFTER_MUTATE
from zamc_events.contracts.campaign import CampaignDeployed
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service, pytest.mark.fault]


def _environment(
    kit, *, nats_url, database_url, sandbox, token_key, tmp_path: Path, **extra: str
) -> dict[str, str]:
    values = kit.settings_values(
        nats_url=nats_url, database_url=database_url, sandbox=sandbox, token_key=token_key
    )
    env = {**os.environ, "ZAMC_NATS_URL": nats_url, "ZAMC_DATABASE_URL": database_url}
    for name in (
        "endpoint",
        "ca_cert_file",
        "developer_token",
        "oauth_client_id",
        "oauth_client_secret",
        "token_uri",
        "revoke_uri",
        "token_keys",
        "backoff_base_seconds",
        "backoff_max_seconds",
    ):
        env[f"ZAMC_CONNECTOR_GOOGLE_{name.upper()}"] = str(values[name])
    env.update(
        {
            "ZAMC_CONNECTOR_GOOGLE_HTTP_PORT": str(free_port()),
            "ZAMC_CONNECTOR_GOOGLE_SYNC_ENABLED": "false",
            "ZAMC_CONNECTOR_GOOGLE_CONSUMER_ACK_WAIT_SECONDS": "2",
            "ZAMC_CONNECTOR_GOOGLE_CONSUMER_BACKOFF_SECONDS": "[0.2]",
            "ZAMC_CONNECTOR_GOOGLE_OUTBOX_POLL_SECONDS": "0.01",
            "ZAMC_LOG_JSON": "false",
            "ZAMC_CRASH_ONCE_DIR": str(tmp_path / "crashes"),
            **extra,
        }
    )
    env.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)  # the service sets it from its own settings
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "zamc_connector_google.main"],
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


async def _exited(process: subprocess.Popen, timeout: float = 60) -> int:
    for _ in range(int(timeout * 10)):
        if process.poll() is not None:
            return process.returncode
        await asyncio.sleep(0.1)
    raise TimeoutError("the connector did not exit")


async def test_killed_between_mutate_and_commit_leaves_exactly_one_campaign_tree(
    jetstream, nats_url, database_url, sandbox, token_key, tmp_path, kit, link, deploy_command
):
    env = _environment(
        kit,
        nats_url=nats_url,
        database_url=database_url,
        sandbox=sandbox,
        token_key=token_key,
        tmp_path=tmp_path,
    )
    log = tmp_path / "connector.log"
    command = deploy_command()
    async with EventProbe.watching(jetstream, "zamc.google_ads.>", "zamc.campaign.>") as probe:
        crashing = _start({**env, "ZAMC_CRASH_AT": CRASH_AFTER_MUTATE}, log)
        try:
            await link(probe, timeout=120)  # a cold process on a busy machine: imports, migrations
            await publish_event(jetstream, command, tenant_id=kit.TENANT)
            assert await _exited(crashing) == -signal.SIGKILL
        finally:
            stop_process(crashing)
        # the platform holds the tree, but nothing was committed or answered
        assert len(kit.objects(sandbox, "campaigns")) == 1
        assert not probe.of(CampaignDeployed.subject)

        restarted = _start(env, log)
        try:
            [answer] = await probe.wait_for(CampaignDeployed.subject, timeout=120)
            await asyncio.sleep(2.5)  # past ack_wait: a second delivery would have answered again
        finally:
            stop_process(restarted)
    assert restarted.returncode == 0
    assert len(probe.of(CampaignDeployed.subject)) == 1
    for collection, count in {
        "campaignBudgets": 1,
        "campaigns": 1,
        "adGroups": 1,
        "adGroupCriteria": 2,
        "adGroupAds": 1,
        "campaignCriteria": 3,
    }.items():
        assert len(kit.objects(sandbox, collection)) == count, collection
    platform_ids = {o["resource_name"].rsplit("/", 1)[-1] for o in kit.objects(sandbox)}
    for reported in answer.data.objects:
        assert any(p == reported.platform_id or p.endswith("~" + reported.platform_id) for p in platform_ids)
    assert "found campaign created before a restart" in log.read_text()
