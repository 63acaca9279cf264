from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from example_service.service import definition
from runtime_support import example_settings

from zamc_events.runtime.service import ServiceRuntime


@pytest.fixture
async def example_runtime(jetstream, nats_url: str, database_url: str) -> AsyncIterator[ServiceRuntime]:
    runtime = ServiceRuntime(definition, example_settings(nats_url, database_url))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()
