"""Browser tests of the web console: the whole platform as `zamc up` runs it, Debian's Chromium driven
by Playwright (no browser download), axe-core for accessibility, screenshots under test-artifacts/.

The platform runs on its own thread and event loop (its supervisor must keep reading the services'
output while the synchronous Playwright test runs). The console is built with
`services/gateway/web/build.sh` when needed. If the gateway does not serve the console itself yet
(`mount_web` not wired into `create_app`), a small front server on this thread serves `dist/` with the
same `zamc_gateway.web` code and forwards `/api/*` to the gateway, and the gateway's OAuth redirect
URL points at it, so the browser still makes the real round trip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from zamc_cli.embedded import free_port
from zamc_cli.platform import LocalPlatform, PlatformOptions, Ports
from zamc_gateway.web import mount_web

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "services" / "gateway" / "web"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("ZAMC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Ten simulated minutes per real second (as tests/e2e): hours of delivery within the test, while the
# simulated clock (started a week back) stays behind the wall clock the connectors report up to.
SANDBOX_SPEED = 600.0


def build_console() -> Path:
    if shutil.which("node") is None:
        pytest.fail("Node.js is needed to build the web console (apt-get install nodejs npm)")
    subprocess.run(["bash", str(WEB / "build.sh")], check=True, timeout=600)
    return WEB / "dist"


@pytest.fixture(scope="session")
def console_dist() -> Path:
    return build_console()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright: Debian's Chromium with the flags this closed network needs."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-GB",
        "timezone_id": "UTC",
    }


def _platform_options(data_dir: Path, public_base_url: str | None) -> PlatformOptions:
    ports = Ports(**{name: free_port() for name in Ports.__dataclass_fields__})
    env = {
        "ZAMC_LOG_LEVEL": "WARNING",
        "ZAMC_CONNECTOR_GOOGLE_SYNC_INTERVAL_SECONDS": "2",
        "ZAMC_CONNECTOR_META_SYNC_INTERVAL_SECONDS": "2",
        "ZAMC_CONNECTOR_GOOGLE_TOKEN_CHECK_INTERVAL_SECONDS": "2",
        "ZAMC_ANALYTICS_INGEST_COALESCE_SECONDS": "0.5",
        # a browser test signs up and clicks a lot from one address
        "ZAMC_GATEWAY_RATE_LIMIT_AUTH_PER_IP": "1000",
        "ZAMC_GATEWAY_RATE_LIMIT_PER_IP": "100000",
        "ZAMC_GATEWAY_RATE_LIMIT_PER_PRINCIPAL": "100000",
        # the optimiser looks every few seconds and may act on the first (provisional) hours, so a
        # recommendation arrives within the test rather than after an hour of settled data
        "ZAMC_ORCHESTRATOR_OPTIMIZER_EVALUATION_INTERVAL_SECONDS": "5",
        "ZAMC_ORCHESTRATOR_OPTIMIZER_ALLOW_PROVISIONAL": "true",
        "ZAMC_ORCHESTRATOR_OPTIMIZER_MIN_IMPRESSIONS": "100",
        "ZAMC_ORCHESTRATOR_OPTIMIZER_MIN_SPEND_MICROS": "0",
        "ZAMC_ORCHESTRATOR_OPTIMIZER_MIN_CONVERSIONS": "0",
        "ZAMC_ORCHESTRATOR_OPTIMIZER_COOLDOWN_HOURS": "0",
    }
    if public_base_url:
        env["ZAMC_GATEWAY_PUBLIC_BASE_URL"] = public_base_url
    return PlatformOptions(
        data_dir=data_dir,
        ports=ports,
        sandbox_speed=SANDBOX_SPEED,
        durable_postgres=False,
        sync_interval="default",
        extra_env=env,
    )


class FrontServer:
    """Serves the console with `zamc_gateway.web` and forwards /api/* to the gateway (streaming)."""

    def __init__(self, port: int, dist: Path) -> None:
        self.port = port
        self.dist = dist
        self.gateway_url = ""
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> Any:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None))

        @app.api_route("/api/{path:path}", methods=["GET", "POST", "PATCH", "DELETE", "PUT"])
        async def forward(path: str, request: Request) -> StreamingResponse:
            headers = {
                k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
            }
            upstream = await client.send(
                client.build_request(
                    request.method,
                    f"{self.gateway_url}/api/{path}",
                    params=request.query_params,
                    headers=headers,
                    content=await request.body(),
                ),
                stream=True,
            )
            drop = {"content-length", "transfer-encoding", "connection", "content-encoding"}
            return StreamingResponse(
                upstream.aiter_raw(),
                status_code=upstream.status_code,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in drop},
                background=BackgroundTask(upstream.aclose),
            )

        mount_web(app, dist=self.dist)
        return app

    async def serve(self) -> None:
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        await self.server.serve()


class PlatformThread:
    """`LocalPlatform` on a thread of its own; `start()` returns once every service is ready."""

    def __init__(self, data_dir: Path, dist: Path) -> None:
        self.data_dir = data_dir
        self.front = FrontServer(free_port(), dist)
        self.platform: LocalPlatform | None = None
        self.console_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="zamc-platform", daemon=True)

    def start(self, timeout: float = 240) -> PlatformThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the platform did not become ready")
        if self._error:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(120)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        front_task: asyncio.Task[None] | None = None
        own = gateway_serves_console()
        if not own:
            warnings.warn(
                "the gateway does not serve the web console yet (mount_web is not wired into create_app): "
                "the test serves dist/ from a front server that forwards /api to the gateway",
                stacklevel=1,
            )
        # browsers come back from OAuth consent to the console's origin
        platform = LocalPlatform(_platform_options(self.data_dir, None if own else self.front.url))
        platform.nats_url = platform.database_url = ""  # embedded servers of its own
        self.platform = platform
        try:
            await platform.start()
            await platform.wait_ready(timeout=180)
            if own:
                self.console_url = platform.gateway_url
            else:
                self.front.gateway_url = platform.gateway_url
                front_task = asyncio.create_task(self.front.serve())
                await _wait_port(self.front.port)
                self.console_url = self.front.url
            self._ready.set()
            await self._stop.wait()
        except BaseException as error:  # reported to the test thread
            self._error = error
            self._ready.set()
        finally:
            if self.front.server is not None:
                self.front.server.should_exit = True
            if front_task is not None:
                await asyncio.gather(front_task, return_exceptions=True)
            await platform.stop()


def gateway_serves_console() -> bool:
    """Whether the gateway's `create_app` mounts the console (`zamc_gateway.web.mount_web`)."""
    import zamc_gateway.app

    return "mount_web(" in Path(zamc_gateway.app.__file__).read_text()


async def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@pytest.fixture
def zamc(tmp_path: Path, console_dist: Path) -> Iterator[PlatformThread]:
    running = PlatformThread(tmp_path / "zamc", console_dist).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return (WEB / "node_modules" / "axe-core" / "axe.min.js").read_text()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
