"""Fixtures of the connector-google tests: the Google sandbox, settings, OAuth codes, a linked account.

The sandbox's TLS certificate is trusted here, before anything opens a gRPC channel.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from zamc_sandbox.tls import trust_sandbox_certificate

trust_sandbox_certificate()

import uuid  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import parse_qs, urlparse  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from zamc_cli.embedded import free_port  # noqa: E402
from zamc_connector_google.config import Settings  # noqa: E402
from zamc_connector_google.main import definition  # noqa: E402
from zamc_events.contracts.accounts import GoogleAdsAccountLinked, GoogleAdsOAuthCodeReceived  # noqa: E402
from zamc_events.contracts.campaign import GoogleAdsDeployRequested  # noqa: E402
from zamc_events.contracts.strategy import (  # noqa: E402
    GoogleAdGroup,
    GoogleSearchCampaign,
    Keyword,
    ResponsiveSearchAd,
)
from zamc_events.runtime.service import ServiceRuntime  # noqa: E402
from zamc_sandbox import Sandbox  # noqa: E402
from zamc_testing.service import EventProbe, publish_event, running_service  # noqa: E402

CLIENT_ID = "zamc-sandbox-client"
CLIENT_SECRET = "zamc-sandbox-client-secret"
DEVELOPER_TOKEN = "zamc-sandbox-developer-token"
REDIRECT_URI = "http://127.0.0.1:8100/oauth/google/callback"
TENANT = uuid.UUID("00000000-0000-4000-8000-000000000042")
BERLIN = "2000000001"
NEW_YORK = "2000000002"
MANAGER = "1000000001"
# The simulated market starts a few days back, so the sync window (wall clock) covers its days.
SANDBOX_START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=6)


@pytest.fixture(scope="session")
def google_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox.start(
        tmp_path_factory.mktemp("google-sandbox"), seed=21, start_time=SANDBOX_START
    ) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(google_sandbox: Sandbox) -> Sandbox:
    """The session sandbox, emptied: no objects, no faults, clock at the start."""
    google_sandbox.reset(seed=21)
    google_sandbox._servicer.calls.calls.clear()  # the call log is not part of reset()
    return google_sandbox


@pytest.fixture(scope="session")
def token_key() -> str:
    return Fernet.generate_key().decode()


def settings_values(
    *, nats_url: str, database_url: str, sandbox: Sandbox, token_key: str, **overrides: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "log_json": False,
        "consumer_ack_wait_seconds": 5.0,
        "consumer_backoff_seconds": [0.2],
        "consumer_max_deliver": 3,
        "outbox_poll_seconds": 0.01,
        "endpoint": sandbox.google_endpoint,
        "ca_cert_file": str(sandbox.certificate_path),
        "developer_token": DEVELOPER_TOKEN,
        "oauth_client_id": CLIENT_ID,
        "oauth_client_secret": CLIENT_SECRET,
        "token_uri": sandbox.google_token_uri,
        "revoke_uri": f"{sandbox.oauth_base_url}/google/revoke",
        "token_keys": token_key,
        "backoff_base_seconds": 0.02,
        "backoff_max_seconds": 0.2,
        "max_attempts": 4,
        "sync_enabled": False,
        "sync_interval_seconds": 0.5,
        "token_check_interval_seconds": 0.5,
        "api_timeout_seconds": 20.0,
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_settings(
    nats_url: str, database_url: str, sandbox: Sandbox, token_key: str
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return Settings(
            **settings_values(
                nats_url=nats_url,
                database_url=database_url,
                sandbox=sandbox,
                token_key=token_key,
                **overrides,
            )
        )

    return make


@pytest.fixture
def oauth_code(sandbox: Sandbox) -> Callable[[], str]:
    """Runs the sandbox's (auto-consenting) Google authorisation and returns the code."""

    def issue(client_id: str = CLIENT_ID) -> str:
        response = httpx.get(
            f"{sandbox.oauth_base_url}/google/auth",
            params={
                "client_id": client_id,
                "redirect_uri": REDIRECT_URI,
                "state": "s",
                "response_type": "code",
            },
            follow_redirects=False,
        )
        assert response.status_code == 302, response.text
        return parse_qs(urlparse(response.headers["location"]).query)["code"][0]

    return issue


