"""The per-IP rate limit of the REST API, checked before routing.

A pure-ASGI layer rather than a router dependency: it refuses an over-limit caller before any
routing, parsing or authentication, and spares every request a dependency (FastAPI solves each
one, with its parameters, on every request). It sits inside the CORS middleware, so a browser can
read a 429 and its `Retry-After`. Preflight requests (OPTIONS) are not counted. GraphQL (HTTP and
WebSocket) keeps `limit_ip` as its router's dependency.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from zamc_gateway.api.deps import limit_ip
from zamc_gateway.api.problems import domain_problem
from zamc_gateway.domain.errors import RateLimited

LIMITED_PREFIX = "/api/"


class IpRateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] != "OPTIONS"
            and scope["path"].startswith(LIMITED_PREFIX)
        ):
            try:
                await limit_ip(HTTPConnection(scope))
            except RateLimited as exc:
                await domain_problem(exc, instance=scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)
