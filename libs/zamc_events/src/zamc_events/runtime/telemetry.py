"""Logging and tracing set-up, and trace context carried in NATS headers."""

from __future__ import annotations

import logging
import sys
from urllib.parse import parse_qsl, urlencode

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

tracer = trace.get_tracer("zamc_events")

# FastAPI (0.16x) traces, measures and logs every request through OpenTelemetry by itself once a
# provider is configured. The services' HTTP apps turn that off: the gateway traces and measures
# its requests itself (zamc_gateway.api.middleware), and a health probe or metrics scrape is not
# worth a span. `FastAPI(..., telemetry=FASTAPI_TELEMETRY)`.
FASTAPI_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}


def configure_logging(*, service: str, level: str = "INFO", json: bool = True) -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper(), force=True)
    for chatty in ("alembic", "uvicorn.error", "httpx"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


def configure_tracing(*, service: str, otlp_endpoint: str | None) -> None:
    """Record and export spans over OTLP/HTTP when an endpoint is set.

    Without one the API's no-op tracer stays in place: spans cost next to nothing, and trace
    context still flows through the message headers, so a collector added later sees whole traces.
    """
    if not otlp_endpoint or isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": f"zamc-{service}"}))
    provider.add_span_processor(QueryRedactor())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    trace.set_tracer_provider(provider)


class QueryRedactor(SpanProcessor):
    """Blanks every query-string value on spans before export: an OAuth callback's `code` and
    `state`, or a token in a URL, must never reach a trace collector. Keys stay for debugging."""

    def on_start(self, span, parent_context=None) -> None:
        query = (span.attributes or {}).get("url.query")
        if query:
            span.set_attribute("url.query", redact_query(str(query)))


def redact_query(query: str) -> str:
    return urlencode([(key, "REDACTED") for key, _ in parse_qsl(query, keep_blank_values=True)])


def current_trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, for NATS headers."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: dict[str, str] | None):
    return propagate.extract(headers or {})


def trace_id_hex() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
