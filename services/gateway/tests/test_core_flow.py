"""Every core path: the event it publishes and the answering events it projects."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from zamc_events.contracts import accounts, campaign, strategy
from zamc_events.contracts.common import PlatformError
from zamc_gateway.adapters.read_models import platform_campaign_owner
from zamc_testing.service import EventProbe

pytestmark = pytest.mark.service


async def test_linking_a_google_ads_account_through_oauth(
    client, signup, scenario, jetstream, eventually, problem
):
    owner = await signup()
    async with EventProbe.watching(jetstream, "zamc.google_ads.>") as probe:
        created = await client.post(
            "/platform-connections", headers=owner.headers, json={"platform": "google_ads"}
        )
        assert created.status_code == 201
        body = created.json()
        assert body["status"] == "pending"
        url = urlsplit(body["authorization_url"])
        query = parse_qs(url.query)
        assert f"{url.scheme}://{url.netloc}{url.path}" == "http://127.0.0.1:8200/google/auth"
        assert query["state"] == [body["state"]] and query["client_id"] == ["sandbox-client"]
        assert query["redirect_uri"] == ["http://gateway.test/api/v1/oauth/google_ads/callback"]
        assert query["scope"] == ["https://www.googleapis.com/auth/adwords"]

        problem(
            await client.get("/oauth/google_ads/callback", params={"state": "forged-state-1", "code": "c"}),
            400,
        )
        problem(await client.get("/oauth/meta/callback", params={"state": body["state"], "code": "c"}), 400)
        callback = await client.get(
            "/oauth/google_ads/callback", params={"state": body["state"], "code": "the-code"}
        )
        assert callback.status_code == 200 and callback.json()["status"] == "linking"
        problem(
            await client.get("/oauth/google_ads/callback", params={"state": body["state"], "code": "again"}),
            409,
        )

        [event] = await probe.wait_for("zamc.google_ads.oauth_code_received.v1")
        assert event.tenant_id == owner.org_id
        assert event.data.connection_id == uuid.UUID(body["id"]) and event.data.code == "the-code"
        assert event.data.redirect_uri == "http://gateway.test/api/v1/oauth/google_ads/callback"
        assert len(probe.of("zamc.google_ads.oauth_code_received.v1")) == 1

    listed = (await client.get("/platform-connections", headers=owner.headers)).json()
    assert [(c["id"], c["status"]) for c in listed] == [(body["id"], "linking")]

    await scenario.publish(
        accounts.GoogleAdsAccountLinked(
            connection_id=uuid.UUID(body["id"]),
            accounts=[
                {
                    "external_id": "1234567890",
                    "name": "Acme Search",
                    "currency": "EUR",
                    "time_zone": "Europe/Berlin",
                }
            ],
        ),
        owner.org_id,
    )

    async def linked():
        [c] = (await client.get("/platform-connections", headers=owner.headers)).json()
        assert c["status"] == "linked"
        return c

    connection = await eventually(linked)
    assert connection["accounts"] == [
        {"external_id": "1234567890", "name": "Acme Search", "currency": "EUR", "time_zone": "Europe/Berlin"}
    ]

    await scenario.publish(
        accounts.GoogleAdsReauthorizationRequired(
            connection_id=uuid.UUID(body["id"]), reason="token revoked"
        ),
        owner.org_id,
    )

    async def needs_reauth():
        [c] = (await client.get("/platform-connections", headers=owner.headers)).json()
        assert c["status"] == "reauthorization_required" and c["reason"] == "token revoked"
        return True

    await eventually(needs_reauth)


async def test_meta_link_failure_denied_consent_and_removal(client, signup, scenario, jetstream, eventually):
    owner = await signup()
    first = (
        await client.post("/platform-connections", headers=owner.headers, json={"platform": "meta"})
    ).json()
    url = urlsplit(first["authorization_url"])
    assert url.path == "/meta/v26.0/dialog/oauth"
    assert parse_qs(url.query)["scope"] == ["ads_management,ads_read,business_management"]
    await client.get("/oauth/meta/callback", params={"state": first["state"], "code": "code-1"})
    await scenario.publish(
        accounts.MetaAccountLinkFailed(connection_id=uuid.UUID(first["id"]), reason="no ad accounts"),
        owner.org_id,
    )

    denied = (
        await client.post("/platform-connections", headers=owner.headers, json={"platform": "meta"})
    ).json()
    answer = await client.get(
        "/oauth/meta/callback", params={"state": denied["state"], "error": "access_denied"}
    )
    assert answer.status_code == 200 and answer.json()["status"] == "failed"

    async def both_failed():
        listed = {
            c["id"]: c for c in (await client.get("/platform-connections", headers=owner.headers)).json()
        }
        assert listed[first["id"]]["status"] == "failed" and listed[first["id"]]["reason"] == "no ad accounts"
        assert (
            listed[denied["id"]]["status"] == "failed" and "access_denied" in listed[denied["id"]]["reason"]
        )
        return True

    await eventually(both_failed)

    await scenario.publish(
        accounts.MetaReauthorizationRequired(connection_id=uuid.UUID(denied["id"]), reason="token expired"),
        owner.org_id,
    )

    async def needs_reauth():
        listed = {
            c["id"]: c for c in (await client.get("/platform-connections", headers=owner.headers)).json()
        }
        assert listed[denied["id"]]["status"] == "reauthorization_required"
        return True

    await eventually(needs_reauth)

    async with EventProbe.watching(jetstream, "zamc.meta.>") as probe:
        removed = await client.delete(f"/platform-connections/{first['id']}", headers=owner.headers)
        assert removed.status_code == 204
        [event] = await probe.wait_for("zamc.meta.connection_removed.v1")
        assert event.data.connection_id == uuid.UUID(first["id"]) and event.tenant_id == owner.org_id
        assert probe.of("zamc.meta.oauth_code_received.v1")[0].data.code == "code-1"
    listed = (await client.get("/platform-connections", headers=owner.headers)).json()
    assert [c["id"] for c in listed] == [denied["id"]]


async def test_project_crud(client, signup, problem):
    owner = await signup()
    created = await client.post(
        "/projects",
        headers=owner.headers,
        json={"name": "Shoes", "business": {"name": "Acme", "brand_voice": "Bold"}},
    )
    assert created.status_code == 201
    project = created.json()
    assert project["business"] == {
        "name": "Acme",
        "website": None,
        "industry": None,
        "description": None,
        "brand_voice": "Bold",
    }
    patched = await client.patch(
        f"/projects/{project['id']}",
        headers=owner.headers,
        json={"name": "Trail shoes", "business": {"website": "https://acme.example"}},
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "Trail shoes"
    assert patched.json()["business"]["website"] == "https://acme.example"
    assert patched.json()["business"]["brand_voice"] == "Bold"
    assert (await client.get(f"/projects/{project['id']}", headers=owner.headers)).json() == patched.json()
    assert [p["id"] for p in (await client.get("/projects", headers=owner.headers)).json()] == [project["id"]]
    problem(
        await client.patch(
            f"/projects/{project['id']}", headers=owner.headers, json={"business": {"website": "ftp:x"}}
        ),
        422,
        field="/business/website",
    )
    problem(
        await client.post("/projects", headers=owner.headers, json={"name": "x", "business": {}}),
        422,
        field="/business/name",
    )
    problem(
        await client.post(
            "/projects", headers=owner.headers, json={"name": "x", "business": {"name": "a"}, "extra": 1}
        ),
        422,
        field="/extra",
    )
    assert (await client.delete(f"/projects/{project['id']}", headers=owner.headers)).status_code == 204
    problem(await client.get(f"/projects/{project['id']}", headers=owner.headers), 404)
    assert (await client.get("/projects", headers=owner.headers)).json() == []


async def test_a_brief_requests_a_strategy_and_follows_its_generation(
    client, signup, scenario, jetstream, eventually, brief_request, problem
):
    owner = await signup()
    await scenario.link(owner, "google_ads")
    project_id = await scenario.project(owner)
    async with EventProbe.watching(jetstream, "zamc.strategy.>") as probe:
        accepted = await client.post(
            f"/projects/{project_id}/briefs", headers=owner.headers, json=brief_request
        )
        assert accepted.status_code == 202
        assert accepted.json()["status"] == "generating"
        brief_id = uuid.UUID(accepted.json()["id"])
        [event] = await probe.wait_for("zamc.strategy.requested.v1")
    brief = event.data.brief
    assert event.tenant_id == owner.org_id and event.correlation_id == brief_id
    assert brief.brief_id == brief_id and brief.project_id == project_id
    assert brief.budget.amount_micros == 100_000_000 and brief.budget.currency == "EUR"
    assert brief.business.name == "Acme" and brief.business.website == "https://acme.example"
    assert [a.external_id for a in brief.accounts] == ["1234567890"]  # the linked Google Ads account
    assert brief.platforms == ["google_ads", "meta"] and brief.locations == ["DE", "AT"]

    status = (await client.get(f"/briefs/{brief_id}", headers=owner.headers)).json()
    assert (
        status["status"] == "generating"
        and status["progress"]["percent"] == 0
        and status["strategy_id"] is None
    )

    await scenario.publish(
        strategy.StrategyProgress(brief_id=brief_id, step="drafting", percent=40, message="Writing ads"),
        owner.org_id,
    )

    async def progressed():
        b = (await client.get(f"/briefs/{brief_id}", headers=owner.headers)).json()
        assert b["progress"] == {"percent": 40, "step": "drafting", "message": "Writing ads"}
        return True

    await eventually(progressed)

    from zamc_events.examples import STRATEGY_EXAMPLE

    generated = STRATEGY_EXAMPLE.model_copy(
        update={"strategy_id": uuid.uuid4(), "brief_id": brief_id, "project_id": project_id, "model": "gpt-x"}
    )
    generated = generated.model_copy(update={"generator": "llm"})
    await scenario.publish(strategy.StrategyGenerated(strategy=generated), owner.org_id)

    async def done():
        b = (await client.get(f"/briefs/{brief_id}", headers=owner.headers)).json()
        assert b["status"] == "generated" and b["strategy_id"] == str(generated.strategy_id)
        assert b["progress"]["percent"] == 100
        return True

    await eventually(done)
    got = (await client.get(f"/strategies/{generated.strategy_id}", headers=owner.headers)).json()
    assert got["version"] == 1 and got["status"] == "draft" and got["approved_version"] is None
    assert got["generator"] == "llm" and got["model"] == "gpt-x"
    assert got["strategy"] == generated.model_dump(mode="json")
    assert [v["version"] for v in got["versions"]] == [1]
    listed = (await client.get(f"/projects/{project_id}/briefs", headers=owner.headers)).json()
    assert [b["id"] for b in listed] == [str(brief_id)]

    # a failed generation
    failing = await client.post(f"/projects/{project_id}/briefs", headers=owner.headers, json=brief_request)
    failing_id = uuid.UUID(failing.json()["id"])
    await scenario.publish(
        strategy.StrategyFailed(brief_id=failing_id, reason="LLM unavailable"), owner.org_id
    )

    async def failed():
        b = (await client.get(f"/briefs/{failing_id}", headers=owner.headers)).json()
        assert b["status"] == "failed" and b["failure_reason"] == "LLM unavailable"
        return True

    await eventually(failed)

    bad = dict(brief_request, end_date="2026-11-01")
    problem(
        await client.post(f"/projects/{project_id}/briefs", headers=owner.headers, json=bad),
        422,
        field="/end_date",
    )
    bad = dict(brief_request, goal="fame")
    problem(
        await client.post(f"/projects/{project_id}/briefs", headers=owner.headers, json=bad),
        422,
        field="/goal",
    )
    bad = dict(brief_request, budget={"amount": "10.001", "currency": "EUR", "period": "daily"})
    problem(
        await client.post(f"/projects/{project_id}/briefs", headers=owner.headers, json=bad),
        422,
        field="/budget/amount",
    )
    bad = dict(brief_request, platforms=["google_ads", "tiktok"])
    problem(
        await client.post(f"/projects/{project_id}/briefs", headers=owner.headers, json=bad),
        422,
        field="/platforms/1",
    )
    problem(
        await client.post(f"/projects/{uuid.uuid4()}/briefs", headers=owner.headers, json=brief_request), 404
    )


async def test_editing_a_strategy_creates_a_version_checked_against_platform_limits(
    client, signup, scenario, jetstream, problem
):
    owner = await signup()
    seeded = await scenario.strategy(owner)
    strategy_id = seeded["strategy_id"]
    headline_path = "/google_ads/campaigns/0/ad_groups/0/ads/0/headlines/0"
    campaigns = seeded["strategy"].model_dump(mode="json")["google_ads"]["campaigns"]
    campaigns[0]["ad_groups"][0]["ads"][0]["headlines"][0] = "Trail Shoes That Grip"
    async with EventProbe.watching(jetstream, "zamc.strategy.>") as probe:
        edited = await client.patch(
            f"/strategies/{strategy_id}",
            headers={**owner.headers, "If-Match": '"1"'},
            json={"rationale": "City runners first", "google_ads": {"campaigns": campaigns}},
        )
        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert body["version"] == 2 and body["current_version"] == 2
        assert body["strategy"]["rationale"] == "City runners first"
        assert body["strategy"]["google_ads"]["campaigns"][0]["ad_groups"][0]["ads"][0]["headlines"][0] == (
            "Trail Shoes That Grip"
        )
        assert [(v["version"], v["source"]) for v in body["versions"]] == [(1, "generated"), (2, "revised")]
        [revised] = await probe.wait_for("zamc.strategy.revised.v1")
        assert revised.data.strategy.version == 2 and revised.data.revised_by == owner.user_id
        assert revised.data.strategy.rationale == "City runners first"
        assert revised.tenant_id == owner.org_id

        too_long = [dict(c) for c in campaigns]
        too_long[0]["ad_groups"][0]["ads"][0]["headlines"][0] = "H" * 31
        refused = await client.patch(
            f"/strategies/{strategy_id}", headers=owner.headers, json={"google_ads": {"campaigns": too_long}}
        )
        error = problem(refused, 422, field=headline_path)["errors"][0]
        assert error["limit"] == 30 and error["actual"] == 31 and error["rule"] == "google.headline.length"
        problem(
            await client.patch(
                f"/strategies/{strategy_id}", headers=owner.headers, json={"daily_budget_micros": -5}
            ),
            422,
            field="/daily_budget_micros",
        )
        problem(
            await client.patch(f"/strategies/{strategy_id}", headers=owner.headers, json={"version": 1}), 409
        )
        problem(
            await client.patch(
                f"/strategies/{strategy_id}", headers=owner.headers, json={"project_id": str(uuid.uuid4())}
            ),
            422,
            field="/project_id",
        )
        problem(
            await client.patch(
                f"/strategies/{strategy_id}", headers=owner.headers, json={"unknown_field": 1}
            ),
            422,
            field="/unknown_field",
        )
        # the whole document as read, edited, is a valid patch too
        whole = (await client.get(f"/strategies/{strategy_id}", headers=owner.headers)).json()["strategy"]
        whole["objective"] = "sales from city runners"
        again = await client.patch(f"/strategies/{strategy_id}", headers=owner.headers, json=whole)
        assert again.status_code == 200 and again.json()["version"] == 3, again.text
        stale = await client.patch(
            f"/strategies/{strategy_id}",
            headers={**owner.headers, "If-Match": '"1"'},
            json={"rationale": "x"},
        )
        problem(stale, 409)
        current = (await client.get(f"/strategies/{strategy_id}", headers=owner.headers)).json()
        assert current["current_version"] == 3
        old = (await client.get(f"/strategies/{strategy_id}?version=1", headers=owner.headers)).json()
        assert old["version"] == 1 and old["strategy"]["rationale"] == ""
        await probe.wait_for("zamc.strategy.revised.v1", count=2)
        assert [e.data.strategy.version for e in probe.of("zamc.strategy.revised.v1")] == [2, 3]


async def test_approval_and_deployment_of_the_approved_version(
    client, signup, scenario, jetstream, eventually, problem, gateway
):
    owner = await signup()
    await scenario.link(owner, "google_ads")
    seeded = await scenario.strategy(owner)
    strategy_id = seeded["strategy_id"]
    target = {"targets": [{"platform": "google_ads", "account_external_id": "1234567890"}]}
    problem(
        await client.post(f"/strategies/{strategy_id}/deployments", headers=owner.headers, json=target), 409
    )
    async with EventProbe.watching(jetstream, "zamc.strategy.approved.v1", "zamc.campaign.>") as probe:
        problem(
            await client.post(
                f"/strategies/{strategy_id}/approve", headers=owner.headers, json={"version": 2}
            ),
            409,
        )
        approved = await client.post(f"/strategies/{strategy_id}/approve", headers=owner.headers)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        assert approved.json()["approved_version"] == 1
        again = await client.post(f"/strategies/{strategy_id}/approve", headers=owner.headers)
        assert again.status_code == 200
        [event] = await probe.wait_for("zamc.strategy.approved.v1")
        assert event.data.strategy_id == strategy_id and event.data.version == 1
        assert event.data.approved_by == owner.user_id

        # an edit after approval: the approved version (1) is still what gets deployed
        edited = await client.patch(
            f"/strategies/{strategy_id}", headers=owner.headers, json={"rationale": "v2"}
        )
        assert edited.json()["status"] == "draft" and edited.json()["approved_version"] == 1

        problem(
            await client.post(
                f"/strategies/{strategy_id}/deployments",
                headers=owner.headers,
                json={"targets": [{"platform": "google_ads", "account_external_id": "999"}]},
            ),
            422,
            field="/targets/0/account_external_id",
        )
        problem(
            await client.post(
                f"/strategies/{strategy_id}/deployments",
                headers=owner.headers,
                json={"targets": [{"platform": "meta", "account_external_id": "act_1"}]},
            ),
            422,
            field="/targets/0/account_external_id",
        )
        problem(
            await client.post(
                f"/strategies/{strategy_id}/deployments", headers=owner.headers, json={"targets": []}
            ),
            422,
            field="/targets",
        )
        accepted = await client.post(
            f"/strategies/{strategy_id}/deployments", headers=owner.headers, json=target
        )
        assert accepted.status_code == 202 and accepted.json()["status"] == "pending"
        deployment_id = uuid.UUID(accepted.json()["id"])
        [requested] = await probe.wait_for("zamc.campaign.deploy_requested.v1")
        assert len(probe.of("zamc.strategy.approved.v1")) == 1  # approving twice published once
    assert requested.tenant_id == owner.org_id and requested.data.deployment_id == deployment_id
    assert requested.data.strategy == seeded["strategy"]  # version 1, not the later edit
    assert [t.model_dump() for t in requested.data.targets] == [
        {"platform": "google_ads", "account_external_id": "1234567890"}
    ]
    assert requested.data.requested_by == owner.user_id

    deployment = (await client.get(f"/deployments/{deployment_id}", headers=owner.headers)).json()
    assert deployment["status"] == "pending" and deployment["strategy_version"] == 1
    assert deployment["targets"] == [
        {
            "platform": "google_ads",
            "account_external_id": "1234567890",
            "status": "pending",
            "platform_campaign_ids": [],
            "error": None,
        }
    ]

    campaign_row = await scenario.deployed(owner, deployment_id, campaign_id="5550001")
    assert campaign_row["name"] == "Trail shoes – Search" and campaign_row["status"] == "PAUSED"
    assert campaign_row["daily_budget_micros"] == 60_000_000 and campaign_row["currency"] == "EUR"
    assert campaign_row["project_id"] == str(seeded["project_id"])
    running = (await client.get(f"/deployments/{deployment_id}", headers=owner.headers)).json()
    assert running["status"] == "running"
    assert running["targets"][0]["status"] == "succeeded"
    assert running["targets"][0]["platform_campaign_ids"] == ["5550001"]

    await scenario.publish(
        campaign.DeploymentCompleted(
            deployment_id=deployment_id,
            strategy_id=strategy_id,
            status="succeeded",
            targets=[
                campaign.TargetOutcome(
                    platform="google_ads",
                    account_external_id="1234567890",
                    status="succeeded",
                    platform_campaign_ids=["5550001"],
                )
            ],
        ),
        owner.org_id,
    )
    await scenario.publish(
        campaign.CampaignChanged(
            change_id=uuid.uuid4(),
            deployment_id=deployment_id,
            platform="google_ads",
            account_external_id="1234567890",
            change="launch",
            platform_campaign_ids=["5550001"],
        ),
        owner.org_id,
    )

    async def launched():
        d = (await client.get(f"/deployments/{deployment_id}", headers=owner.headers)).json()
        c = (await client.get(f"/campaigns/{campaign_row['id']}", headers=owner.headers)).json()
        assert d["status"] == "succeeded" and d["completed_at"] is not None and c["status"] == "ENABLED"
        return True

    await eventually(launched)
    listed = (await client.get(f"/strategies/{strategy_id}/deployments", headers=owner.headers)).json()
    assert [d["id"] for d in listed] == [str(deployment_id)]

    # the mapping analytics uses: platform campaign id -> organization and project
    async with gateway.sessions() as session:
        found = await platform_campaign_owner(session, platform="google_ads", platform_campaign_id="5550001")
        assert await platform_campaign_owner(session, platform="meta", platform_campaign_id="5550001") is None
    assert (found.organization_id, found.project_id) == (owner.org_id, seeded["project_id"])
    assert (found.deployment_id, str(found.campaign_id)) == (deployment_id, campaign_row["id"])

    exported = (await client.get("http://testserver/metrics")).text
    assert 'zamc_deployments_total{status="succeeded"}' in exported
    assert "zamc_briefs_submitted_total" in exported
    assert 'route="/api/v1/strategies/{strategy_id}/deployments"' in exported
    assert (
        'zamc_http_request_seconds_bucket{le="0.005",method="GET",route="/api/v1/deployments/{deployment_id}"}'
        in exported
    )


async def test_a_failed_deployment_shows_the_platform_error(client, signup, scenario, eventually):
    owner = await signup()
    await scenario.link(owner, "meta")
    seeded = await scenario.strategy(owner)
    deployment_id = await scenario.deployment(owner, seeded["strategy_id"], platform="meta")
    error = PlatformError(
        code="1885621", message="Budget set on both campaign and ad set", field="daily_budget"
    )
    await scenario.publish(
        campaign.CampaignDeployFailed(
            deployment_id=deployment_id, platform="meta", account_external_id="act_100200300", error=error
        ),
        owner.org_id,
    )

    async def target_failed():
        d = (await client.get(f"/deployments/{deployment_id}", headers=owner.headers)).json()
        assert d["status"] == "running" and d["targets"][0]["status"] == "failed"
        assert d["targets"][0]["error"]["code"] == "1885621"
        return True

    await eventually(target_failed)
    await scenario.publish(
        campaign.DeploymentCompleted(
            deployment_id=deployment_id,
            strategy_id=seeded["strategy_id"],
            status="failed",
            targets=[
                campaign.TargetOutcome(
                    platform="meta", account_external_id="act_100200300", status="failed", error=error
                )
            ],
        ),
        owner.org_id,
    )

    async def failed():
        d = (await client.get(f"/deployments/{deployment_id}", headers=owner.headers)).json()
        assert d["status"] == "failed" and d["targets"][0]["error"]["message"].startswith("Budget set")
        return True

    await eventually(failed)


async def test_pausing_resuming_and_budget_changes_are_commands_to_the_connector(
    client, signup, scenario, jetstream, eventually, problem
):
    owner = await signup()
    await scenario.link(owner, "google_ads")
    seeded = await scenario.strategy(owner)
    deployment_id = await scenario.deployment(owner, seeded["strategy_id"])
    row = await scenario.deployed(owner, deployment_id, campaign_id="777")
    other_project = await scenario.project(owner)
    by_project = (
        await client.get(f"/campaigns?project_id={seeded['project_id']}", headers=owner.headers)
    ).json()
    assert [c["id"] for c in by_project] == [row["id"]]
    assert (await client.get(f"/campaigns?project_id={other_project}", headers=owner.headers)).json() == []

    async with EventProbe.watching(jetstream, "zamc.google_ads.>") as probe:
        paused = await client.post(f"/campaigns/{row['id']}/pause", headers=owner.headers)
        assert paused.status_code == 202
        [pause] = await probe.wait_for("zamc.google_ads.status_update_requested.v1")
        assert pause.data.change_id == uuid.UUID(paused.json()["change_id"])
        assert pause.data.platform_object_id == "777" and pause.data.status == "PAUSED"
        assert pause.data.account_external_id == "1234567890" and pause.data.deployment_id == deployment_id
        assert pause.tenant_id == owner.org_id

        resumed = await client.post(f"/campaigns/{row['id']}/resume", headers=owner.headers)
        await probe.wait_for("zamc.google_ads.status_update_requested.v1", lambda d: d.status == "ENABLED")

        budget = await client.patch(
            f"/campaigns/{row['id']}", headers=owner.headers, json={"daily_budget": "25.50"}
        )
        assert budget.status_code == 202
        [change] = await probe.wait_for("zamc.google_ads.budget_update_requested.v1")
        assert change.data.daily_budget_micros == 25_500_000 and change.data.platform_campaign_id == "777"

        problem(
            await client.patch(
                f"/campaigns/{row['id']}", headers=owner.headers, json={"daily_budget": "0.5"}
            ),
            422,
            field="/daily_budget",
        )
        problem(
            await client.patch(
                f"/campaigns/{row['id']}", headers=owner.headers, json={"daily_budget": "2.005"}
            ),
            422,
            field="/daily_budget",
        )
        problem(
            await client.patch(f"/campaigns/{row['id']}", headers=owner.headers, json={}),
            422,
            field="/daily_budget",
        )
        assert len(probe.of("zamc.google_ads.budget_update_requested.v1")) == 1

    pending = (await client.get(f"/campaigns/{row['id']}", headers=owner.headers)).json()["pending_changes"]
    assert [c["kind"] for c in pending] == ["status", "status", "budget"]

    await scenario.publish(
        campaign.CampaignChanged(
            change_id=uuid.UUID(budget.json()["change_id"]),
            deployment_id=deployment_id,
            platform="google_ads",
            account_external_id="1234567890",
            change="budget",
            platform_campaign_ids=["777"],
            daily_budget_micros=25_500_000,
        ),
        owner.org_id,
    )
    await scenario.publish(
        campaign.CampaignChangeFailed(
            change_id=uuid.UUID(resumed.json()["change_id"]),
            deployment_id=deployment_id,
            platform="google_ads",
            account_external_id="1234567890",
            change="status",
            error=PlatformError(code="CAMPAIGN_ERROR", message="Campaign is removed"),
        ),
        owner.org_id,
    )

    async def applied():
        c = (await client.get(f"/campaigns/{row['id']}", headers=owner.headers)).json()
        assert c["daily_budget_micros"] == 25_500_000 and c["daily_budget"] == "25.5"
        assert (c["last_error"] or {}).get("message") == "Campaign is removed"
        assert [p["kind"] for p in c["pending_changes"]] == ["status"]
        return True

    await eventually(applied)

    # an applied recommendation moved the campaign's bid target (the strategy deployed it bidding
    # to maximise conversions); then the platform refused the next move
    before = (await client.get(f"/campaigns/{row['id']}", headers=owner.headers)).json()["bidding"]
    assert before["strategy"] and "target_cpa_micros" not in before
    bid = {"deployment_id": deployment_id, "platform": "google_ads", "account_external_id": "1234567890"}
    await scenario.publish(
        campaign.CampaignBidTargetChanged(
            change_id=uuid.uuid4(), **bid, platform_campaign_id="777", target_cpa_micros=12_340_000
        ),
        owner.org_id,
    )
    await scenario.publish(
        campaign.CampaignBidTargetChangeFailed(
            change_id=uuid.uuid4(),
            **bid,
            platform_campaign_id="777",
            error=PlatformError(
                code="BIDDING_STRATEGY_MISMATCH", message="Campaign 777 bids with Manual CPC"
            ),
        ),
        owner.org_id,
    )

    async def bid_target_shown():
        c = (await client.get(f"/campaigns/{row['id']}", headers=owner.headers)).json()
        assert c["bidding"] == {**before, "target_cpa_micros": 12_340_000}
        assert c["last_error"]["code"] == "BIDDING_STRATEGY_MISMATCH"
        assert c["last_error"]["change"] == "bid_target"
        return True

    await eventually(bid_target_shown)

    await scenario.publish(
        campaign.CampaignChanged(
            change_id=uuid.uuid4(),
            deployment_id=deployment_id,
            platform="google_ads",
            account_external_id="1234567890",
            change="rollback",
            platform_campaign_ids=["777"],
        ),
        owner.org_id,
    )

    async def removed():
        c = (await client.get(f"/campaigns/{row['id']}", headers=owner.headers)).json()
        assert c["status"] == "REMOVED"
        return True

    await eventually(removed)
    problem(await client.post(f"/campaigns/{row['id']}/pause", headers=owner.headers), 409)
    problem(
        await client.patch(f"/campaigns/{row['id']}", headers=owner.headers, json={"daily_budget": 5}), 409
    )
