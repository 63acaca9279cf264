"""Event handlers of gateway: subject -> handler (the projections of `projections/`)."""

from __future__ import annotations

from collections.abc import Mapping

from zamc_events.runtime.consumer import Handler
from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway import projections


def handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    return projections.handlers(runtime)
