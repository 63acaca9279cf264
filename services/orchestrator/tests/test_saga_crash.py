"""The orchestrator killed between saga steps resumes without sending any command twice.

The orchestrator runs as a process (`python -m zamc_orchestrator.main`) armed with named crash
points (ZAMC_CRASH_AT; ZAMC_CRASH_ONCE_DIR makes each fire once across restarts):

1. `orchestrator.saga.step`: killed after the deploy commands are written, before the commit;
2. `consumer.after_commit`: killed after the commit of the redelivered request, before its ack;
3. `orchestrator.saga.step` again (a new once-dir): killed while writing the launch commands.

Then every command must be on its stream exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_cli.embedded import free_port, stop_process
from zamc_events.contracts.base import utcnow
from zamc_events.contracts.campaign import CampaignDeployed, DeploymentTarget, DeployRequested
from zamc_events.runtime.db import session_factory
from zamc_events.runtime.migrations import upgrade_to_head
from zamc_orchestrator.adapters import repositories as repo
from zamc_orchestrator.domain.rules_strategist import build_strategy
from zamc_orchestrator.main import definition
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service, pytest.mark.fault]

GOOGLE, META = "1234567890", "act_100200300"


def start_orchestrator(
    nats_url: str, database_url: str, tmp: Path, once_dir: str, **env: str
) -> subprocess.Popen:
    environment = {
        **os.environ,
        "ZAMC_NATS_URL": nats_url,
        "ZAMC_DATABASE_URL": database_url,
        "ZAMC_LOG_JSON": "false",
        "ZAMC_ORCHESTRATOR_HTTP_PORT": str(free_port()),
        "ZAMC_ORCHESTRATOR_CONSUMER_ACK_WAIT_SECONDS": "1",
        "ZAMC_ORCHESTRATOR_CONSUMER_BACKOFF_SECONDS": "[0.1]",
        "ZAMC_ORCHESTRATOR_OUTBOX_POLL_SECONDS": "0.01",
        "ZAMC_ORCHESTRATOR_DEPLOY_TIMEOUT_SECONDS": "300",
        "ZAMC_ORCHESTRATOR_LLM_MODELS": "",
        "ZAMC_CRASH_ONCE_DIR": str(tmp / once_dir),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "zamc_orchestrator.main"],
        env=environment,
        stdout=open(tmp / "orchestrator.log", "ab"),
        stderr=subprocess.STDOUT,
    )


async def wait_until_killed(process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while process.poll() is None:
        if asyncio.get_running_loop().time() > deadline:
            stop_process(process, signal.SIGKILL)
            raise TimeoutError("the orchestrator did not reach its crash point")
        await asyncio.sleep(0.05)
    assert process.returncode == -signal.SIGKILL


async def seed_approved_strategy(database_url: str, make_brief):
    await asyncio.to_thread(
        upgrade_to_head,
        migrations_dir=definition.migrations_dir,
        database_url=database_url,
        schema="orchestrator",
    )
    strategy = build_strategy(brief=make_brief(), strategy_id=uuid.uuid4(), version=1)
    engine = create_async_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await repo.insert_version(session, strategy=strategy, tenant_id=None, source="generated")
            await repo.approve_version(
                session, strategy_id=strategy.strategy_id, version=1, approved_by=uuid.uuid4(), at=utcnow()
            )
    finally:
        await engine.dispose()
    return strategy


async def test_orchestrator_killed_between_saga_steps_sends_every_command_once(
    jetstream, nats_url: str, database_url: str, tmp_path: Path, make_brief
):
    strategy = await seed_approved_strategy(database_url, make_brief)
    deployment_id = uuid.uuid4()
    crash_twice = {"ZAMC_CRASH_AT": "orchestrator.saga.step,consumer.after_commit"}
    processes: list[subprocess.Popen] = []
    async with EventProbe.watching(
        jetstream, "zamc.google_ads.>", "zamc.meta.>", "zamc.campaign.deployment_completed.v1"
    ) as probe:
        try:
            processes.append(start_orchestrator(nats_url, database_url, tmp_path, "once-1", **crash_twice))
            await publish_event(
                jetstream,
                DeployRequested(
                    deployment_id=deployment_id,
                    strategy=strategy,
                    targets=[
                        DeploymentTarget(platform="google_ads", account_external_id=GOOGLE),
                        DeploymentTarget(platform="meta", account_external_id=META),
                    ],
                ),
            )
            await wait_until_killed(processes[-1])  # 1. commands written, not committed
            processes.append(start_orchestrator(nats_url, database_url, tmp_path, "once-1", **crash_twice))
            await wait_until_killed(processes[-1])  # 2. committed, not acked

            crash_at_launch = {"ZAMC_CRASH_AT": "orchestrator.saga.step"}
            processes.append(
                start_orchestrator(nats_url, database_url, tmp_path, "once-2", **crash_at_launch)
            )
            [google] = await probe.wait_for("zamc.google_ads.deploy_requested.v1", timeout=60)
            await probe.wait_for("zamc.meta.deploy_requested.v1", timeout=20)
            assert google.data.key_prefix == f"{deployment_id}:google_ads"
            for platform, account, ids in (("google_ads", GOOGLE, ["g-1"]), ("meta", META, ["m-1"])):
                await publish_event(
                    jetstream,
                    CampaignDeployed(
                        deployment_id=deployment_id,
                        platform=platform,
                        account_external_id=account,
                        platform_campaign_ids=ids,
                        objects=[],
                    ),
                )
            await wait_until_killed(processes[-1])  # 3. launch commands written, not committed

            processes.append(start_orchestrator(nats_url, database_url, tmp_path, "once-2"))
            [completed] = await probe.wait_for("zamc.campaign.deployment_completed.v1", timeout=60)
            assert completed.data.status == "succeeded"
            await asyncio.sleep(2.5)  # past ack_wait: anything unacked would have been redelivered
        finally:
            for process in processes:
                stop_process(process)
        assert processes[-1].returncode == 0
        assert [p.returncode for p in processes[:3]] == [-signal.SIGKILL] * 3
        subjects = [e.type for e in probe.events]
        assert sorted(subjects) == sorted(
            [
                "zamc.google_ads.deploy_requested.v1",
                "zamc.meta.deploy_requested.v1",
                "zamc.google_ads.launch_requested.v1",
                "zamc.meta.launch_requested.v1",
                "zamc.campaign.deployment_completed.v1",
            ]
        )
    assert (await jetstream.stream_info("ZAMC_GOOGLE_ADS")).state.messages == 2
    assert (await jetstream.stream_info("ZAMC_META")).state.messages == 2
