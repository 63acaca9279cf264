"""Read models projected from other services' events: `core` (part A) and `live` (analytics,
recommendations, notifications). `handlers(runtime)` merges both registries; when both project
the same subject, both handlers run (core first) in the one transaction of the event."""

from __future__ import annotations

from collections.abc import Mapping

from zamc_events.runtime.consumer import Handler, HandlerContext
from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway.projections import core, live


def _chain(first: Handler, second: Handler) -> Handler:
    async def both(ctx: HandlerContext) -> None:
        await first(ctx)
        await second(ctx)

    return both


def merge(*registries: Mapping[str, Handler]) -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for registry in registries:
        for subject, handler in registry.items():
            merged[subject] = _chain(merged[subject], handler) if subject in merged else handler
    return merged


def handlers(runtime: ServiceRuntime) -> dict[str, Handler]:
    return merge(core.handlers(runtime), live.live_handlers(runtime))
