"""Serve the web console (the built single-page app in `services/gateway/web/dist`) at `/`.

`mount_web(app)` adds, after every API route:

- `/assets/*`: Vite's content-hashed files, cached for a year (`immutable`); a missing one is a 404,
  never the app, so a stale tab learns it must reload;
- the other files of `dist/` (manifest, icons, `theme.js`): revalidated on every use;
- any other GET (`/projects/…`, `/strategies/…`): `index.html`, so deep links and reloads work
  (SPA fallback), with `no-cache` so a new build is picked up at once;
- when the build is missing, a page that says how to build it (503) instead of a bare 404.

Paths the gateway itself owns (`/api/`, `/docs`, `/openapi.json`, `/graphql`, `/healthz`, `/readyz`,
`/metrics`) are never matched, whatever the order routes are added in.

It also turns the browser's landing on the OAuth callback (`GET /api/v1/oauth/{platform}/callback`,
where a platform's consent screen sends the browser back) into a redirect to the console's
`/connect/done` page. The API answer is unchanged for API clients: only a browser navigation
(`Sec-Fetch-Mode: navigate`, or `Accept: text/html` first) is redirected, after the real endpoint ran.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.datastructures import URLPath
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
RESERVED = (
    "/api/",
    "/api",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/graphql",
    "/healthz",
    "/readyz",
    "/metrics",
)
OAUTH_CALLBACK = re.compile(r"^/api/v1/oauth/(?P<platform>[a-z_]+)/callback$")

# The console loads only its own files and talks only to this origin.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")

MISSING_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ZAMC console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The ZAMC web console has not been built yet</h1>
<p>The API is running (see <a href="/docs">/docs</a>), but the console's files are missing from
<code>{dist}</code>.</p>
<p>Build them once with <code>bash services/gateway/web/build.sh</code> (needs Node.js 20 and npm;
<code>make up</code> does this for you), then reload this page.</p>
</body></html>"""


def reserved(path: str) -> bool:
    return any(path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/") for prefix in RESERVED)


def _dist_dir(dist: Path | str | None) -> Path:
    if dist is not None:
        return Path(dist)
    return Path(os.environ.get("ZAMC_GATEWAY_WEB_DIST") or DEFAULT_DIST)


class _ConsoleRoute(BaseRoute):
    """Matches every GET/HEAD outside the reserved paths; serves files or `index.html`."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NoMatchFound(name, path_params)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or reserved(scope["path"]):
            return Match.NONE, {}
        return Match.FULL, {}

    def _file(self, path: str) -> Path | None:
        """The file under dist/ that `path` names, or None (never anything outside dist/)."""
        root = self.dist.resolve()
        try:
            candidate = (root / path.lstrip("/")).resolve()
        except (OSError, ValueError):
            return None
        if candidate != root and root not in candidate.parents:
            return None
        return candidate if candidate.is_file() else None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.respond(scope["path"])
        await response(scope, receive, send)

    def respond(self, path: str) -> Response:
        index = self.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(
                MISSING_BUILD.format(dist=self.dist),
                status_code=503,
                headers={"Cache-Control": "no-store", "Retry-After": "30"},
            )
        if path.startswith("/assets/"):
            found = self._file(path)
            if found is None:
                return Response(
                    "Not found: this file belongs to another build. Reload the page.",
                    404,
                    media_type="text/plain",
                    headers={"Cache-Control": "no-store"},
                )
            return FileResponse(found, headers={"Cache-Control": IMMUTABLE})
        found = self._file(path) if path not in ("", "/") else None
        if found is not None and found.name != "index.html":
            return FileResponse(found, headers={"Cache-Control": REVALIDATE})
        return FileResponse(
            index,
            media_type="text/html",
            headers={"Cache-Control": REVALIDATE, "Content-Security-Policy": CONSOLE_CSP},
        )


class BrowserOAuthLanding:
    """Redirects a browser that lands on the OAuth callback to the console's `/connect/done`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def _is_browser(scope: Scope) -> bool:
        headers = dict(scope.get("headers") or [])
        if headers.get(b"sec-fetch-mode") == b"navigate":
            return True
        return headers.get(b"accept", b"").lstrip().startswith(b"text/html")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = OAUTH_CALLBACK.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope["method"] != "GET" or not self._is_browser(scope):
            await self.app(scope, receive, send)
            return
        status = 500
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, capture)
        await self.redirect(status, bytes(body), match["platform"])(scope, receive, send)

    @staticmethod
    def redirect(status: int, body: bytes, platform: str) -> Response:
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        query: dict[str, str] = {"platform": str(answer.get("platform") or platform)}
        if status < 400:
            query["status"] = str(answer.get("status", ""))
            if answer.get("connection_id"):
                query["connection_id"] = str(answer["connection_id"])
        else:
            query["error"] = str(answer.get("detail") or answer.get("title") or f"error {status}")[:300]
        return RedirectResponse(
            f"/connect/done?{urlencode(query)}", status_code=303, headers={"Cache-Control": "no-store"}
        )


def mount_web(app: FastAPI, *, dist: Path | str | None = None) -> None:
    """Serve the console from `dist` (default: `ZAMC_GATEWAY_WEB_DIST` or `services/gateway/web/dist`).

    Call it from `create_app` after the API routers are included.
    """
    app.router.routes.append(_ConsoleRoute(_dist_dir(dist)))
    app.add_middleware(BrowserOAuthLanding)
