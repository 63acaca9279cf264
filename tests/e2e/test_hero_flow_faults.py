"""The hero flow with faults: a platform rejects, a connector dies mid-deployment, the LLM is away."""

from __future__ import annotations

import pytest
from hero_flow import FlowError, HeroFlow

from zamc_cli.platform import LocalPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.fault]


async def _ready_to_deploy(flow: HeroFlow) -> None:
    await flow.sign_up()
    await flow.connect_platforms()
    await flow.brief_to_strategy()
    await flow.review_and_approve()


async def test_meta_rejects_the_ad_set_so_google_is_rolled_back(platform: LocalPlatform):
    flow = HeroFlow(gateway_url=platform.gateway_url, sandbox_admin_url=platform.sandbox_admin_url)
    async with flow.session():
        await _ready_to_deploy(flow)
        await flow.admin("POST", "/admin/faults", json={"kind": "meta.invalid_targeting", "method": "adsets"})
        with pytest.raises(FlowError, match="ended rolled_back"):
            await flow.deploy()
        deployment = flow.last_deployment
        targets = {t["platform"]: t for t in deployment["targets"]}
        assert targets["google_ads"]["status"] == "rolled_back"
        assert targets["meta"]["status"] == "failed"
        assert "1487694" in targets["meta"]["error"]["code"] or "targeting" in str(targets["meta"]["error"])

        async def explained() -> list[dict] | None:
            found = await flow.call("GET", "/notifications")
            return [n for n in found["items"] if "targeting" in str(n).lower()] or None

        assert await flow.eventually(explained, "a notification that explains the Meta error")
        google = (await flow.sandbox_objects())["google"]
        campaigns = [o for o in google if o["collection"] == "campaigns"]
        assert campaigns, "the Google campaign was never created, so nothing was rolled back"
        assert [c for c in campaigns if c["status"] != "REMOVED"] == [], (
            "Google campaigns survive the rollback"
        )


@pytest.mark.platform_env(ZAMC_CRASH_AT="connector_google.deploy.after_mutate")
async def test_connector_google_killed_mid_deployment_creates_each_object_once(platform: LocalPlatform):
    flow = HeroFlow(gateway_url=platform.gateway_url, sandbox_admin_url=platform.sandbox_admin_url)
    async with flow.session():
        await _ready_to_deploy(flow)
        result = await flow.deploy()
        assert result["status"] == "succeeded"
        assert platform.supervisor.child("connector-google").restarts == 1
        objects = (await flow.sandbox_objects())["google"]
        names = [o["name"] for o in objects if o.get("name")]
        assert len(names) == len(set(names)), f"duplicate objects on Google: {sorted(names)}"


@pytest.mark.platform_env(
    ZAMC_ORCHESTRATOR_LLM_MODELS="openai/unreachable-model",
    ZAMC_ORCHESTRATOR_LLM_API_BASE="http://127.0.0.1:9/v1",
    ZAMC_ORCHESTRATOR_LLM_API_KEY="test",
    ZAMC_ORCHESTRATOR_LLM_TIMEOUT_SECONDS="2",
)
async def test_with_the_llm_unavailable_the_rules_strategist_completes_the_flow(platform: LocalPlatform):
    flow = HeroFlow(gateway_url=platform.gateway_url, sandbox_admin_url=platform.sandbox_admin_url)
    async with flow.session():
        await _ready_to_deploy(flow)
        strategy = await flow.call("GET", f"/strategies/{flow.state['strategy_id']}")
        assert strategy["generator"] == "rules"
        assert any("rule" in warning.lower() for warning in strategy["strategy"]["warnings"])
        assert (await flow.deploy())["status"] == "succeeded"
