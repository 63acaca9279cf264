"""One trace from the gateway request through the event hops to the Google Ads SDK call.

The gateway, the orchestrator and connector-google run in this process (their real runtimes on the
test NATS and PostgreSQL, the gateway's real HTTP app over ASGI) against an in-process sandbox, with
an OpenTelemetry SDK tracer provider that keeps every finished span in memory. The flow is driven
through the gateway's public API: sign up, connect Google Ads (the sandbox's OAuth consent redirects
to the gateway's callback), project and brief (the rules strategist), approve, deploy to the Google
account. Then the gateway's `POST .../deployments` server span, the orchestrator's consumer span for
`zamc.campaign.deploy_requested.v1` and the connector's spans around the Google Ads SDK calls must
all carry one trace id, each linked to the one before it by parent span ids. (The server span is
FastAPI's own OpenTelemetry instrumentation; the test accepts an ASGI tracing middleware's span
around it too.)
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "True")

from zamc_sandbox.tls import trust_sandbox_certificate

trust_sandbox_certificate()  # before anything opens a gRPC channel

import asyncio  # noqa: E402
import time  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator  # noqa: E402
from contextlib import AsyncExitStack  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from zamc_cli.embedded import free_port  # noqa: E402
from zamc_connector_google.config import Settings as GoogleSettings  # noqa: E402
from zamc_connector_google.main import definition as google_definition  # noqa: E402
from zamc_gateway.config import Settings as GatewaySettings  # noqa: E402
from zamc_gateway.main import definition as gateway_definition  # noqa: E402
from zamc_orchestrator.config import Settings as OrchestratorSettings  # noqa: E402
from zamc_orchestrator.main import definition as orchestrator_definition  # noqa: E402
from zamc_sandbox import Sandbox  # noqa: E402
from zamc_testing.service import running_service  # noqa: E402

pytestmark = pytest.mark.e2e

GATEWAY_URL = "http://gateway.test"
API = f"{GATEWAY_URL}/api/v1"
OAUTH_CLIENT_ID = "zamc-trace-client"
BERLIN = "2000000001"  # the sandbox's seeded EUR client account
DEPLOY_REQUESTED = "zamc.campaign.deploy_requested.v1"
SDK_MUTATE = "google_ads GoogleAdsService.Mutate"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span finished during the test, kept in memory.

    A process has one global tracer provider; the first test that needs one installs it, later
    ones add their own exporter. The exporter is shut down afterwards, so it stops collecting.
    """
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    assert isinstance(trace.get_tracer_provider(), TracerProvider), "another tracer provider is installed"
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox.start(tmp_path / "sandbox", seed=5) as running:
        yield running


def service_settings(nats_url: str, database_url: str) -> dict[str, Any]:
    return {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "log_json": False,
        "log_level": "WARNING",
        "consumer_ack_wait_seconds": 10.0,
        "consumer_backoff_seconds": [0.2, 0.5],
        "outbox_poll_seconds": 0.01,
    }


@pytest.fixture
async def in_process_platform(
    spans: InMemorySpanExporter, jetstream, nats_url: str, database_url: str, sandbox: Sandbox
) -> AsyncIterator[httpx.AsyncClient]:
    """Gateway, orchestrator and connector-google running; yields an HTTP client on the gateway's app."""
    common = service_settings(nats_url, database_url)
    gateway = GatewaySettings(
        **common,
        environment="test",
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
        public_base_url=GATEWAY_URL,
        google_oauth_authorize_url=f"{sandbox.oauth_base_url}/google/auth",
        google_oauth_client_id=OAUTH_CLIENT_ID,
    )
    orchestrator = OrchestratorSettings(**common, llm_models=[], deploy_timeout_seconds=120.0)
    google = GoogleSettings(
        **common,
        endpoint=sandbox.google_endpoint,
        ca_cert_file=str(sandbox.certificate_path),
        developer_token="zamc-trace-developer-token",
        oauth_client_id=OAUTH_CLIENT_ID,
        oauth_client_secret="zamc-trace-client-secret",
        token_uri=sandbox.google_token_uri,
        revoke_uri=f"{sandbox.oauth_base_url}/google/revoke",
        token_keys=Fernet.generate_key().decode(),
        sync_enabled=False,
        api_timeout_seconds=20.0,
    )
    async with AsyncExitStack() as stack:
        gateway_runtime = await stack.enter_async_context(running_service(gateway_definition, gateway))
        await stack.enter_async_context(running_service(orchestrator_definition, orchestrator))
        await stack.enter_async_context(running_service(google_definition, google))
        app = gateway_runtime.build_http_app()
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=API, timeout=30.0)
        )
        yield client


