"""Entry point of orchestrator: `zamc-orchestrator`."""

from pathlib import Path

from zamc_events.runtime.service import ServiceDefinition, run_service
from zamc_orchestrator.config import get_settings
from zamc_orchestrator.handlers import handlers

SCHEMA = "orchestrator"

definition = ServiceDefinition(
    name="orchestrator",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def run() -> None:
    run_service(definition, get_settings())