@pytest.fixture
def service(jetstream, make_settings) -> Callable[..., Any]:
    """`async with service(**settings) as (runtime, probe)`: the connector running, every output watched."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[tuple[ServiceRuntime, EventProbe]]:
        settings = make_settings(**overrides)
        async with (
            EventProbe.watching(jetstream, "zamc.google_ads.>", "zamc.campaign.>", "zamc.metrics.>") as probe,
            running_service(definition, settings) as runtime,
        ):
            yield runtime, probe

    return run


@pytest.fixture
def link(jetstream, oauth_code) -> Callable[..., Awaitable[uuid.UUID]]:
    """Links a Google login through the running connector; returns the connection id."""

    async def run(
        probe: EventProbe, *, connection_id: uuid.UUID | None = None, timeout: float = 30
    ) -> uuid.UUID:
        connection_id = connection_id or uuid.uuid4()
        await publish_event(
            jetstream,
            GoogleAdsOAuthCodeReceived(
                connection_id=connection_id, code=oauth_code(), redirect_uri=REDIRECT_URI
            ),
            tenant_id=TENANT,
        )
        await probe.wait_for(
            GoogleAdsAccountLinked.subject, where=lambda d: d.connection_id == connection_id, timeout=timeout
        )
        return connection_id

    return run


def search_campaign(
    key: str = "spring",
    *,
    headlines: list[str] | None = None,
    cpc_bid_micros: int | None = 1_500_000,
    **changes: Any,
) -> GoogleSearchCampaign:
    values: dict[str, Any] = {
        "key": key,
        "name": f"Spring sale {key}",
        "daily_budget_micros": 20_000_000,
        "bidding_strategy": "MAXIMIZE_CLICKS",
        "locations": ["DE", "AT"],
        "languages": ["de"],
        "ad_groups": [
            GoogleAdGroup(
                key="shoes",
                name="Running shoes",
                cpc_bid_micros=cpc_bid_micros,
                keywords=[Keyword(text="running shoes", match_type="PHRASE"), Keyword(text="trail shoes")],
                ads=[
                    ResponsiveSearchAd(
                        key="rsa1",
                        headlines=headlines or ["Running shoes", "Free delivery", "Shop the sale"],
                        descriptions=["Light shoes for long runs.", "Order today, run tomorrow."],
                        path1="shoes",
                        final_url="https://shop.example/shoes",
                    )
                ],
            )
        ],
    }
    values.update(changes)
    return GoogleSearchCampaign(**values)


@pytest.fixture
def deploy_command() -> Callable[..., GoogleAdsDeployRequested]:
    def make(
        *,
        account: str = BERLIN,
        campaigns: list[GoogleSearchCampaign] | None = None,
        deployment_id: uuid.UUID | None = None,
    ) -> GoogleAdsDeployRequested:
        deployment_id = deployment_id or uuid.uuid4()
        return GoogleAdsDeployRequested(
            deployment_id=deployment_id,
            account_external_id=account,
            key_prefix=f"{deployment_id}:google_ads",
            campaigns=campaigns or [search_campaign()],
        )

    return make


def google_objects(sandbox: Sandbox, collection: str | None = None, *, live_only: bool = False) -> list[dict]:
    objects = sandbox.created_objects()["google"]
    return [
        o
        for o in objects
        if (collection is None or o["collection"] == collection)
        and not (live_only and o["status"] == "REMOVED")
    ]


@pytest.fixture
def kit() -> SimpleNamespace:
    """Constants and builders for the tests (test modules cannot import this conftest)."""
    return SimpleNamespace(
        BERLIN=BERLIN,
        NEW_YORK=NEW_YORK,
        MANAGER=MANAGER,
        TENANT=TENANT,
        CLIENT_ID=CLIENT_ID,
        CLIENT_SECRET=CLIENT_SECRET,
        DEVELOPER_TOKEN=DEVELOPER_TOKEN,
        REDIRECT_URI=REDIRECT_URI,
        SANDBOX_START=SANDBOX_START,
        search_campaign=search_campaign,
        objects=google_objects,
        settings_values=settings_values,
    )
