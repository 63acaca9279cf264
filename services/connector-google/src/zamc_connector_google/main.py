"""Entry point of connector-google: `zamc-connector-google`."""

from pathlib import Path

from zamc_connector_google.config import get_settings
from zamc_connector_google.handlers import handlers
from zamc_connector_google.service.jobs import close_on_stop, metric_sync, token_refresh
from zamc_events.runtime.service import ServiceDefinition, run_service

SCHEMA = "connector_google"

definition = ServiceDefinition(
    name="connector-google",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
    background=[metric_sync, token_refresh, close_on_stop],
)


def run() -> None:
    run_service(definition, get_settings())


if __name__ == "__main__":
    run()
