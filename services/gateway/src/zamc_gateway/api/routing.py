"""Routers that rule a request out by its path before FastAPI tries their routes.

FastAPI (0.16x) matches a request against each included router in turn by trying that router's
routes one by one, through several layers of bookkeeping per route and per router, and does it
again when it hands the request over: with the gateway's ~90 routes in 15 routers, finding a route
cost tens of microseconds per request, as much as the rest of a cached read.

`include_guarded(app, router, prefix=...)` includes a `GatewayRouter` and gives it a `guard`: the
static beginnings of its routes (e.g. ("/api/v1/projects/", "/api/v1/briefs/")). A request whose
path starts with none of them is answered "no match" at once, before FastAPI's bookkeeping for that router
when the installed FastAPI lets us (its `_IncludedRouter`), else in the router's own `matches`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi import routing as fastapi_routing
from starlette.routing import Match
from starlette.types import Scope


class GatewayRouter(APIRouter):
    guard: tuple[str, ...] = ()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not _passes(self.guard, scope):
            return Match.NONE, {}
        return super().matches(scope)


_IncludedRouter: Any = getattr(fastapi_routing, "_IncludedRouter", None)

if _IncludedRouter is not None:

    class _GuardedInclusion(_IncludedRouter):  # type: ignore[misc,valid-type]
        """FastAPI's record of an included router, checking the router's guard first."""

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            if not _passes(getattr(self.original_router, "guard", ()), scope):
                return Match.NONE, {}
            return super().matches(scope)


def include_guarded(app: FastAPI, router: APIRouter, *, prefix: str, **options: Any) -> None:
    """`app.include_router(router, prefix=prefix, **options)`, guarded if it is a GatewayRouter."""
    app.include_router(router, prefix=prefix, **options)
    if not isinstance(router, GatewayRouter):
        return
    heads = sorted({prefix + static_head(getattr(route, "path", "")) for route in router.routes})
    router.guard = tuple(head for head in heads if not any(head.startswith(h) for h in heads if h != head))
    inclusion = app.router.routes[-1]
    if _IncludedRouter is not None and type(inclusion) is _IncludedRouter:
        if inclusion.original_router is router:
            inclusion.__class__ = _GuardedInclusion


def _passes(guard: tuple[str, ...], scope: Scope) -> bool:
    return not guard or _route_path(scope).startswith(guard)


def _route_path(scope: Scope) -> str:
    """The request path below the app's root path (what routes are matched against)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


def static_head(path: str) -> str:
    """The part of a route path before its first parameter: "/projects/{id}/briefs" -> "/projects/"."""
    return path.split("{", 1)[0]
