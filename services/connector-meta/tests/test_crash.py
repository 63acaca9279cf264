"""SIGKILL between Meta's answer and the commit that records it: after a restart, one object per key."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from zamc_cli.embedded import stop_process
from zamc_testing.service import EventProbe, publish_event

pytestmark = [pytest.mark.service, pytest.mark.fault]

WATCH = ("zamc.meta.>", "zamc.campaign.>")
CRASH_POINT = "connector_meta.deploy.after_platform_call"
TAG = re.compile(r"\[(zamc-[0-9a-f]{16})\]$")


def _start(meta, tmp: Path, **env: str) -> subprocess.Popen:
    environment = {**os.environ, **meta.env(), "ZAMC_CRASH_ONCE_DIR": str(tmp / "crashes"), **env}
    return subprocess.Popen(
        [sys.executable, "-c", "from zamc_connector_meta.main import run; run()"],
        env=environment,
        stdout=open(tmp / "connector.log", "ab"),
        stderr=subprocess.STDOUT,
    )


async def _exited(process: subprocess.Popen, timeout: float = 60) -> int:
    return await asyncio.to_thread(process.wait, timeout)


async def test_killed_after_the_platform_call_before_the_commit_creates_each_object_once(
    meta, deploy_command, tmp_path: Path
):
    async with EventProbe.watching(meta.js, *WATCH) as probe:
        async with meta.running():
            await meta.link(probe)  # the connection is stored; the subprocesses reuse the database
        command = deploy_command()
        crashing = _start(meta, tmp_path, ZAMC_CRASH_AT=CRASH_POINT)
        try:
            await publish_event(meta.js, command)
            assert await _exited(crashing) == -signal.SIGKILL
        finally:
            stop_process(crashing)
        created_before_restart = meta.objects()
        assert [o["type"] for o in created_before_restart] == ["campaign"]  # on Meta, not recorded

        restarted = _start(meta, tmp_path)
        try:
            [event] = await probe.wait_for(
                "zamc.campaign.deployed.v1", lambda d: d.deployment_id == command.deployment_id, timeout=60
            )
        finally:
            stop_process(restarted)
        assert restarted.returncode == 0
    objects = meta.objects()
    tags = Counter(TAG.search(o["name"]).group(1) for o in objects if TAG.search(o["name"]))
    assert len(objects) == 1 + 2 + 3 * 2 and set(tags.values()) == {1}
    assert event.data.platform_campaign_ids == [created_before_restart[0]["id"]]
    assert {o.platform_id for o in event.data.objects if o.kind != "image"} == {o["id"] for o in objects}
