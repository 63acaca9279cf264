"""Pure ASGI middleware: request body limits (413), security headers on every response, and the
access token of an EventSource URL taken out of the query string before anything can record it."""

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
# token as `?access_token=`. HardeningMiddleware moves it from the query string into the scope
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


class HardeningMiddleware:
    """Refuses bodies above the limit with 413 and adds security headers.

    The limit is checked on `Content-Length` first and again on the bytes actually received
    (chunked uploads). Multipart bodies (uploads) get `upload_limit`, everything else `limit`.
    """

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int, hsts: bool = False) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"")
        limit = self.upload_limit if content_type.startswith(b"multipart/") else self.limit
        path: str = scope["path"]
        if path in QUERY_TOKEN_PATHS:
            take_query_token(scope)
        docs = path in ("/docs", "/redoc") or path.startswith("/docs/") or path == "/graphql"
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"content-security-policy", _DOCS_CSP if docs else _API_CSP),
        ]
        if self.hsts:
            extra.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in present
                ]
                if b"cache-control" not in present and path.startswith("/api/"):
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = True
            if too_large:
                await self._too_large(send_with_headers, limit)
                return

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
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(send_with_headers, limit)

    @staticmethod
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


class MetricsMiddleware:
    """Counts and times every HTTP request by route template (never by raw path: IDs would explode
    the label set); requests that match no route are `unmatched`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response = _StatusRecorder(send)
        try:
            await self.app(scope, receive, response)
        finally:
            route = _route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(route, method, str(response.status)).inc()
            HTTP_REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)


class _StatusRecorder:
    """A `send` that remembers the response status (500 until a response starts)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)


def _route_template(scope: Scope) -> str:
    """The matched route's full path template (FastAPI nests included routers: the route itself
    knows only its own part, the effective route context the whole path)."""
    fastapi_scope = scope.get("fastapi")
    context = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    return getattr(context, "path", None) or getattr(scope.get("route"), "path", None) or "unmatched"


_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})


class TracingMiddleware:
    """One OpenTelemetry SERVER span per HTTP request, current while the request is handled, so
    that the events it publishes carry its trace context (the outbox copies the current span's
    context into the message headers). A `traceparent` sent by the caller is the span's parent.

    The span is named `"{method} {route template}"` once the route is known (before that, only
    the method), with `http.request.method`, `http.route`, `url.path` and
    `http.response.status_code`; never the query string (it may hold a token). The tracer is
    `app.state.tracer` (a proxy of the global provider, which the runtime sets up at start).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracer: trace.Tracer = scope["app"].state.tracer
        method: str = scope["method"]
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        parent = propagate.extract(carrier) if carrier else None
        response = _StatusRecorder(send)

        with tracer.start_as_current_span(
            method, context=parent, kind=trace.SpanKind.SERVER, record_exception=True
        ) as span:
            try:
                await self.app(scope, receive, response)
            finally:
                status = response.status
                if span.is_recording():
                    route = _route_template(scope)
                    span.update_name(f"{method} {route}")
                    span.set_attributes(
                        {
                            "http.request.method": method,
                            "http.route": route,
                            "url.path": scope["path"],
                            "http.response.status_code": status,
                        }
                    )
                    if status >= 500:
                        span.set_status(trace.Status(trace.StatusCode.ERROR))
