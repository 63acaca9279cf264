"""`zamc_gateway.web.mount_web`: the console's files, SPA fallback, cache headers, the missing-build
page, reserved API paths, and the browser landing on the OAuth callback. No servers: an app with a
stand-in callback endpoint and a temporary dist/ directory. Synchronous (TestClient): the browser test
in this directory keeps Playwright's event loop running for the session."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from zamc_gateway.web import CONSOLE_CSP, mount_web

pytestmark = pytest.mark.unit


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc.js"></script>'
    )
    (dist / "assets" / "index-abc.js").write_text("console.log('app')")
    (dist / "manifest.webmanifest").write_text('{"name": "ZAMC"}')
    (tmp_path / "secret.txt").write_text("outside dist")
    return dist


def _app(dist: Path) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    @app.get("/api/v1/oauth/{platform}/callback")
    async def callback(platform: str, state: str, code: str | None = None):
        from fastapi.responses import JSONResponse

        if state != "good":
            return JSONResponse(
                {"title": "Invalid request", "detail": "Unknown OAuth state: start the connection again."},
                400,
            )
        return {
            "connection_id": "c0ffee00-0000-4000-8000-000000000000",
            "platform": platform,
            "status": "linking",
        }

    mount_web(app, dist=dist)

    @app.get("/healthz")  # added after mount_web, as the service runtime does
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://gateway", follow_redirects=False)


def test_deep_links_get_the_app_and_assets_are_cached_for_a_year(tmp_path: Path):
    with _client(_app(_dist(tmp_path))) as client:
        for path in ("/", "/projects/123/dashboard", "/strategies/abc"):
            page = client.get(path)
            assert page.status_code == 200
            assert '<div id="root">' in page.text
            assert page.headers["cache-control"] == "no-cache"
            assert page.headers["content-security-policy"] == CONSOLE_CSP
        asset = client.get("/assets/index-abc.js")
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "javascript" in asset.headers["content-type"]
        manifest = client.get("/manifest.webmanifest")
        assert manifest.headers["content-type"].startswith("application/manifest+json")
        assert manifest.headers["cache-control"] == "no-cache"


def test_a_missing_asset_is_404_not_the_app(tmp_path: Path):
    with _client(_app(_dist(tmp_path))) as client:
        missing = client.get("/assets/index-old.js")
        assert missing.status_code == 404
        assert "Reload" in missing.text


def test_api_and_runtime_paths_are_never_the_app(tmp_path: Path):
    with _client(_app(_dist(tmp_path))) as client:
        assert (client.get("/api/v1/ping")).json() == {"pong": "yes"}
        assert (client.get("/healthz")).json() == {"status": "ok"}
        unknown = client.get("/api/v1/nothing-here")
        assert unknown.status_code == 404
        assert "root" not in unknown.text
        assert (client.post("/projects")).status_code in (404, 405)


def test_no_file_outside_dist_is_served(tmp_path: Path):
    with _client(_app(_dist(tmp_path))) as client:
        for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"):
            response = client.get(path)
            assert "outside dist" not in response.text


def test_without_a_build_a_page_says_how_to_build_it(tmp_path: Path):
    with _client(_app(tmp_path / "no-dist")) as client:
        page = client.get("/projects")
        assert page.status_code == 503
        assert "build.sh" in page.text
        assert (client.get("/api/v1/ping")).status_code == 200


def test_a_browser_landing_on_the_oauth_callback_is_sent_to_the_console(tmp_path: Path):
    with _client(_app(_dist(tmp_path))) as client:
        browser = {"sec-fetch-mode": "navigate", "accept": "text/html,application/xhtml+xml"}
        done = client.get(
            "/api/v1/oauth/google_ads/callback", params={"state": "good", "code": "x"}, headers=browser
        )
        assert done.status_code == 303
        assert done.headers["location"] == (
            "/connect/done?platform=google_ads&status=linking&connection_id=c0ffee00-0000-4000-8000-000000000000"
        )
        failed = client.get("/api/v1/oauth/meta/callback", params={"state": "bad"}, headers=browser)
        assert failed.status_code == 303
        assert failed.headers["location"].startswith("/connect/done?platform=meta&error=Unknown+OAuth+state")
        api = client.get("/api/v1/oauth/google_ads/callback", params={"state": "good"})
        assert api.status_code == 200
        assert api.json()["status"] == "linking"
