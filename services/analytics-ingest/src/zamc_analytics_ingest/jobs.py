"""Background jobs of analytics-ingest (run by the service runtime next to the consumer)."""

from __future__ import annotations

import asyncio

import structlog

from zamc_analytics_ingest.service import publish_rollup_updates
from zamc_events.contracts.base import utcnow
from zamc_events.runtime.service import ServiceRuntime

log = structlog.get_logger("zamc.analytics")


async def rollup_publisher(runtime: ServiceRuntime) -> None:
    """Drain dirty campaign windows into coalesced rollup_updated events, forever."""
    settings = runtime.settings
    assert runtime.sessions is not None
    while True:
        try:
            async with runtime.sessions() as session, session.begin():
                published = await publish_rollup_updates(
                    session=session, publisher=runtime.publisher, settings=settings, now=utcnow()
                )
        except Exception:
            log.warning("publishing rollups failed; retrying", exc_info=True)
            await asyncio.sleep(1.0)
            continue
        if published < settings.rollup_campaigns_per_transaction:
            await asyncio.sleep(settings.rollup_poll_seconds)
