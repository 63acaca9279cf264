"""The whole of ZAMC on one machine: NATS, PostgreSQL, the platform sandboxes and the five services.

Used by `zamc up` and by the end-to-end tests, so both run the platform the same way.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from zamc_cli.embedded import EmbeddedNats, EmbeddedPostgres, ensure_port_free
from zamc_cli.supervisor import ProcessSpec, Supervisor
from zamc_cli.wiring import SERVICES, SandboxEndpoints, sandbox_environment, service_environment


@dataclass
class Ports:
    nats: int = 4222
    postgres: int = 55432
    gateway: int = 8000
    orchestrator: int = 8101
    connector_google: int = 8102
    connector_meta: int = 8103
    analytics_ingest: int = 8104
    sandbox_google: int = 50051
    sandbox_graph: int = 8201
    sandbox_oauth: int = 8200

    def of_service(self, service: str) -> int:
        return getattr(self, service.replace("-", "_"))


@dataclass
class PlatformOptions:
    data_dir: Path = Path(".zamc")
    ports: Ports = field(default_factory=Ports)
    sync_interval: str = "always"
    sandbox: bool = True
    sandbox_speed: float = 60.0
    sandbox_seed: int = 0
    durable_postgres: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)


class LocalPlatform:
    def __init__(self, options: PlatformOptions) -> None:
        self.options = options
        self.nats: EmbeddedNats | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.supervisor: Supervisor | None = None
        self.nats_url = os.environ.get("ZAMC_NATS_URL", "")
        self.database_url = os.environ.get("ZAMC_DATABASE_URL", "")

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.options.ports.gateway}"

    @property
    def sandbox_admin_url(self) -> str:
        return f"http://127.0.0.1:{self.options.ports.sandbox_oauth}"

    def sandbox_endpoints(self) -> SandboxEndpoints | None:
        if not self.options.sandbox:
            return None
        return SandboxEndpoints.on_loopback(
            state_dir=self.options.data_dir / "sandbox",
            google_port=self.options.ports.sandbox_google,
            graph_port=self.options.ports.sandbox_graph,
            oauth_port=self.options.ports.sandbox_oauth,
        )

    def check_ports(self) -> None:
        ports = self.options.ports
        wanted = {service: ports.of_service(service) for service in SERVICES}
        if self.options.sandbox:
            wanted |= {
                "sandbox (Google Ads)": ports.sandbox_google,
                "sandbox (Graph API)": ports.sandbox_graph,
                "sandbox (OAuth)": ports.sandbox_oauth,
            }
        for what, port in wanted.items():
            ensure_port_free(port, what)

    def start_infrastructure(self) -> None:
        data = self.options.data_dir.resolve()
        (data / "logs").mkdir(parents=True, exist_ok=True)
        if not self.nats_url:
            self.nats = EmbeddedNats(
                data / "nats", port=self.options.ports.nats, sync_interval=self.options.sync_interval
            ).start(data / "logs" / "nats.log")
            self.nats_url = self.nats.url
        if not self.database_url:
            self.postgres = EmbeddedPostgres(
                data / "pg", port=self.options.ports.postgres, durable=self.options.durable_postgres
            ).start(data / "logs" / "postgres.log")
            self.database_url = self.postgres.url()

    def process_specs(self) -> list[ProcessSpec]:
        bin_dir = Path(sys.executable).parent
        specs = []
        sandbox = self.sandbox_endpoints()
        if sandbox:
            ports = self.options.ports
            specs.append(
                ProcessSpec(
                    "sandbox",
                    [
                        str(bin_dir / "zamc-sandbox"),
                        "run",
                        "--state-dir",
                        str(sandbox.state_dir),
                        "--seed",
                        str(self.options.sandbox_seed),
                        "--speed",
                        str(self.options.sandbox_speed),
                        "--google-port",
                        str(ports.sandbox_google),
                        "--graph-port",
                        str(ports.sandbox_graph),
                        "--oauth-port",
                        str(ports.sandbox_oauth),
                    ],
                    env={**sandbox_environment(sandbox), **self.options.extra_env},
                )
            )
        for service in SERVICES:
            env = service_environment(
                service,
                nats_url=self.nats_url,
                database_url=self.database_url,
                http_port=self.options.ports.of_service(service),
                gateway_url=self.gateway_url,
                sandbox=sandbox,
            )
            specs.append(
                ProcessSpec(
                    service, [str(bin_dir / f"zamc-{service}")], env={**env, **self.options.extra_env}
                )
            )
        return specs

    async def start(self) -> None:
        self.check_ports()
        self.start_infrastructure()
        self.supervisor = Supervisor(self.process_specs())
        self.supervisor.start()

    async def wait_ready(self, timeout: float = 120.0) -> dict[str, str]:
        """Wait until every service's /readyz answers 200; returns service -> base URL."""
        urls = {s: f"http://127.0.0.1:{self.options.ports.of_service(s)}" for s in SERVICES}
        pending = dict(urls)
        async with httpx.AsyncClient(timeout=2.0) as client, asyncio.timeout(timeout):
            while pending:
                for service, url in list(pending.items()):
                    try:
                        if (await client.get(f"{url}/readyz")).status_code == 200:
                            del pending[service]
                    except httpx.HTTPError:
                        pass
                await asyncio.sleep(0.25)
        return urls

    async def stop(self) -> None:
        if self.supervisor:
            await self.supervisor.stop()
        if self.postgres:
            self.postgres.stop()
        if self.nats:
            self.nats.stop()
