"""`zamc-sandbox run`: serve Google Ads gRPC, Meta Graph HTTP, OAuth and admin until interrupted."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from zamc_sandbox.tls import ROOTS_ENV, trust_sandbox_certificate

app = typer.Typer(
    help="ZAMC platform sandboxes (Google Ads API, Meta Graph API, OAuth) fed by a market simulator."
)


@app.callback()
def main() -> None:
    """ZAMC platform sandboxes."""


@app.command()
def run(
    state_dir: Path = typer.Option(Path(".zamc/sandbox"), help="Where the TLS certificate is written."),
    seed: int = typer.Option(0, help="Market seed: same seed, same delivery."),
    host: str = typer.Option("127.0.0.1", help="Loopback address to listen on."),
    google_port: int = typer.Option(50051, help="Google Ads API gRPC+TLS port."),
    graph_port: int = typer.Option(8201, help="Meta Graph API HTTP port."),
    oauth_port: int = typer.Option(8200, help="OAuth + admin HTTP port."),
    speed: float = typer.Option(60.0, help="Simulated seconds per real second (0 = frozen, 3600 = 1 h/s)."),
    days_back: float = typer.Option(
        7.0,
        help="Start the simulated clock this many days before now, so a fast clock stays behind the wall "
        "clock (connectors read reports up to today) for days_back × 86400 / (speed − 1) real seconds.",
    ),
) -> None:
    """Start every sandbox and block until SIGINT/SIGTERM."""
    trust_sandbox_certificate(state_dir)
    from zamc_sandbox.sandbox import Ports, Sandbox

    start = (datetime.now(UTC) - timedelta(days=days_back)).replace(minute=0, second=0, microsecond=0)
    sandbox = Sandbox.start(
        state_dir,
        seed=seed,
        host=host,
        ports=Ports(google_port, graph_port, oauth_port),
        speed=speed,
        start_time=start,
    )
    for name, where in sandbox.endpoints().items():
        typer.echo(f"{name:24} {where}")
    typer.echo(f"{'trust with':24} {ROOTS_ENV}={os.environ[ROOTS_ENV]}")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            sandbox.market.catch_up()
    finally:
        sandbox.stop()
