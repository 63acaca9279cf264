"""The gateway's HTTP application: REST under /api/v1, GraphQL at /graphql, OpenAPI at /docs, the
web console at /."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry import trace
from pydantic import BaseModel

from zamc_events.runtime.service import ServiceRuntime
from zamc_events.runtime.telemetry import FASTAPI_TELEMETRY
from zamc_gateway.adapters.rate_limits import RateLimiter
from zamc_gateway.adapters.ttl_cache import TtlCache
from zamc_gateway.api import (
    api_keys,
    auth,
    briefs,
    campaigns,
    connections,
    deployments,
    live,
    me,
    organizations,
    projects,
    strategies,
)
from zamc_gateway.api.deps import limit_ip
from zamc_gateway.api.ip_limit import IpRateLimitMiddleware
from zamc_gateway.api.middleware import EdgeMiddleware
from zamc_gateway.api.problems import PROBLEM_JSON, install
from zamc_gateway.api.routing import include_guarded
from zamc_gateway.config import Settings
from zamc_gateway.domain.credentials import password_hasher
from zamc_gateway.graphql.schema import graphql_router
from zamc_gateway.web import mount_web

API_PREFIX = "/api/v1"
CORE_ROUTERS = (
    auth.router,
    me.router,
    organizations.router,
    api_keys.router,
    connections.router,
    projects.router,
    briefs.router,
    strategies.router,
    deployments.router,
    campaigns.router,
)


class FieldProblem(BaseModel):
    field: str
    pointer: str | None = None
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {PROBLEM_JSON: {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("Not authenticated"),
    403: _problem("The role or API key scope does not allow this"),
    404: _problem("Not found in the caller's organization"),
    409: _problem("Conflicts with the current state"),
    413: _problem("Body too large"),
    422: _problem("Invalid field; `errors[].field` is a JSON pointer"),
    429: _problem("Rate limited; see Retry-After"),
}


def _problem_media_type(app: FastAPI) -> None:
    """Document error responses as `application/problem+json`, which is what they are."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for code, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if code.isdigit() and int(code) >= 400 and "application/json" in content:
                            content[PROBLEM_JSON] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(runtime: ServiceRuntime) -> FastAPI:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    app = FastAPI(
        title="ZAMC gateway",
        version="1.0.0",
        description="The public API of ZAMC (Zero-effort AI Marketing Campaigns). Errors are RFC 9457 "
        "problem+json. Authenticate with `Authorization: Bearer <access token | zamc_ API key>`; "
        "choose an organization with `X-Organization-Id` (default: your first).",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        telemetry=FASTAPI_TELEMETRY,
    )
    app.state.runtime = runtime
    app.state.password_hasher = password_hasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    app.state.principal_cache = TtlCache(settings.principal_cache_seconds, refresh_in_background=True)
    app.state.rate_limiter = RateLimiter(
        js=lambda: runtime.js,
        bucket=settings.rate_limit_bucket,
        share=settings.rate_limit_local_share,
        ttl_seconds=max(60, 2 * settings.rate_limit_window_seconds),
    )
    install(app)
    _problem_media_type(app)

    # Each router is included on the app itself (not under one /api/v1 router): FastAPI matches a
    # request level by level, twice per level, so every level of nesting costs on every request.
    for router in (*CORE_ROUTERS, *live.routers()):
        include_guarded(app, router, prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    app.include_router(graphql_router(runtime), dependencies=[Depends(limit_ip)])
    mount_web(app)  # the web console at /, after every API route

    app.add_middleware(IpRateLimitMiddleware)  # inside CORS: a browser can read its 429
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Organization-Id", "If-Match"],
            expose_headers=["Retry-After", "Location", "ETag"],
            allow_credentials=False,
            max_age=600,
        )
    app.state.tracer = trace.get_tracer("zamc_gateway")
    app.add_middleware(  # outermost: the whole request runs in its span
        EdgeMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        hsts=settings.hsts,
    )
    return app
