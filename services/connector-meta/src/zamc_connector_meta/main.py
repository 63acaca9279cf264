"""Entry point of connector-meta: `zamc-connector-meta`."""

from pathlib import Path

from zamc_events.runtime.service import ServiceDefinition, run_service

from zamc_connector_meta.config import get_settings
from zamc_connector_meta.handlers import handlers

SCHEMA = "connector_meta"

definition = ServiceDefinition(
    name="connector-meta",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def run() -> None:
    run_service(definition, get_settings())
