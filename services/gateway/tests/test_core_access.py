"""Roles, API key scopes, organizations, and the HTTP hardening: 403/404/409/413/422, headers, CORS."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from zamc_gateway.adapters.db import api_keys

pytestmark = pytest.mark.service


@pytest.fixture
def gateway_overrides():
    # remember credentials for long: revocations must still take effect at once in this process
    return {"principal_cache_seconds": 300}


async def _join(client, owner, role: str, signup):
    """A user of their own who is also `role` in the owner's organization (acting there by header)."""
    user = await signup()
    added = await client.post(
        f"/organizations/{owner.org_id}/members",
        headers=owner.headers,
        json={"email": user.email, "role": role},
    )
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "active" and added.json()["role"] == role
    user.extra_headers["X-Organization-Id"] = str(owner.org_id)
    return user


async def test_each_role_may_do_exactly_what_the_policy_allows(client, signup, scenario, problem):
    owner = await signup()
    await scenario.link(owner, "google_ads")
    seeded = await scenario.strategy(owner)
    project_id, strategy_id = seeded["project_id"], seeded["strategy_id"]
    viewer = await _join(client, owner, "viewer", signup)
    member = await _join(client, owner, "member", signup)
    admin = await _join(client, owner, "admin", signup)

    # viewers read everything and change nothing
    assert (await client.get("/projects", headers=viewer.headers)).status_code == 200
    assert (await client.get(f"/strategies/{strategy_id}", headers=viewer.headers)).status_code == 200
    assert (
        await client.get(f"/organizations/{owner.org_id}/members", headers=viewer.headers)
    ).status_code == 200
    assert (await client.get("/platform-connections", headers=viewer.headers)).status_code == 200
    for method, path, body in [
        ("POST", "/projects", {"name": "x", "business": {"name": "y"}}),
        ("PATCH", f"/projects/{project_id}", {"name": "x"}),
        ("DELETE", f"/projects/{project_id}", None),
        ("POST", f"/projects/{project_id}/briefs", {}),
        ("PATCH", f"/strategies/{strategy_id}", {"rationale": "x"}),
        ("POST", f"/strategies/{strategy_id}/approve", None),
        ("POST", f"/strategies/{strategy_id}/deployments", {"targets": []}),
        ("POST", f"/campaigns/{uuid.uuid4()}/pause", None),
        ("POST", "/platform-connections", {"platform": "meta"}),
        ("GET", "/api-keys", None),
        ("POST", f"/organizations/{owner.org_id}/members", {"email": "a@example.com", "role": "viewer"}),
    ]:
        response = await client.request(method, path, headers=viewer.headers, json=body)
        assert "viewer" in problem(response, 403)["detail"], (method, path)

    # members change resources, but not people, keys or connections
    created = await client.post(
        "/projects", headers=member.headers, json={"name": "M", "business": {"name": "M"}}
    )
    assert created.status_code == 201
    for method, path, body in [
        ("POST", "/api-keys", {"name": "k"}),
        ("POST", "/platform-connections", {"platform": "meta"}),
        ("DELETE", f"/platform-connections/{uuid.uuid4()}", None),
        ("POST", f"/organizations/{owner.org_id}/members", {"email": "b@example.com", "role": "viewer"}),
        ("DELETE", f"/organizations/{owner.org_id}/members/{viewer.user_id}", None),
    ]:
        problem(await client.request(method, path, headers=member.headers, json=body), 403)

    # admins manage keys, connections and members, but do not make or remove owners
    assert (await client.post("/api-keys", headers=admin.headers, json={"name": "ci"})).status_code == 201
    assert (
        await client.post("/platform-connections", headers=admin.headers, json={"platform": "meta"})
    ).status_code == 201
    problem(
        await client.post(
            f"/organizations/{owner.org_id}/members",
            headers=admin.headers,
            json={"email": "c@example.com", "role": "owner"},
        ),
        403,
    )
    problem(
        await client.delete(f"/organizations/{owner.org_id}/members/{owner.user_id}", headers=admin.headers),
        403,
    )
    removed = await client.delete(
        f"/organizations/{owner.org_id}/members/{viewer.user_id}", headers=admin.headers
    )
    assert removed.status_code == 204
    problem(await client.get("/projects", headers=viewer.headers), 403)  # no longer a member

    # owners: adding someone twice conflicts, the last owner stays
    problem(
        await client.post(
            f"/organizations/{owner.org_id}/members",
            headers=owner.headers,
            json={"email": member.email, "role": "viewer"},
        ),
        409,
    )
    problem(
        await client.delete(f"/organizations/{owner.org_id}/members/{owner.user_id}", headers=owner.headers),
        409,
    )
    problem(
        await client.delete(f"/organizations/{owner.org_id}/members/{uuid.uuid4()}", headers=owner.headers),
        404,
    )
    members = (await client.get(f"/organizations/{owner.org_id}/members", headers=owner.headers)).json()
    assert sorted(m["role"] for m in members) == ["admin", "member", "owner"]


