"""Entry point of connector-google: `zamc-connector-google`."""

from pathlib import Path

from zamc_events.runtime.service import ServiceDefinition, run_service

from zamc_connector_google.config import get_settings
from zamc_connector_google.handlers import handlers

SCHEMA = "connector_google"

definition = ServiceDefinition(
    name="connector-google",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def run() -> None:
    run_service(definition, get_settings())
