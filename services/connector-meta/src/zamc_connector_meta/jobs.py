"""Background jobs: metric sync and token upkeep, each on its own schedule."""

from __future__ import annotations

import asyncio

import structlog

from zamc_connector_meta.service_layer import linking, sync
from zamc_connector_meta.service_layer.context import Clock, connector_for
from zamc_events.runtime.service import BackgroundJob, ServiceRuntime

log = structlog.get_logger("zamc.connector_meta.jobs")


def background_jobs(clock: Clock | None = None) -> list[BackgroundJob]:
    async def metric_sync(runtime: ServiceRuntime) -> None:
        connector = connector_for(runtime, clock)
        if not connector.settings.sync_enabled:
            return
        while True:
            try:
                await sync.sync_all(connector=connector)
            except Exception:
                log.exception("metric sync pass failed")
            await asyncio.sleep(connector.settings.sync_interval_seconds)

    async def token_upkeep(runtime: ServiceRuntime) -> None:
        connector = connector_for(runtime, clock)
        try:
            await linking.link_system_user(connector=connector)
            rotated = await linking.rotate_token_encryption(connector=connector)
            if rotated:
                log.info("tokens re-encrypted with the newest key", tokens=rotated)
        except Exception:
            log.exception("token start-up tasks failed")
        while True:
            try:
                await linking.refresh_expiring_tokens(connector=connector)
            except Exception:
                log.exception("token refresh pass failed")
            await asyncio.sleep(connector.settings.token_check_interval_seconds)

    return [metric_sync, token_upkeep]