async def test_the_organization_is_chosen_by_path_or_header_and_must_be_the_callers(client, signup, problem):
    first = await signup(organization="First")
    second = await signup(organization="Second")
    problem(await client.get(f"/organizations/{second.org_id}/members", headers=first.headers), 404)
    problem(
        await client.get("/projects", headers={**first.headers, "X-Organization-Id": str(second.org_id)}), 403
    )
    problem(
        await client.get("/projects", headers={**first.headers, "X-Organization-Id": "not-a-uuid"}),
        422,
        field="X-Organization-Id",
    )
    explicit = await client.get(
        "/projects", headers={**first.headers, "X-Organization-Id": str(first.org_id)}
    )
    assert explicit.status_code == 200


async def test_api_keys_are_shown_once_stored_hashed_scoped_and_revocable(client, signup, gateway, problem):
    owner = await signup()
    read = await client.post("/api-keys", headers=owner.headers, json={"name": "dashboard", "scope": "read"})
    write = await client.post("/api-keys", headers=owner.headers, json={"name": "ci", "scope": "write"})
    assert read.status_code == write.status_code == 201
    read_key, write_key = read.json()["key"], write.json()["key"]
    assert read_key.startswith("zamc_") and len(read_key) > 40
    assert read.json()["prefix"] == read_key[:11]

    listed = (await client.get("/api-keys", headers=owner.headers)).json()
    assert [(k["name"], k["scope"]) for k in listed] == [("dashboard", "read"), ("ci", "write")]
    assert all("key" not in k for k in listed)
    async with gateway.sessions() as session:
        stored = (await session.execute(select(api_keys.c.key_hash, api_keys.c.prefix))).all()
    assert all(read_key not in (h, p) and write_key not in (h, p) for h, p in stored)
    assert all(len(h) == 64 for h, _ in stored)

    as_read = {"Authorization": f"Bearer {read_key}"}
    as_write = {"Authorization": f"Bearer {write_key}"}
    me = (await client.get("/me", headers=as_read)).json()
    assert me["kind"] == "api_key" and me["api_key"]["scope"] == "read"
    assert me["organizations"] == [{"id": str(owner.org_id), "name": "Acme", "role": "viewer"}]
    assert (await client.get("/projects", headers=as_read)).status_code == 200
    project = {"name": "By key", "business": {"name": "Acme"}}
    problem(await client.post("/projects", headers=as_read, json=project), 403)
    assert (await client.post("/projects", headers=as_write, json=project)).status_code == 201
    problem(await client.post("/api-keys", headers=as_write, json={"name": "more"}), 403)
    problem(await client.post("/platform-connections", headers=as_write, json={"platform": "meta"}), 403)
    other = await signup()
    problem(await client.get("/projects", headers={**as_read, "X-Organization-Id": str(other.org_id)}), 403)
    problem(await client.delete(f"/api-keys/{read.json()['id']}", headers=other.headers), 404)

    assert (await client.delete(f"/api-keys/{read.json()['id']}", headers=owner.headers)).status_code == 204
    problem(await client.get("/projects", headers=as_read), 401)
    assert (await client.get("/projects", headers=as_write)).status_code == 200
    revoked = [k for k in (await client.get("/api-keys", headers=owner.headers)).json() if k["revoked_at"]]
    assert [k["name"] for k in revoked] == ["dashboard"]


