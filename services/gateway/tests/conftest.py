"""Gateway service-test fixtures: the gateway runtime on real NATS + PostgreSQL and an HTTP client.

- `gateway_settings`: Settings for one test (cheap argon2, generous rate limits); override
  fields with `gateway_settings.model_copy(update=...)` before `gateway` starts via the
  `gateway_overrides` fixture (a dict) if a test needs other limits.
- `gateway`: the ServiceRuntime (migrations, relay, consumers) from `running_service`.
- `client`: httpx.AsyncClient over ASGITransport on the gateway's HTTP app, base /api/v1.
- `signup`: `await signup()` -> Account(email, password, user_id, org_id, access_token,
  refresh_token, headers) with a fresh organization it owns.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from zamc_gateway.config import Settings
from zamc_gateway.main import definition
from zamc_testing.service import running_service

BASE_URL = "http://testserver/api/v1"


@pytest.fixture
def gateway_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def gateway_settings(database_url: str, nats_url: str, gateway_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "ZAMC_DATABASE_URL": database_url,
        "ZAMC_NATS_URL": nats_url,
        "ZAMC_ENVIRONMENT": "test",
        "ZAMC_LOG_JSON": False,
        "ZAMC_LOG_LEVEL": "WARNING",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
        "rate_limit_per_ip": 100_000,
        "rate_limit_per_principal": 100_000,
        "rate_limit_auth_per_ip": 100_000,
        "consumer_backoff_seconds": [0.2, 0.5],
        "consumer_max_deliver": 3,
        "public_base_url": "http://gateway.test",
    }
    values.update(gateway_overrides)
    return Settings(**values)


@pytest.fixture
async def gateway(jetstream, gateway_settings: Settings) -> AsyncIterator[Any]:
    async with running_service(definition, gateway_settings) as runtime:
        yield runtime


@pytest.fixture
async def client(gateway) -> AsyncIterator[httpx.AsyncClient]:
    app = gateway.build_http_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        yield http


@dataclass
class Account:
    email: str
    password: str
    user_id: uuid.UUID
    org_id: uuid.UUID
    access_token: str
    refresh_token: str
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}", **self.extra_headers}


@pytest.fixture
def signup(client: httpx.AsyncClient) -> Callable[..., Awaitable[Account]]:
    async def create(
        email: str | None = None, organization: str = "Acme", password: str = "correct horse battery"
    ) -> Account:
        email = email or f"{uuid.uuid4().hex[:10]}@example.com"
        response = await client.post(
            "/auth/signup", json={"email": email, "password": password, "organization_name": organization}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Account(
            email=email,
            password=password,
            user_id=uuid.UUID(body["user"]["id"]),
            org_id=uuid.UUID(body["organization"]["id"]),
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
        )

    return create


def assert_problem(response: httpx.Response, status: int, *, field: str | None = None) -> dict[str, Any]:
    """Shared assertion, exposed as the `problem` fixture."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, f"{field!r} not among {fields}"
    return body


@pytest.fixture
def problem() -> Callable[..., dict[str, Any]]:
    return assert_problem


# scenario helpers --------------------------------------------------------------------------------
async def _eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Call `check` until it returns something truthy without raising AssertionError."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            result = await check()
            if result:
                return result
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


@pytest.fixture
def eventually() -> Callable[..., Awaitable[Any]]:
    return _eventually


GOOGLE_ACCOUNT = {
    "external_id": "1234567890",
    "name": "Acme Search",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
}
META_ACCOUNT = {
    "external_id": "act_100200300",
    "name": "Acme Social",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
}

BRIEF = {
    "product": "Trail running shoes",
    "audience": "Runners aged 25-45 in cities",
    "goal": "sales",
    "budget": {"amount": "100.00", "currency": "EUR", "period": "daily"},
    "start_date": "2026-12-01",
    "end_date": "2026-12-31",
    "platforms": ["google_ads", "meta"],
    "locations": ["DE", "AT"],
    "languages": ["de", "en"],
    "landing_page_url": "https://acme.example/trail",
}

PROJECT = {
    "name": "Trail shoes",
    "business": {
        "name": "Acme",
        "website": "https://acme.example",
        "industry": "Sporting goods",
        "description": "Outdoor gear",
    },
}


