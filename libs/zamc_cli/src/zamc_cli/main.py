"""`zamc`: run the whole platform on this machine."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import typer

from zamc_cli.embedded import PortInUseError
from zamc_cli.platform import LocalPlatform, PlatformOptions, Ports

app = typer.Typer(help="ZAMC — Zero-effort AI Marketing Campaigns, on one machine.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """ZAMC command line."""


@app.command()
def up(
    data_dir: Path = typer.Option(Path(".zamc"), help="NATS, PostgreSQL, sandbox state and logs live here."),
    sync_interval: str = typer.Option(
        "always",
        help="JetStream fsync: 'always' survives an OS crash; 'default' is NATS's 2-minute interval.",
    ),
    sandbox: bool = typer.Option(
        True, help="Start the Google Ads and Meta sandboxes and point the connectors at them."
    ),
    sandbox_speed: float = typer.Option(
        60.0, help="Simulated seconds per real second in the sandbox market."
    ),
    nats_port: int = typer.Option(4222, envvar="ZAMC_UP_NATS_PORT"),
    postgres_port: int = typer.Option(55432, envvar="ZAMC_UP_POSTGRES_PORT"),
    gateway_port: int = typer.Option(8000, envvar="ZAMC_UP_GATEWAY_PORT"),
    orchestrator_port: int = typer.Option(8101, envvar="ZAMC_UP_ORCHESTRATOR_PORT"),
    connector_google_port: int = typer.Option(8102, envvar="ZAMC_UP_CONNECTOR_GOOGLE_PORT"),
    connector_meta_port: int = typer.Option(8103, envvar="ZAMC_UP_CONNECTOR_META_PORT"),
    analytics_ingest_port: int = typer.Option(8104, envvar="ZAMC_UP_ANALYTICS_INGEST_PORT"),
    sandbox_google_port: int = typer.Option(50051, envvar="ZAMC_UP_SANDBOX_GOOGLE_PORT"),
    sandbox_graph_port: int = typer.Option(8201, envvar="ZAMC_UP_SANDBOX_GRAPH_PORT"),
    sandbox_oauth_port: int = typer.Option(8200, envvar="ZAMC_UP_SANDBOX_OAUTH_PORT"),
) -> None:
    """Start NATS JetStream, PostgreSQL, the sandboxes and the five services; Ctrl-C stops everything."""
    ports = Ports(
        nats=nats_port,
        postgres=postgres_port,
        gateway=gateway_port,
        orchestrator=orchestrator_port,
        connector_google=connector_google_port,
        connector_meta=connector_meta_port,
        analytics_ingest=analytics_ingest_port,
        sandbox_google=sandbox_google_port,
        sandbox_graph=sandbox_graph_port,
        sandbox_oauth=sandbox_oauth_port,
    )
    options = PlatformOptions(
        data_dir=data_dir,
        ports=ports,
        sync_interval=sync_interval,
        sandbox=sandbox,
        sandbox_speed=sandbox_speed,
    )
    try:
        asyncio.run(_up(LocalPlatform(options)))
    except PortInUseError as error:
        typer.secho(f"zamc up: {error}", fg="red", err=True)
        raise typer.Exit(2) from None


async def _up(platform: LocalPlatform) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await platform.start()
        typer.echo(f"NATS JetStream   {platform.nats_url}")
        typer.echo(f"PostgreSQL       {platform.database_url}")
        waiting = asyncio.create_task(platform.wait_ready())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({waiting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if waiting.done() and not waiting.exception():
            typer.secho("\nZAMC is up:", bold=True)
            for service, url in waiting.result().items():
                typer.echo(f"  {service:17} {url}  (/readyz, /metrics)")
            typer.secho(
                f"\n  Open {platform.gateway_url}/ — API docs at {platform.gateway_url}/docs\n", bold=True
            )
        elif waiting.done():
            typer.secho(f"not every service became ready: {waiting.exception()!r}", fg="yellow")
        await stopped
    finally:
        typer.echo("stopping…")
        with contextlib.suppress(Exception):
            await platform.stop()
        typer.echo("stopped.")