@pytest.mark.parametrize("gateway_overrides", [{"max_body_bytes": 2048}])
async def test_bodies_above_the_limit_are_413(client, signup, problem):
    owner = await signup()
    big = {"name": "x", "business": {"name": "y", "description": "z" * 3000}}
    problem(await client.post("/projects", headers=owner.headers, json=big), 413)

    async def chunks():
        for _ in range(10):
            yield b" " * 500

    chunked = await client.post(
        "/projects", headers={**owner.headers, "Content-Type": "application/json"}, content=chunks()
    )
    problem(chunked, 413)
    assert (
        await client.post("/projects", headers=owner.headers, json={"name": "x", "business": {"name": "y"}})
    ).status_code == 201


async def test_string_lengths_and_types_are_422_with_the_field(client, signup, problem):
    owner = await signup()
    long_description = {"name": "x", "business": {"name": "y", "description": "z" * 5001}}
    body = problem(
        await client.post("/projects", headers=owner.headers, json=long_description),
        422,
        field="/business/description",
    )
    assert body["errors"][0]["in"] == "body"
    problem(
        await client.post(
            "/projects", headers={**owner.headers, "Content-Type": "application/json"}, content=b"{nope"
        ),
        422,
    )
    problem(await client.get("/projects/not-a-uuid", headers=owner.headers), 422, field="project_id")
    problem(await client.get("/campaigns?project_id=nope", headers=owner.headers), 422, field="project_id")


