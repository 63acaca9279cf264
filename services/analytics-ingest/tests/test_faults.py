"""analytics-ingest killed between the database commit and the ack: redelivery must not double-count."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from zamc_cli.embedded import free_port, stop_process
from zamc_events.contracts.metrics import RollupUpdated
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service, pytest.mark.fault]


def _start(nats_url: str, database_url: str, tmp: Path, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "ZAMC_NATS_URL": nats_url,
        "ZAMC_DATABASE_URL": database_url,
        "ZAMC_LOG_JSON": "false",
        "ZAMC_ANALYTICS_INGEST_HTTP_PORT": str(free_port()),
        "ZAMC_ANALYTICS_INGEST_CONSUMER_ACK_WAIT_SECONDS": "1",
        "ZAMC_ANALYTICS_INGEST_CONSUMER_BACKOFF_SECONDS": "[0.1]",
        "ZAMC_ANALYTICS_INGEST_OUTBOX_POLL_SECONDS": "0.01",
        "ZAMC_CRASH_ONCE_DIR": str(tmp / "crashes"),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "zamc_analytics_ingest.main"],
        env=environment,
        stdout=open(tmp / "analytics.log", "ab"),
        stderr=subprocess.STDOUT,
    )


async def test_killed_after_commit_before_ack_ends_in_the_ground_truth(
    jetstream, nats_url: str, database_url: str, tmp_path: Path, reports, state
):
    scenario = reports.scenario(seed=11, campaigns=3, hours=8, per_batch=5)
    async with EventProbe.watching(jetstream, RollupUpdated.subject) as probe:
        for event in scenario.events:  # all waiting before the service starts: the first fetch is a big batch
            await publish_event(jetstream, event)

        crashing = _start(nats_url, database_url, tmp_path, ZAMC_CRASH_AT="consumer.after_commit")
        try:
            await asyncio.wait_for(asyncio.to_thread(crashing.wait), timeout=120)
        finally:
            stop_process(crashing, signal.SIGKILL)
        assert crashing.returncode == -signal.SIGKILL
        stored_before_crash = await state.scalar("SELECT count(*) FROM analytics.inbox")
        assert 0 < stored_before_crash  # the batch committed, then the process died before acking it

        restarted = _start(nats_url, database_url, tmp_path)
        try:
            facts = await state.wait_for_facts(scenario.truth, timeout=60)
            assert facts == scenario.truth
            await asyncio.sleep(1.5)  # past ack_wait: an unacked message would have been redelivered by now
            assert await state.facts() == scenario.truth
            expected = scenario.campaign_rollups()
            deadline = asyncio.get_running_loop().time() + 30
            while (folded := reports.fold_rollup_events(probe.of(RollupUpdated.subject))) != expected:
                if asyncio.get_running_loop().time() > deadline:
                    differ = {k: (folded.get(k), v) for k, v in expected.items() if folded.get(k) != v}
                    dirty = await state.scalar(
                        "SELECT count(*) FROM analytics.campaign_freshness WHERE dirty_since IS NOT NULL"
                    )
                    pytest.fail(f"rollup_updated never caught up ({dirty} campaigns dirty): {differ}")
                await asyncio.sleep(0.1)
            campaign_rows = {
                (k.platform, k.account_external_id, k.campaign_id, k.granularity, k.period_start): v
                for k, v in (await state.rollups()).items()
                if k.level == "campaign"
            }
            assert campaign_rows == expected
            # every published event handled exactly once (the re-sent batches are events of their own)
            assert await state.scalar("SELECT count(*) FROM analytics.inbox") == len(scenario.events)
        finally:
            stop_process(restarted)
        assert restarted.returncode == 0
