"""Tenant isolation: another organization's IDs on every read and write path — nothing leaks,
nothing changes, nothing is published."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from zamc_events.runtime.tables import event_tables

pytestmark = pytest.mark.service


async def _outbox_size(gateway) -> int:
    async with gateway.sessions() as session:
        return (
            await session.execute(select(func.count()).select_from(event_tables("gateway").outbox))
        ).scalar_one()


async def _world(client, scenario, account) -> dict:
    """One organization with one of everything."""
    connection_id = await scenario.link(account, "google_ads")
    seeded = await scenario.strategy(account)
    deployment_id = await scenario.deployment(account, seeded["strategy_id"])
    campaign = await scenario.deployed(account, deployment_id)
    key = (
        await client.post("/api-keys", headers=account.headers, json={"name": "k", "scope": "write"})
    ).json()
    return {
        "org": account.org_id,
        "user": account.user_id,
        "connection": connection_id,
        "project": seeded["project_id"],
        "brief": seeded["brief_id"],
        "strategy": seeded["strategy_id"],
        "deployment": deployment_id,
        "campaign": uuid.UUID(campaign["id"]),
        "api_key": uuid.UUID(key["id"]),
        "api_key_secret": key["key"],
    }


async def _snapshot(client, account, world) -> dict:
    h = account.headers
    paths = [
        "/me",
        "/projects",
        f"/projects/{world['project']}",
        f"/projects/{world['project']}/briefs",
        f"/briefs/{world['brief']}",
        f"/strategies/{world['strategy']}",
        f"/strategies/{world['strategy']}/deployments",
        f"/deployments/{world['deployment']}",
        "/campaigns",
        f"/campaigns/{world['campaign']}",
        "/platform-connections",
        "/api-keys",
        f"/organizations/{world['org']}/members",
    ]
    out = {}
    for path in paths:
        response = await client.get(path, headers=h)
        assert response.status_code == 200, (path, response.text)
        out[path] = response.json()
    return out


async def test_nothing_of_one_organization_is_reachable_from_another(
    client, signup, scenario, gateway, problem
):
    alice, bob = await signup(organization="Alice Co"), await signup(organization="Bob Co")
    a = await _world(client, scenario, alice)
    b = await _world(client, scenario, bob)
    before = await _snapshot(client, alice, a)
    outbox_before = await _outbox_size(gateway)
    as_bob = bob.headers
    as_bob_key = {"Authorization": f"Bearer {b['api_key_secret']}"}

    reads = [
        f"/projects/{a['project']}",
        f"/projects/{a['project']}/briefs",
        f"/briefs/{a['brief']}",
        f"/strategies/{a['strategy']}",
        f"/strategies/{a['strategy']}?version=1",
        f"/strategies/{a['strategy']}/deployments",
        f"/deployments/{a['deployment']}",
        f"/campaigns/{a['campaign']}",
        f"/campaigns?project_id={a['project']}",
        f"/organizations/{a['org']}/members",
    ]
    brief = {
        "product": "p",
        "audience": "a",
        "goal": "sales",
        "budget": {"amount": "10", "currency": "EUR", "period": "daily"},
        "start_date": "2026-12-01",
        "platforms": ["google_ads"],
        "locations": ["DE"],
        "languages": ["de"],
        "landing_page_url": "https://x.example",
    }
    writes = [
        ("PATCH", f"/projects/{a['project']}", {"name": "taken over"}),
        ("DELETE", f"/projects/{a['project']}", None),
        ("POST", f"/projects/{a['project']}/briefs", brief),
        ("PATCH", f"/strategies/{a['strategy']}", {"rationale": "taken over"}),
        ("POST", f"/strategies/{a['strategy']}/approve", None),
        (
            "POST",
            f"/strategies/{a['strategy']}/deployments",
            {"targets": [{"platform": "google_ads", "account_external_id": "1234567890"}]},
        ),
        ("POST", f"/campaigns/{a['campaign']}/pause", None),
        ("POST", f"/campaigns/{a['campaign']}/resume", None),
        ("PATCH", f"/campaigns/{a['campaign']}", {"daily_budget": "99"}),
        ("DELETE", f"/platform-connections/{a['connection']}", None),
        ("DELETE", f"/api-keys/{a['api_key']}", None),
        ("POST", f"/organizations/{a['org']}/members", {"email": "bob-friend@example.com", "role": "owner"}),
        ("DELETE", f"/organizations/{a['org']}/members/{a['user']}", None),
    ]
    for headers in (as_bob, as_bob_key):
        for path in reads:
            problem(await client.get(path, headers=headers), 404)
        for method, path, body in writes:
            response = await client.request(method, path, headers=headers, json=body)
            # a write key may not manage keys, connections or members at all: 403 before any lookup
            assert response.status_code in ((404, 403) if headers is as_bob_key else (404,)), (method, path)
            problem(response, response.status_code)

    # Bob's own lists show only Bob's things
    listed = {
        "/projects": [p["id"] for p in (await client.get("/projects", headers=as_bob)).json()],
        "/campaigns": [c["id"] for c in (await client.get("/campaigns", headers=as_bob)).json()],
        "/platform-connections": [
            c["id"] for c in (await client.get("/platform-connections", headers=as_bob)).json()
        ],
        "/api-keys": [k["id"] for k in (await client.get("/api-keys", headers=as_bob)).json()],
    }
    assert listed == {
        "/projects": [str(b["project"])],
        "/campaigns": [str(b["campaign"])],
        "/platform-connections": [str(b["connection"])],
        "/api-keys": [str(b["api_key"])],
    }
    me = (await client.get("/me", headers=as_bob)).json()
    assert [o["id"] for o in me["organizations"]] == [str(b["org"])]

    # nothing of Alice's changed and nothing was published on her behalf
    assert await _snapshot(client, alice, a) == before
    assert await _outbox_size(gateway) == outbox_before