async def test_errors_are_problem_json_and_responses_carry_security_headers(client, signup, problem):
    problem(await client.get("/nothing-here"), 404)
    response = await client.get("/me")
    problem(response, 401)
    for header, value in {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
    }.items():
        assert response.headers[header] == value
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers
    docs = await client.get("http://testserver/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    spec = (await client.get("http://testserver/openapi.json")).json()
    assert "/api/v1/projects" in spec["paths"]


@pytest.mark.parametrize("gateway_overrides", [{"cors_origins": ["https://app.zamc.test"], "hsts": True}])
async def test_cors_allows_only_configured_origins(client):
    preflight = await client.options(
        "/projects",
        headers={
            "Origin": "https://app.zamc.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.zamc.test"
    assert preflight.headers["strict-transport-security"].startswith("max-age=")
    foreign = await client.get("/me", headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in foreign.headers
    allowed = await client.get("/me", headers={"Origin": "https://app.zamc.test"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.zamc.test"
    assert "Retry-After" in allowed.headers["access-control-expose-headers"]


# rate limits ------------------------------------------------------------------------------------
LONG_WINDOW = 3600  # one fixed window for the whole test


@pytest.mark.parametrize(
    "gateway_overrides",
    [
        {
            "cors_origins": ["https://app.zamc.test"],
            "rate_limit_per_ip": 2,
            "rate_limit_window_seconds": LONG_WINDOW,
        }
    ],
)
async def test_a_browser_can_read_the_per_ip_429_and_preflights_are_not_counted(client, problem):
    origin = {"Origin": "https://app.zamc.test"}
    preflight = {**origin, "Access-Control-Request-Method": "GET"}
    for _ in range(3):  # preflights are answered by CORS and never counted
        assert (await client.options("/me", headers=preflight)).status_code == 200
    for _ in range(2):
        assert (await client.get("/me", headers=origin)).status_code == 401
    limited = await client.get("/me", headers=origin)
    body = problem(limited, 429)
    assert "ip" in body["detail"] and body["instance"] == "/api/v1/me"
    assert limited.headers["access-control-allow-origin"] == "https://app.zamc.test"
    assert int(limited.headers["retry-after"]) >= 1 and limited.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "gateway_overrides", [{"rate_limit_per_principal": 5, "rate_limit_window_seconds": LONG_WINDOW}]
)
async def test_rate_limit_per_principal_is_429_with_retry_after(client, signup, problem):
    first, second = await signup(), await signup()
    for _ in range(5):
        assert (await client.get("/me", headers=first.headers)).status_code == 200
    limited = await client.get("/me", headers=first.headers)
    body = problem(limited, 429)
    assert "principal" in body["detail"]
    assert 1 <= int(limited.headers["retry-after"]) <= LONG_WINDOW
    assert (await client.get("/me", headers=second.headers)).status_code == 200  # someone else is fine
    key = (await client.post("/api-keys", headers=second.headers, json={"name": "k"})).json()["key"]
    for _ in range(5):
        assert (await client.get("/projects", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    problem(await client.get("/projects", headers={"Authorization": f"Bearer {key}"}), 429)


@pytest.mark.parametrize(
    "gateway_overrides", [{"rate_limit_per_ip": 6, "rate_limit_window_seconds": LONG_WINDOW}]
)
async def test_rate_limit_per_ip_counts_every_caller_from_that_address(gateway, client, signup, problem):
    a, b = await signup(), await signup()  # 2 requests
    for account in (a, b, a, b):
        assert (await client.get("/me", headers=account.headers)).status_code == 200
    problem(await client.get("/me", headers=a.headers), 429)
    problem(await client.post("/auth/login", json={"email": a.email, "password": a.password}), 429)
    transport = httpx.ASGITransport(app=gateway.build_http_app(), client=("10.9.8.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as elsewhere:
        assert (await elsewhere.get("/me", headers=a.headers)).status_code == 200


GRAPHQL = "http://testserver/graphql"
PROJECTS_QUERY = {"query": "{ projects { id } }"}


@pytest.mark.parametrize(
    "gateway_overrides", [{"rate_limit_per_ip": 4, "rate_limit_window_seconds": LONG_WINDOW}]
)
async def test_graphql_shares_the_per_ip_limit_of_the_rest_api(client, signup, problem):
    account = await signup()  # 1
    for _ in range(3):
        answer = await client.post(GRAPHQL, json=PROJECTS_QUERY, headers=account.headers)
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    limited = await client.post(GRAPHQL, json=PROJECTS_QUERY, headers=account.headers)
    body = problem(limited, 429)
    assert "ip" in body["detail"] and int(limited.headers["retry-after"]) >= 1
    problem(await client.get("/me", headers=account.headers), 429)


@pytest.mark.parametrize(
    "gateway_overrides", [{"rate_limit_per_principal": 3, "rate_limit_window_seconds": LONG_WINDOW}]
)
async def test_graphql_requests_count_against_the_callers_limit_once_each(client, signup, problem):
    account, other = await signup(), await signup()
    assert (await client.get("/me", headers=account.headers)).status_code == 200  # 1
    for _ in range(2):  # 2, 3: a GraphQL request is counted once, though it authenticates twice
        answer = await client.post(GRAPHQL, json=PROJECTS_QUERY, headers=account.headers)
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    limited = await client.post(GRAPHQL, json=PROJECTS_QUERY, headers=account.headers)
    assert "principal" in problem(limited, 429)["detail"] and limited.headers["retry-after"]
    problem(await client.get("/me", headers=account.headers), 429)
    assert (await client.post(GRAPHQL, json=PROJECTS_QUERY, headers=other.headers)).status_code == 200
    # without a valid token the query runs and its resolvers answer 401 as GraphQL errors
    anonymous = await client.post(GRAPHQL, json=PROJECTS_QUERY, headers={"Authorization": "Bearer nope"})
    assert anonymous.status_code == 200
    assert anonymous.json()["errors"][0]["extensions"]["status"] == 401


@pytest.mark.parametrize(
    "gateway_overrides", [{"rate_limit_auth_per_ip": 3, "rate_limit_window_seconds": LONG_WINDOW}]
)
async def test_login_attempts_have_their_own_tighter_limit(client, signup, problem):
    account = await signup()  # 1
    for _ in range(2):
        await client.post("/auth/login", json={"email": account.email, "password": "wrong password"})
    limited = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    problem(limited, 429)
    assert (await client.get("/me", headers=account.headers)).status_code == 200


@pytest.mark.parametrize(
    "gateway_overrides", [{"rate_limit_per_principal": 6, "rate_limit_window_seconds": LONG_WINDOW}]
)
async def test_rate_limits_are_shared_by_replicas_through_the_key_value_bucket(
    gateway, gateway_settings, client, signup, jetstream, problem
):
    account = await signup()
    replica = gateway.build_http_app()  # a second app: its own limiter, the same bucket
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=replica), base_url="http://testserver/api/v1"
    ) as other:
        for http in (client, other, client, other, client, other):
            assert (await http.get("/me", headers=account.headers)).status_code == 200
        problem(await other.get("/me", headers=account.headers), 429)
        problem(await client.get("/me", headers=account.headers), 429)
    kv = await jetstream.key_value(gateway_settings.rate_limit_bucket)
    counters = {key: int((await kv.get(key)).value) for key in await kv.keys()}
    assert 6 in counters.values()
