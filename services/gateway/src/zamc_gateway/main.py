"""Entry point of gateway: `zamc-gateway`."""

from pathlib import Path

from zamc_events.runtime.service import ServiceDefinition, run_service
from zamc_gateway.adapters.reads import close_reads
from zamc_gateway.app import create_app
from zamc_gateway.config import get_settings
from zamc_gateway.handlers import handlers

SCHEMA = "gateway"

definition = ServiceDefinition(
    name="gateway",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
    http_app=create_app,
    background=[close_reads],
)


def run() -> None:
    run_service(definition, get_settings())
