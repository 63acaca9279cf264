"""Entry point of gateway: `zamc-gateway`."""

import dataclasses
import gc
from pathlib import Path

from zamc_events.runtime.service import ServiceDefinition, ServiceRuntime, run_service
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


async def freeze_heap(runtime: ServiceRuntime) -> None:
    """Once started (app built, connections open), move every object alive to the garbage
    collector's permanent generation: the ~200,000 objects of the libraries and the app are then
    no longer walked by each full collection, which otherwise stalled every request in flight for
    tens of milliseconds, several times a minute under load. Only for the process `run()` starts
    (frozen objects are never collected: a test process, which starts many runtimes, would keep them).
    """
    gc.collect()
    gc.freeze()


def run() -> None:
    process = dataclasses.replace(definition, background=[*definition.background, freeze_heap])
    run_service(process, get_settings())
