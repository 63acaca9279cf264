"""Entry point of orchestrator: `zamc-orchestrator` (or `python -m zamc_orchestrator.main`)."""

from pathlib import Path

from zamc_events.runtime.service import ServiceDefinition, run_service
from zamc_orchestrator.config import get_settings
from zamc_orchestrator.handlers import handlers
from zamc_orchestrator.jobs import deployment_timeouts, strategy_generation
from zamc_orchestrator.optimizer.handlers import optimizer_background_jobs

SCHEMA = "orchestrator"

definition = ServiceDefinition(
    name="orchestrator",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
    background=[strategy_generation, deployment_timeouts, *optimizer_background_jobs()],
)


def run() -> None:
    run_service(definition, get_settings())


if __name__ == "__main__":
    run()
