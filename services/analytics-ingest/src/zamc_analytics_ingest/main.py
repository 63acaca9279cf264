"""Entry point of analytics-ingest: `zamc-analytics-ingest` (or `python -m zamc_analytics_ingest.main`)."""

from pathlib import Path

from zamc_analytics_ingest.config import get_settings
from zamc_analytics_ingest.handlers import handlers
from zamc_analytics_ingest.jobs import rollup_publisher
from zamc_events.runtime.service import ServiceDefinition, run_service

SCHEMA = "analytics"

definition = ServiceDefinition(
    name="analytics-ingest",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
    background=[rollup_publisher],
)


def run() -> None:
    run_service(definition, get_settings())


if __name__ == "__main__":
    run()
