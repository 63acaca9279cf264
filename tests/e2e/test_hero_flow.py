"""The hero flow end to end: five service processes, driven only through the gateway's public API."""

from __future__ import annotations

import pytest
from hero_flow import HeroFlow

from zamc_cli.platform import LocalPlatform

pytestmark = pytest.mark.e2e


async def test_the_hero_flow_completes_without_errors(platform: LocalPlatform):
    flow = HeroFlow(gateway_url=platform.gateway_url, sandbox_admin_url=platform.sandbox_admin_url)
    report = await flow.run()
    assert [step.name for step in report] == [
        "sign up and log in",
        "connect Google Ads and Meta",
        "brief → AI strategy",
        "review, edit and approve",
        "deploy to both platforms",
        "live cross-platform metrics",
        "apply a recommendation",
    ]
    # The brief's progress and the metric updates arrived over the live stream, not by polling.
    received = {event.topic for event in flow.live().events}
    assert {"brief.progress", "brief.status", "metrics.updated"} <= received, received
