"""Projections of part A: connections, briefs and strategies, deployments and platform campaigns."""

from __future__ import annotations

from collections.abc import Mapping

from zamc_events.runtime.consumer import Handler
from zamc_events.runtime.service import ServiceRuntime


def handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    return {}
