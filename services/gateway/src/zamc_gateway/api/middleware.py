"""The gateway's one pure-ASGI middleware (`EdgeMiddleware`), outermost around every HTTP request:

- tracing: an OpenTelemetry SERVER span per request, current while it is handled;
- metrics: requests counted and timed by route template;
- hardening: bodies above the limit refused with 413, security headers on every response, and
  the access token of an EventSource URL taken out of the query string before anything can
  record it.

One layer instead of three: each ASGI layer costs a call and a `send` wrapper per message on
every request, and the gateway's hot reads cost little more than that.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import unquote_plus

from fastapi import HTTPException
from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zamc_gateway.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS

_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI loads its script and style from a CDN.
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    b"connect-src 'self'; frame-ancestors 'none'"
)


# Browsers' EventSource cannot send headers: GET /api/v1/stream may carry a short-lived access
# token as `?access_token=`. EdgeMiddleware moves it from the query string into the scope
# (QUERY_TOKEN_KEY) before any other layer runs, so no URL that is logged, traced or echoed in
# an error carries it; only `api.deps.stream_principal` reads it.
QUERY_TOKEN_PATHS = frozenset({"/api/v1/stream"})
QUERY_TOKEN_KEY = "zamc.query_access_token"


def take_query_token(scope: Scope) -> None:
    query: bytes = scope.get("query_string", b"")
    if b"access_token" not in query:
        return
    kept = []
    for part in query.split(b"&"):
        name, _, value = part.partition(b"=")
        if unquote_plus(name.decode("latin-1")) == "access_token":
            scope[QUERY_TOKEN_KEY] = unquote_plus(value.decode("latin-1"))
        else:
            kept.append(part)
    scope["query_string"] = b"&".join(kept)


class BodyTooLarge(HTTPException):
    """Raised while the body is read; an HTTPException so FastAPI's body parsing lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body exceeds {limit} bytes.")


class EdgeMiddleware:
    """Tracing, metrics and hardening around each HTTP request (other scopes pass through).

    Bodies above `limit` (multipart bodies: `upload_limit`) are refused with 413, checked on
    `Content-Length` first and again on the bytes actually received (chunked uploads).

    The span is named `"{method} {route template}"` once the route is known, with
    `http.request.method`, `http.route`, `url.path` and `http.response.status_code`; never the
    query string (it may hold a token). A `traceparent` sent by the caller is its parent, so the
    events the request publishes carry the caller's trace (the outbox copies the current span's
    context into the message headers). The tracer is `app.state.tracer` (a proxy of the global
    provider, which the runtime sets up at start); while no SDK provider is configured and the
    caller sends no trace context, no span is started at all: it would record nothing.
    """

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int, hsts: bool = False) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.security_headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            self.security_headers.append(
                (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
            )
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response = _Response(send, self._headers_for(scope))
        carrier = _trace_carrier(scope)
        try:
            if carrier is None and not _records(scope["app"].state.tracer):
                await self._handle(scope, receive, response)
            else:
                await self._handle_in_span(scope, receive, response, carrier)
        finally:
            self._count(scope, response.status, time.perf_counter() - started)

    async def _handle_in_span(
        self, scope: Scope, receive: Receive, response: _Response, carrier: dict[str, str] | None
    ) -> None:
        tracer: trace.Tracer = scope["app"].state.tracer
        method: str = scope["method"]
        parent = propagate.extract(carrier) if carrier else None
        with tracer.start_as_current_span(
            method, context=parent, kind=trace.SpanKind.SERVER, record_exception=True
        ) as span:
            try:
                await self._handle(scope, receive, response)
            finally:
                if span.is_recording():
                    route = _route_template(scope)
                    span.update_name(f"{method} {route}")
                    span.set_attributes(
                        {
                            "http.request.method": method,
                            "http.route": route,
                            "url.path": scope["path"],
                            "http.response.status_code": response.status,
                        }
                    )
                    if response.status >= 500:
                        span.set_status(trace.Status(trace.StatusCode.ERROR))

    async def _handle(self, scope: Scope, receive: Receive, response: _Response) -> None:
        limit = self.limit
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"content-type" and value.startswith(b"multipart/"):
                limit = self.upload_limit
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = True
            if too_large:
                await _too_large(response, limit)
                return
        if scope["path"] in QUERY_TOKEN_PATHS:
            take_query_token(scope)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, response)
        except BodyTooLarge:
            if response.started:
                raise
            await _too_large(response, limit)

    def _headers_for(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        path: str = scope["path"]
        docs = path in ("/docs", "/redoc") or path.startswith("/docs/") or path == "/graphql"
        headers = [*self.security_headers, (b"content-security-policy", _DOCS_CSP if docs else _API_CSP)]
        if path.startswith("/api/"):
            headers.append((b"cache-control", b"no-store"))
        return headers

    def _count(self, scope: Scope, status: int, seconds: float) -> None:
        """Requests by route template (never by raw path: IDs would explode the label set);
        requests that match no route are `unmatched`."""
        key = (_route_template(scope), scope["method"], status)
        series = self._series.get(key)
        if series is None:
            if len(self._series) > 10_000:
                self._series.clear()
            route, method, _ = key
            series = self._series[key] = (
                HTTP_REQUESTS.labels(route, method, str(status)),
                HTTP_REQUEST_SECONDS.labels(route, method),
            )
        series[0].inc()
        series[1].observe(seconds)


class _Response:
    """The `send` of the wrapped app: adds the edge's headers to the response (unless the app set
    them) and remembers its status (500 until a response starts)."""

    def __init__(self, send: Send, headers: list[tuple[bytes, bytes]]) -> None:
        self.send = send
        self.headers = headers
        self.status = 500
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers.extend(item for item in self.headers if item[0] not in present)
            message["headers"] = headers
        await self.send(message)


async def _too_large(send: Send, limit: int) -> None:
    body: dict[str, Any] = {
        "type": "https://zamc.dev/problems/payload-too-large",
        "title": "Payload too large",
        "status": 413,
        "detail": f"The request body exceeds {limit} bytes.",
        "max_bytes": limit,
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _route_template(scope: Scope) -> str:
    """The matched route's full path template (FastAPI nests included routers: the route itself
    knows only its own part, the effective route context the whole path)."""
    fastapi_scope = scope.get("fastapi")
    context = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    return getattr(context, "path", None) or getattr(scope.get("route"), "path", None) or "unmatched"


_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})


def _trace_carrier(scope: Scope) -> dict[str, str] | None:
    """The caller's trace context headers, if it sent any."""
    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope["headers"]
        if name in _TRACE_HEADERS
    }
    return carrier or None


def _records(tracer: trace.Tracer) -> bool:
    """Whether spans of `tracer` can be recorded: not while it is the API's proxy of the global
    provider and no SDK provider is set, nor when it is a no-op tracer."""
    if isinstance(tracer, trace.ProxyTracer):
        provider = trace.get_tracer_provider()
        return not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)
    return not isinstance(tracer, trace.NoOpTracer)
