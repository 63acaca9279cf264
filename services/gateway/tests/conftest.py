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
