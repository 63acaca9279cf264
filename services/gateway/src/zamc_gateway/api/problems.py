"""RFC 9457 problem details for every error the API answers with."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from zamc_gateway.domain.errors import DomainError, InvalidFields

log = structlog.get_logger("zamc.gateway.api")

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": type,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or title or HTTPStatus(status).phrase,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return ProblemResponse(body, status_code=status, headers=headers)


def json_pointer(parts: tuple[Any, ...] | list[Any]) -> str:
    """RFC 6901 pointer of a location: ("business", "name") -> "/business/name"."""
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped) if escaped else ""


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in error.errors():
        where, *path = e.get("loc", ()) or ("body",)
        # a union member's name sneaks into the location (e.g. "function-after[...]"): drop it
        path = [p for p in path if not (isinstance(p, str) and ("[" in p and "]" in p))]
        if e.get("type") == "json_invalid":
            path = []
        item: dict[str, Any] = {
            "field": json_pointer(path) if where == "body" else str(path[0] if path else where),
            "in": where,
            "message": e.get("msg", "invalid"),
            "type": e.get("type", "invalid"),
        }
        if where == "body":
            item["pointer"] = "#" + item["field"]
        out.append(item)
    return out


def domain_problem(exc: DomainError, *, instance: str) -> ProblemResponse:
    """The answer to a domain error raised while handling the request for `instance` (its path)."""
    extensions: dict[str, Any] = {}
    if isinstance(exc, InvalidFields):
        extensions["errors"] = [
            {"field": e.field, "pointer": "#" + e.field, "message": e.message, "type": e.type, **e.extra}
            for e in exc.errors
        ]
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="zamc"')
    return problem(
        exc.status,
        title=exc.title,
        detail=exc.detail,
        type=exc.type,
        instance=instance,
        headers=headers,
        **extensions,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> ProblemResponse:
        return domain_problem(exc, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = _validation_errors(exc)
        return problem(
            422,
            title="Validation failed",
            type="https://zamc.dev/problems/validation",
            detail="; ".join(f"{e['field'] or e['in']}: {e['message']}" for e in errors[:5]),
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(
            exc.status_code,
            detail=detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> ProblemResponse:
        log.error("unhandled error", path=request.url.path, exc_info=exc)
        return problem(500, detail="An unexpected error occurred.", instance=request.url.path)
