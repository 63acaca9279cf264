"""Fixtures of the connector-meta tests: the Meta sandbox, settings pointed at it, a linked account."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from zamc_cli.embedded import free_port
from zamc_connector_meta.config import Settings
from zamc_connector_meta.main import build_definition
from zamc_events.contracts.accounts import MetaOAuthCodeReceived
from zamc_events.contracts.campaign import MetaDeployRequested
from zamc_events.contracts.strategy import MetaAd, MetaAdSet, MetaCampaign, MetaTargeting
from zamc_events.runtime.service import ServiceRuntime
from zamc_sandbox import Sandbox
from zamc_testing.service import EventProbe, publish_event, running_service

APP_ID = "zamc-test-app"
APP_SECRET = "zamc-test-app-secret"
REDIRECT_URI = "https://app.zamc.test/oauth/meta/callback"
PAGE_ID = "100000000000099"
BERLIN = "act_100000000000001"  # EUR, Europe/Berlin
LOS_ANGELES = "act_100000000000002"  # USD, America/Los_Angeles


@pytest.fixture(scope="session")
def meta_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox.start(tmp_path_factory.mktemp("meta-sandbox"), seed=5) as running:
        yield running


@pytest.fixture
def sandbox(meta_sandbox: Sandbox) -> Sandbox:
    """The session sandbox, reset: no objects, no faults, usage at zero, clock at its start."""
    meta_sandbox.reset(seed=5)
    return meta_sandbox


class MetaHarness:
    """Builds settings and commands, links accounts and runs the connector in-process."""

    def __init__(self, sandbox: Sandbox, nats_url: str, database_url: str, js: Any) -> None:
        self.sandbox = sandbox
        self.nats_url = nats_url
        self.database_url = database_url
        self.js = js

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "nats_url": self.nats_url,
            "database_url": self.database_url,
            "http_port": free_port(),
            "log_json": False,
            "consumer_ack_wait_seconds": 5.0,
            "consumer_backoff_seconds": [0.1],
            "consumer_max_deliver": 3,
            "outbox_poll_seconds": 0.01,
            "graph_url": self.sandbox.meta_graph_base_url,
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "page_id": PAGE_ID,
            "backoff_base_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "throttle_max_wait_seconds": 1.0,
            "sync_enabled": False,
            "sync_interval_seconds": 0.5,
            "token_check_interval_seconds": 3600,
        }
        values.update(overrides)
        return Settings(**values)

    def env(self, **overrides: str) -> dict[str, str]:
        """The same configuration as environment variables (for a connector subprocess)."""
        settings = self.settings()
        return {
            "ZAMC_NATS_URL": self.nats_url,
            "ZAMC_DATABASE_URL": self.database_url,
            "ZAMC_LOG_JSON": "false",
            "ZAMC_CONNECTOR_META_HTTP_PORT": str(settings.http_port),
            "ZAMC_CONNECTOR_META_CONSUMER_ACK_WAIT_SECONDS": "2",
            "ZAMC_CONNECTOR_META_CONSUMER_BACKOFF_SECONDS": "[0.1]",
            "ZAMC_CONNECTOR_META_OUTBOX_POLL_SECONDS": "0.01",
            "ZAMC_CONNECTOR_META_GRAPH_URL": self.sandbox.meta_graph_base_url,
            "ZAMC_CONNECTOR_META_APP_ID": APP_ID,
            "ZAMC_CONNECTOR_META_APP_SECRET": APP_SECRET,
            "ZAMC_CONNECTOR_META_PAGE_ID": PAGE_ID,
            "ZAMC_CONNECTOR_META_SYNC_ENABLED": "false",
            **overrides,
        }

    @asynccontextmanager
    async def running(self, clock: Callable | None = None, **overrides: Any) -> AsyncIterator[ServiceRuntime]:
        definition = build_definition(clock=clock or self.sandbox.market.clock.now)
        async with running_service(definition, self.settings(**overrides)) as runtime:
            yield runtime

    def code(self) -> str:
        return self.sandbox.tokens.issue_code("meta", client_id=APP_ID, redirect_uri=REDIRECT_URI)

    async def link(self, probe: EventProbe, connection_id: uuid.UUID | None = None) -> uuid.UUID:
        connection_id = connection_id or uuid.uuid4()
        await publish_event(
            self.js,
            MetaOAuthCodeReceived(connection_id=connection_id, code=self.code(), redirect_uri=REDIRECT_URI),
        )
        await probe.wait_for("zamc.meta.account_linked.v1", lambda d: d.connection_id == connection_id)
        return connection_id

    def objects(self, *, live_only: bool = False) -> list[dict]:
        found = self.sandbox.created_objects()["meta"]
        return [o for o in found if o["status"] != "DELETED"] if live_only else found

    def graph_calls(self) -> list[tuple[str, str]]:
        return list(self.sandbox._graph_server._server.config.app.state.calls)


@pytest.fixture
def meta(sandbox: Sandbox, nats_url: str, database_url: str, jetstream: Any) -> MetaHarness:
    return MetaHarness(sandbox, nats_url, database_url, jetstream)


def _ad(key: str, **overrides: Any) -> MetaAd:
    values: dict[str, Any] = {
        "key": key,
        "name": f"Ad {key}",
        "primary_text": "Fresh roasted coffee, delivered weekly.",
        "headline": "Try our beans",
        "description": "Free shipping",
        "call_to_action": "SHOP_NOW",
        "link_url": "https://shop.zamc.test/coffee",
    }
    values.update(overrides)
    return MetaAd(**values)


def _ad_set(key: str, ads: list[MetaAd], **overrides: Any) -> MetaAdSet:
    values: dict[str, Any] = {
        "key": key,
        "name": f"Ad set {key}",
        "daily_budget_micros": 20_000_000,
        "optimization_goal": "LINK_CLICKS",
        "billing_event": "IMPRESSIONS",
        "targeting": MetaTargeting(countries=["DE", "AT"], age_min=25, age_max=55),
        "ads": ads,
    }
    values.update(overrides)
    return MetaAdSet(**values)


@pytest.fixture
def deploy_command() -> Callable[..., MetaDeployRequested]:
    """A deploy command: one campaign, two ad sets, three ads (overridable per level)."""

    def build(
        *,
        account: str = BERLIN,
        campaign: dict[str, Any] | None = None,
        first_ad_set: dict[str, Any] | None = None,
        second_ad_set: dict[str, Any] | None = None,
        first_ad: dict[str, Any] | None = None,
        deployment_id: uuid.UUID | None = None,
    ) -> MetaDeployRequested:
        deployment_id = deployment_id or uuid.uuid4()
        campaign_values: dict[str, Any] = {
            "key": "c1",
            "name": "Coffee subscriptions",
            "objective": "OUTCOME_TRAFFIC",
            "special_ad_categories": [],
            "ad_sets": [
                _ad_set("s1", [_ad("a1", **(first_ad or {})), _ad("a2")], **(first_ad_set or {})),
                _ad_set("s2", [_ad("a3")], **{"daily_budget_micros": 5_000_000, **(second_ad_set or {})}),
            ],
        }
        campaign_values.update(campaign or {})
        return MetaDeployRequested(
            deployment_id=deployment_id,
            account_external_id=account,
            key_prefix=f"{deployment_id}:meta",
            campaigns=[MetaCampaign(**campaign_values)],
        )

    return build


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path
