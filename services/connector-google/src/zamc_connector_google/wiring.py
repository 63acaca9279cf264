"""One `Connector` per running service, built on first use from the runtime's settings and publisher."""

from __future__ import annotations

from typing import cast

from zamc_connector_google.config import Settings
from zamc_connector_google.service.access import Connector, trust_roots
from zamc_events.runtime.service import ServiceRuntime


def connector_for(runtime: ServiceRuntime) -> Connector:
    connector = getattr(runtime, "_google_connector", None)
    if connector is None:
        settings = cast(Settings, runtime.settings)
        trust_roots(settings.ca_cert_file)  # before the first gRPC channel
        connector = Connector(settings=settings, publisher=runtime.publisher)
        runtime._google_connector = connector  # type: ignore[attr-defined]
    return connector
