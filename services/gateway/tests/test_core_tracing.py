"""HTTP request spans: one SERVER span per request, current while events are published, so the
events carry the request's trace context (gateway + real NATS + PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import select

from zamc_events.runtime.tables import event_tables

pytestmark = pytest.mark.service

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"


async def removal_headers(gateway, connection_id: str) -> dict[str, str]:
    outbox = event_tables("gateway").outbox
    async with gateway.sessions() as session:
        rows = (await session.execute(select(outbox.c.subject, outbox.c.headers, outbox.c.payload))).all()
    [headers] = [
        h for subject, h, payload in rows if "removed" in subject and connection_id.encode() in payload
    ]
    return headers


async def test_each_request_is_a_server_span_and_its_events_carry_its_trace(gateway, signup, problem):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = gateway.build_http_app()
    app.state.tracer = provider.get_tracer("test")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver/api/v1"
    ) as http:
        account = await signup()
        created = await http.post("/platform-connections", json={"platform": "meta"}, headers=account.headers)
        assert created.status_code == 201, created.text
        connection_id = created.json()["id"]
        exporter.clear()
        removed = await http.delete(
            f"/platform-connections/{connection_id}",
            headers={**account.headers, "traceparent": TRACEPARENT},
        )
        assert removed.status_code == 204, removed.text
        problem(await http.get("/projects/not-a-uuid?access_token=secret", headers=account.headers), 422)

    deleting, failing = exporter.get_finished_spans()
    assert deleting.name == "DELETE /api/v1/platform-connections/{connection_id}"
    assert deleting.kind == trace.SpanKind.SERVER
    assert deleting.attributes["http.route"] == "/api/v1/platform-connections/{connection_id}"
    assert deleting.attributes["http.response.status_code"] == 204
    # the caller's trace continues: same trace, the caller's span as parent
    assert format(deleting.context.trace_id, "032x") == CALLER_TRACE
    assert format(deleting.parent.span_id, "016x") == CALLER_SPAN
    # the event published by the request carries the request's span
    headers = await removal_headers(gateway, connection_id)
    assert headers["traceparent"] == f"00-{CALLER_TRACE}-{format(deleting.context.span_id, '016x')}-01"
    # a request without a caller's trace starts one; the query string is never recorded
    assert failing.name == "GET /api/v1/projects/{project_id}" and failing.parent is None
    assert failing.attributes["http.response.status_code"] == 422
    assert "secret" not in str(dict(failing.attributes))


async def test_without_a_tracer_provider_the_callers_trace_context_still_reaches_the_events(
    gateway, client, signup
):
    account = await signup()
    created = await client.post(
        "/platform-connections", json={"platform": "google_ads"}, headers=account.headers
    )
    connection_id = created.json()["id"]
    removed = await client.delete(
        f"/platform-connections/{connection_id}", headers={**account.headers, "traceparent": TRACEPARENT}
    )
    assert removed.status_code == 204
    headers = await removal_headers(gateway, connection_id)
    assert headers["traceparent"].split("-")[1] == CALLER_TRACE
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        assert headers["traceparent"] == TRACEPARENT  # no span of our own: the caller's is passed on