async def eventually(probe: Callable[[], Awaitable[Any]], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last seen: {str(last)[:800]}")


async def call(client: httpx.AsyncClient, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
    response = await client.request(method, path, **kwargs)
    assert response.status_code == expect, f"{method} {path} → {response.status_code}: {response.text[:800]}"
    return response.json()


async def sign_up(client: httpx.AsyncClient) -> None:
    body = await call(
        client,
        "POST",
        "/auth/signup",
        201,
        json={
            "email": "tracer@example.com",
            "password": "correct horse battery",
            "organization_name": "Acme",
        },
    )
    client.headers["Authorization"] = f"Bearer {body['access_token']}"


async def connect_google(client: httpx.AsyncClient) -> None:
    started = await call(client, "POST", "/platform-connections", 201, json={"platform": "google_ads"})
    async with httpx.AsyncClient(timeout=30.0) as browser:  # the user's browser at the sandbox
        consent = await browser.get(started["authorization_url"], follow_redirects=False)
    assert consent.status_code in (302, 303, 307), consent.text
    callback = consent.headers["location"]
    assert callback.startswith(f"{API}/oauth/google_ads/callback"), callback
    answered = await client.get(callback)  # ... and back at the gateway
    assert answered.status_code < 400, answered.text

    async def linked() -> bool:
        connections = await call(client, "GET", "/platform-connections")
        assert not [c for c in connections if c["status"] == "failed"], connections
        return any(c["status"] == "linked" and c["accounts"] for c in connections)

    await eventually(linked, "the Google Ads connection to be linked")


async def approved_strategy(client: httpx.AsyncClient) -> str:
    project = await call(
        client,
        "POST",
        "/projects",
        201,
        json={"name": "Trail shoes", "business": {"name": "Acme Outdoor", "website": "https://acme.example"}},
    )
    start = date.today() + timedelta(days=1)
    brief = await call(
        client,
        "POST",
        f"/projects/{project['id']}/briefs",
        202,
        json={
            "product": "Trail running shoes",
            "audience": "Runners who run off-road at weekends",
            "goal": "sales",
            "budget": {"amount": "40.00", "currency": "EUR", "period": "daily"},
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30)).isoformat(),
            "platforms": ["google_ads"],
            "locations": ["DE"],
            "languages": ["de"],
            "landing_page_url": "https://acme.example/trail",
        },
    )

    async def strategy_id() -> str | None:
        current = await call(client, "GET", f"/briefs/{brief['id']}")
        assert current["status"] != "failed", current
        return current.get("strategy_id")

    found = await eventually(strategy_id, "the strategy")
    strategy = await call(client, "GET", f"/strategies/{found}")
    await call(client, "POST", f"/strategies/{found}/approve", json={"version": strategy["version"]})
    return found


async def deploy(client: httpx.AsyncClient, strategy_id: str) -> dict[str, Any]:
    accepted = await call(
        client,
        "POST",
        f"/strategies/{strategy_id}/deployments",
        202,
        json={"targets": [{"platform": "google_ads", "account_external_id": BERLIN}]},
    )

    async def finished() -> dict[str, Any] | None:
        current = await call(client, "GET", f"/deployments/{accepted['id']}")
        return current if current["status"] not in ("pending", "running") else None

    result = await eventually(finished, "the deployment to finish", timeout=90)
    assert result["status"] == "succeeded", result
    return result


