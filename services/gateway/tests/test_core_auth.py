"""Identity: sign-up, login, JWT access, refresh rotation with reuse detection, logout, /me."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from zamc_events.contracts.base import utcnow
from zamc_gateway.domain.credentials import issue_access_token

pytestmark = pytest.mark.service


@pytest.fixture
def gateway_overrides():
    # remember credentials for long: revocations must still take effect at once in this process
    return {"principal_cache_seconds": 300}


async def test_signup_returns_user_organization_and_tokens_and_me_shows_them(client, signup):
    response = await client.post(
        "/auth/signup",
        json={"email": "Ada@Example.com", "password": "correct horse battery", "organization_name": "Acme"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["organization"]["name"] == "Acme" and body["organization"]["role"] == "owner"
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60 and claims["sub"] == body["user"]["id"]

    me = await client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["kind"] == "user"
    assert me.json()["user"]["email"] == "ada@example.com"
    assert [o["id"] for o in me.json()["organizations"]] == [body["organization"]["id"]]


async def test_signup_with_a_taken_email_is_409_and_bad_fields_are_422_with_the_field(
    client, signup, problem
):
    account = await signup()
    again = await client.post(
        "/auth/signup",
        json={"email": account.email.upper(), "password": "another long one", "organization_name": "B"},
    )
    problem(again, 409)
    short = await client.post(
        "/auth/signup", json={"email": "x@example.com", "password": "short", "organization_name": "B"}
    )
    body = problem(short, 422, field="/password")
    assert body["errors"][0]["pointer"] == "#/password"
    bad_email = await client.post(
        "/auth/signup", json={"email": "not-an-email", "password": "long enough pw", "organization_name": "B"}
    )
    problem(bad_email, 422, field="/email")
    too_long = await client.post(
        "/auth/signup",
        json={"email": "y@example.com", "password": "long enough pw", "organization_name": "B" * 201},
    )
    problem(too_long, 422, field="/organization_name")


async def test_login_checks_the_password(client, signup, problem):
    account = await signup()
    ok = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert ok.status_code == 200 and ok.json()["token_type"] == "bearer"
    wrong = await client.post("/auth/login", json={"email": account.email, "password": "wrong password"})
    body = problem(wrong, 401)
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    unknown = await client.post("/auth/login", json={"email": "nobody@example.com", "password": "whatever"})
    assert problem(unknown, 401)["detail"] == body["detail"]  # no hint which one was wrong


async def test_requests_without_valid_credentials_are_401(client, gateway_settings, signup, problem):
    problem(await client.get("/me"), 401)
    problem(await client.get("/me", headers={"Authorization": "Basic abc"}), 401)
    problem(await client.get("/me", headers={"Authorization": "Bearer not-a-jwt"}), 401)
    problem(await client.get("/me", headers={"Authorization": "Bearer zamc_unknownkey"}), 401)
    account = await signup()
    forged = issue_access_token(
        secret="another secret of enough length 0123456789",
        issuer=gateway_settings.jwt_issuer,
        user_id=account.user_id,
        session_id=uuid.uuid4(),
        now=utcnow(),
        lifetime=timedelta(minutes=15),
    )
    problem(await client.get("/me", headers={"Authorization": f"Bearer {forged}"}), 401)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    expired = issue_access_token(
        secret=gateway_settings.jwt_secret.get_secret_value(),
        issuer=gateway_settings.jwt_issuer,
        user_id=account.user_id,
        session_id=uuid.UUID(claims["sid"]),
        now=utcnow() - timedelta(minutes=16),
        lifetime=timedelta(minutes=15),
    )
    body = problem(await client.get("/me", headers={"Authorization": f"Bearer {expired}"}), 401)
    assert "expired" in body["detail"]


async def test_refresh_rotates_and_reusing_a_rotated_token_revokes_the_family(client, signup, problem):
    account = await signup()
    first = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != account.refresh_token
    second = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert second.status_code == 200
    latest = second.json()
    assert (
        await client.get("/me", headers={"Authorization": f"Bearer {latest['access_token']}"})
    ).status_code == 200

    # the first (rotated) token comes back: the whole family is revoked ...
    reuse = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert "revoked" in problem(reuse, 401)["detail"]
    # ... including the newest refresh token and the access tokens of that login
    problem(await client.post("/auth/refresh", json={"refresh_token": latest["refresh_token"]}), 401)
    problem(await client.get("/me", headers={"Authorization": f"Bearer {latest['access_token']}"}), 401)
    problem(await client.get("/projects", headers={"Authorization": f"Bearer {latest['access_token']}"}), 401)
    # another login of the same user is untouched
    other = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert (
        await client.get("/me", headers={"Authorization": f"Bearer {other.json()['access_token']}"})
    ).status_code == 200
    problem(await client.post("/auth/refresh", json={"refresh_token": "zrt_never-issued"}), 401)


async def test_logout_ends_the_access_and_refresh_tokens_of_the_session(client, signup, problem):
    account = await signup()
    assert (await client.get("/projects", headers=account.headers)).status_code == 200  # remembered
    response = await client.post(
        "/auth/logout", headers=account.headers, json={"refresh_token": account.refresh_token}
    )
    assert response.status_code == 204
    problem(await client.get("/me", headers=account.headers), 401)
    problem(await client.get("/projects", headers=account.headers), 401)
    problem(await client.post("/auth/refresh", json={"refresh_token": account.refresh_token}), 401)


async def test_an_invited_user_claims_the_account_at_signup_and_sees_both_organizations(client, signup):
    owner = await signup(organization="Owner Org")
    invited = await client.post(
        f"/organizations/{owner.org_id}/members",
        headers=owner.headers,
        json={"email": "newcomer@example.com", "role": "viewer"},
    )
    assert invited.status_code == 201 and invited.json()["status"] == "invited"
    newcomer = await signup(email="newcomer@example.com", organization="Own Org")
    me = (await client.get("/me", headers=newcomer.headers)).json()
    roles = {o["name"]: o["role"] for o in me["organizations"]}
    assert roles == {"Owner Org": "viewer", "Own Org": "owner"}
    members = await client.get(f"/organizations/{owner.org_id}/members", headers=newcomer.headers)
    assert {m["email"]: m["status"] for m in members.json()} == {
        owner.email: "active",
        "newcomer@example.com": "active",
    }
