"""The hero flow with faults: a platform rejects, a connector dies mid-deployment, the LLM is away.

Each test starts its own platform, so everything in the sandboxes came from the one deployment
the test made: the counts below are exact, over every object in the sandbox in any status.
"""

from __future__ import annotations

from typing import Any

import pytest
from hero_flow import FlowError, HeroFlow

from zamc_cli.platform import LocalPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.fault]


async def _ready_to_deploy(flow: HeroFlow) -> None:
    await flow.sign_up()
    await flow.connect_platforms()
    await flow.brief_to_strategy()
    await flow.review_and_approve()


def planned_counts(strategy: dict[str, Any]) -> dict[str, dict[str, int]]:
    """How many objects of each kind the approved strategy makes on each platform (sandbox names:
    Google collections, Meta object types)."""
    campaigns = (strategy.get("google_ads") or {}).get("campaigns", [])
    groups = [g for c in campaigns for g in c["ad_groups"]]
    meta_campaigns = (strategy.get("meta") or {}).get("campaigns", [])
    ad_sets = [s for c in meta_campaigns for s in c["ad_sets"]]
    meta_ads = sum(len(s["ads"]) for s in ad_sets)
    return {
        "google": {
            "campaignBudgets": len(campaigns),
            "campaigns": len(campaigns),
            "adGroups": len(groups),
            "adGroupCriteria": sum(len(g["keywords"]) for g in groups),  # keywords
            "adGroupAds": sum(len(g["ads"]) for g in groups),
            "campaignCriteria": sum(  # one per location and per language
                len({x.strip().upper() for x in c["locations"]})
                + len({x.strip().lower() for x in c["languages"]})
                for c in campaigns
            ),
        },
        "meta": {
            "campaign": len(meta_campaigns),
            "adset": len(ad_sets),
            "adcreative": meta_ads,
            "ad": meta_ads,
        },
    }


def sandbox_counts(objects: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """Every object in the sandboxes by kind, whatever its status (a removed duplicate counts)."""
    counts: dict[str, dict[str, int]] = {"google": {}, "meta": {}}
    for platform, kind in (("google", "collection"), ("meta", "type")):
        for o in objects[platform]:
            counts[platform][o[kind]] = counts[platform].get(o[kind], 0) + 1
    return counts


def live_objects(objects: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Objects that could still deliver: neither they nor a parent removed (Google) or deleted (Meta)."""
    google = objects["google"]
    removed = {o["resource_name"] for o in google if o["status"] == "REMOVED"}
    campaign_of_group = {
        o["resource_name"]: o["fields"]["campaign"] for o in google if o["collection"] == "adGroups"
    }
    live = []
    for o in google:
        fields = o["fields"]
        group = fields.get("ad_group")
        lineage = {o["resource_name"], fields.get("campaign"), group, campaign_of_group.get(group)}
        if not removed & lineage:
            live.append(f"Google {o['resource_name']} {o['status']}")
    meta = objects["meta"]
    deleted = {o["id"] for o in meta if o["status"] in ("DELETED", "ARCHIVED")}
    for o in meta:
        if not deleted & {o["id"], o["fields"].get("campaign_id"), o["fields"].get("adset_id")}:
            live.append(f"Meta {o['type']} {o['id']} {o['status']}")
    return live


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

        async def nothing_live() -> dict[str, Any] | None:
            objects = await flow.admin("GET", "/admin/objects", params={"detail": "true"})
            flow.state["live after rollback"] = live_objects(objects)
            return objects if not flow.state["live after rollback"] else None

        try:
            objects = await flow.eventually(nothing_live, "no live object on either platform", timeout=60)
        except FlowError as error:
            raise AssertionError(f"{error}; live: {flow.state['live after rollback']}") from None
        planned = planned_counts(flow.state["approved_strategy"])
        counts = sandbox_counts(objects)
        # Google created the whole tree once (so something was rolled back), and removed it.
        assert counts["google"] == planned["google"]
        # Meta got as far as the campaign: the rejected ad set and what hangs below it never existed.
        assert counts["meta"] == {"campaign": planned["meta"]["campaign"]}


@pytest.mark.platform_env(ZAMC_CRASH_AT="connector_google.deploy.after_mutate")
async def test_connector_google_killed_mid_deployment_creates_each_object_once(platform: LocalPlatform):
    flow = HeroFlow(gateway_url=platform.gateway_url, sandbox_admin_url=platform.sandbox_admin_url)
    async with flow.session():
        await _ready_to_deploy(flow)
        result = await flow.deploy()
        assert result["status"] == "succeeded"
        assert platform.supervisor.child("connector-google").restarts == 1
        objects = await flow.admin("GET", "/admin/objects", params={"detail": "true"})
        planned = planned_counts(flow.state["approved_strategy"])
        assert sandbox_counts(objects) == planned, "duplicate or missing objects after the restart"
        assert len(live_objects(objects)) == sum(sum(kinds.values()) for kinds in planned.values())


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
        objects = await flow.admin("GET", "/admin/objects", params={"detail": "true"})
        assert sandbox_counts(objects) == planned_counts(flow.state["approved_strategy"])