# ----- reading the spans ----------------------------------------------------------------------------
def trace_id(span: ReadableSpan) -> str:
    return format(span.context.trace_id, "032x")


def lineage(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span and its recorded ancestors, innermost first."""
    chain = [span]
    while chain[-1].parent is not None and chain[-1].parent.span_id in by_id:
        chain.append(by_id[chain[-1].parent.span_id])
    return chain


def describe(chain: list[ReadableSpan]) -> str:
    return " ← ".join(f"{s.name} [{s.kind.name}]" for s in chain)


def is_deploy_request(span: ReadableSpan) -> bool:
    """The gateway's HTTP server span of `POST /api/v1/strategies/{id}/deployments`."""
    attributes = span.attributes or {}
    route = str(attributes.get("http.route") or span.name)
    method = str(attributes.get("http.request.method") or attributes.get("http.method") or span.name)
    return span.kind is trace.SpanKind.SERVER and route.endswith("/deployments") and "POST" in method


def trace_problems(finished: list[ReadableSpan]) -> list[str]:
    """What keeps the deployment's spans from forming one trace (empty when they do)."""
    by_id = {span.context.span_id: span for span in finished}
    requests = [span for span in finished if is_deploy_request(span)]
    consumed = [span for span in finished if span.name == f"consume {DEPLOY_REQUESTED}"]
    sdk_calls = [span for span in finished if span.name == SDK_MUTATE]
    names = sorted({f"{span.name} [{span.kind.name}]" for span in finished})
    if not requests or not consumed or not sdk_calls:
        return [
            f"expected the gateway's server span for POST .../deployments ({len(requests)} found), the "
            f"orchestrator's span `consume {DEPLOY_REQUESTED}` ({len(consumed)}) and spans `{SDK_MUTATE}` "
            f"({len(sdk_calls)}) among {names}"
        ]
    # the outermost server span (an ASGI tracing middleware may nest one inside FastAPI's own)
    request = next(s for s in requests if s.parent is None or s.parent.span_id not in by_id)
    problems = []
    # one trace id on the request, the orchestrator's handler (a redelivery adds a span) and every
    # SDK call it led to ...
    hops = [*requests, *consumed, *sdk_calls]
    if {trace_id(s) for s in hops} != {trace_id(request)}:
        problems.append("more than one trace id:\n" + "\n".join(describe(lineage(s, by_id)) for s in hops))
    # ... linked hop by hop: SDK call → connector handler → ... → orchestrator handler → request
    for handler in consumed:
        if lineage(handler, by_id)[-1] is not request:
            problems.append(
                f"the orchestrator's handler is not a child of the request: {describe(lineage(handler, by_id))}"
            )
    for chain in (lineage(s, by_id) for s in sdk_calls):
        if chain[-1] is not request or not any(handler in chain for handler in consumed):
            problems.append(f"not linked to the request through the orchestrator: {describe(chain)}")
        elif not any(s.name.startswith("consume zamc.google_ads.") for s in chain):
            problems.append(f"not inside a connector-google handler: {describe(chain)}")
    problems += [f"{s.name} is not a client span" for s in sdk_calls if s.kind is not trace.SpanKind.CLIENT]
    return problems


async def test_one_trace_from_the_deploy_request_to_the_google_ads_sdk_call(
    in_process_platform: httpx.AsyncClient, spans: InMemorySpanExporter
):
    client = in_process_platform
    await sign_up(client)
    await connect_google(client)
    strategy_id = await approved_strategy(client)
    spans.clear()  # what follows belongs to the deployment
    deployment = await deploy(client, strategy_id)
    assert deployment["targets"][0]["platform_campaign_ids"], deployment

    # a handler's span ends after its commit, a moment after the deployment reads as succeeded
    deadline = time.monotonic() + 15
    while problems := trace_problems(list(spans.get_finished_spans())):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert not problems, "\n".join(problems)