@dataclass
class Scenario:
    """Drives the gateway through its API and plays the other services' answers on NATS."""

    client: httpx.AsyncClient
    js: Any

    async def publish(self, data: Any, tenant: uuid.UUID | None = None) -> Any:
        from zamc_testing.service import publish_event

        return await publish_event(self.js, data, tenant_id=tenant)

    async def link(
        self, account: Account, platform: str = "google_ads", ad_account: dict | None = None
    ) -> uuid.UUID:
        from zamc_events.contracts import accounts
        from zamc_events.contracts.common import AdAccount

        created = await self.client.post(
            "/platform-connections", headers=account.headers, json={"platform": platform}
        )
        assert created.status_code == 201, created.text
        body = created.json()
        callback = await self.client.get(
            f"/oauth/{platform}/callback", params={"state": body["state"], "code": f"code-{uuid.uuid4().hex}"}
        )
        assert callback.status_code == 200, callback.text
        event = accounts.GoogleAdsAccountLinked if platform == "google_ads" else accounts.MetaAccountLinked
        ad_account = ad_account or (GOOGLE_ACCOUNT if platform == "google_ads" else META_ACCOUNT)
        connection_id = uuid.UUID(body["id"])
        await self.publish(
            event(connection_id=connection_id, accounts=[AdAccount(**ad_account)]), account.org_id
        )

        async def linked() -> bool:
            listed = (await self.client.get("/platform-connections", headers=account.headers)).json()
            return any(c["id"] == body["id"] and c["status"] == "linked" for c in listed)

        await _eventually(linked)
        return connection_id

    async def project(self, account: Account) -> uuid.UUID:
        response = await self.client.post("/projects", headers=account.headers, json=PROJECT)
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    async def strategy(self, account: Account, project_id: uuid.UUID | None = None) -> dict[str, Any]:
        """A project, a brief and the strategy the orchestrator would generate for it (version 1)."""
        from zamc_events.contracts.strategy import StrategyGenerated
        from zamc_events.examples import STRATEGY_EXAMPLE

        project_id = project_id or await self.project(account)
        response = await self.client.post(
            f"/projects/{project_id}/briefs", headers=account.headers, json=BRIEF
        )
        assert response.status_code == 202, response.text
        brief_id = uuid.UUID(response.json()["id"])
        strategy = STRATEGY_EXAMPLE.model_copy(
            update={"strategy_id": uuid.uuid4(), "brief_id": brief_id, "project_id": project_id}
        )
        await self.publish(StrategyGenerated(strategy=strategy), account.org_id)

        async def generated() -> bool:
            brief = (await self.client.get(f"/briefs/{brief_id}", headers=account.headers)).json()
            return brief["status"] == "generated"

        await _eventually(generated)
        return {
            "project_id": project_id,
            "brief_id": brief_id,
            "strategy_id": strategy.strategy_id,
            "strategy": strategy,
        }

    async def deployment(
        self, account: Account, strategy_id: uuid.UUID, platform: str = "google_ads"
    ) -> uuid.UUID:
        approved = await self.client.post(f"/strategies/{strategy_id}/approve", headers=account.headers)
        assert approved.status_code == 200, approved.text
        external_id = (GOOGLE_ACCOUNT if platform == "google_ads" else META_ACCOUNT)["external_id"]
        response = await self.client.post(
            f"/strategies/{strategy_id}/deployments",
            headers=account.headers,
            json={"targets": [{"platform": platform, "account_external_id": external_id}]},
        )
        assert response.status_code == 202, response.text
        return uuid.UUID(response.json()["id"])

    async def deployed(
        self,
        account: Account,
        deployment_id: uuid.UUID,
        platform: str = "google_ads",
        campaign_id: str | None = None,
    ) -> dict[str, Any]:
        """The connector's answer: one campaign created; returns the gateway's campaign."""
        from zamc_events.contracts.campaign import CampaignDeployed, PlatformObject

        campaign_id = campaign_id or f"{uuid.uuid4().int % 10**10}"
        key = "g-trail" if platform == "google_ads" else "m-trail"
        external_id = (GOOGLE_ACCOUNT if platform == "google_ads" else META_ACCOUNT)["external_id"]
        await self.publish(
            CampaignDeployed(
                deployment_id=deployment_id,
                platform=platform,
                account_external_id=external_id,
                platform_campaign_ids=[campaign_id],
                objects=[
                    PlatformObject(
                        idempotency_key=f"{deployment_id}:{platform}:{key}",
                        kind="campaign",
                        strategy_key=key,
                        platform_id=campaign_id,
                    )
                ],
            ),
            account.org_id,
        )

        async def listed() -> dict[str, Any] | None:
            campaigns = (await self.client.get("/campaigns", headers=account.headers)).json()
            return next((c for c in campaigns if c["platform_campaign_id"] == campaign_id), None)

        return await _eventually(listed)


@pytest.fixture
def scenario(client: httpx.AsyncClient, jetstream: Any) -> Scenario:
    return Scenario(client=client, js=jetstream)


@pytest.fixture
def brief_request() -> dict[str, Any]:
    """A valid `POST /projects/{id}/briefs` body (a fresh copy)."""
    import copy

    return copy.deepcopy(BRIEF)
