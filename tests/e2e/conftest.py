"""The whole platform as `zamc up` runs it, on free ports, for the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from zamc_cli.embedded import free_port
from zamc_cli.platform import LocalPlatform, PlatformOptions, Ports

# Ten simulated minutes per real second: hours of delivery within a test, while the simulated
# clock (started a week back) stays behind the wall clock that connectors' report windows end at.
SANDBOX_SPEED = 600.0


def platform_options(data_dir: Path, **extra_env: str) -> PlatformOptions:
    ports = Ports(**{name: free_port() for name in Ports.__dataclass_fields__})
    env = {
        "ZAMC_LOG_LEVEL": "WARNING",
        "ZAMC_CONNECTOR_GOOGLE_SYNC_INTERVAL_SECONDS": "2",
        "ZAMC_CONNECTOR_META_SYNC_INTERVAL_SECONDS": "2",
        "ZAMC_CONNECTOR_GOOGLE_TOKEN_CHECK_INTERVAL_SECONDS": "2",
        "ZAMC_ANALYTICS_INGEST_COALESCE_SECONDS": "0.5",
        "ZAMC_CRASH_ONCE_DIR": str(data_dir / "crashes"),
        **extra_env,
    }
    return PlatformOptions(
        data_dir=data_dir,
        ports=ports,
        sandbox_speed=SANDBOX_SPEED,
        durable_postgres=False,
        sync_interval="default",
        extra_env=env,
    )


@pytest.fixture
async def platform(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[LocalPlatform]:
    """Real NATS, PostgreSQL, sandboxes and five service processes; extra env via `@pytest.mark.platform_env`."""
    marker = request.node.get_closest_marker("platform_env")
    running = LocalPlatform(platform_options(tmp_path / "zamc", **(marker.kwargs if marker else {})))
    try:
        await running.start()
        await running.wait_ready(timeout=180)
        yield running
    finally:
        await running.stop()
