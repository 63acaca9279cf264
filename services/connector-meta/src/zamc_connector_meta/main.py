"""Entry point of connector-meta: `zamc-connector-meta`."""

from pathlib import Path

from zamc_connector_meta.adapters import redaction
from zamc_connector_meta.config import get_settings
from zamc_connector_meta.handlers import handlers
from zamc_connector_meta.jobs import background_jobs
from zamc_connector_meta.service_layer.context import Clock
from zamc_events.runtime.service import ServiceDefinition, run_service

SCHEMA = "connector_meta"


def build_definition(clock: Clock | None = None) -> ServiceDefinition:
    """The service; `clock` replaces the wall clock (tests drive it with the sandbox's clock)."""
    redaction.install()
    return ServiceDefinition(
        name="connector-meta",
        schema=SCHEMA,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=lambda runtime: handlers(runtime, clock),
        background=background_jobs(clock),
    )


definition = build_definition()


def run() -> None:
    run_service(definition, get_settings())
