"""Trace spans never carry query-string values (OAuth codes, states, tokens)."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from zamc_events.runtime.telemetry import QueryRedactor, redact_query

pytestmark = pytest.mark.unit


def test_query_values_are_redacted_and_keys_kept():
    assert redact_query("code=4/0Aexyz&state=abc&scope=") == "code=REDACTED&state=REDACTED&scope=REDACTED"


def test_a_span_started_with_a_query_is_exported_without_its_values():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(QueryRedactor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("GET /callback", attributes={"url.query": "code=secret-code&state=s1"}):
        pass
    [span] = exporter.get_finished_spans()
    assert span.attributes["url.query"] == "code=REDACTED&state=REDACTED"
    assert "secret-code" not in str(span.attributes)
