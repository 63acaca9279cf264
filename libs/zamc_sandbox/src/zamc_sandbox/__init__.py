"""ZAMC platform sandboxes: Google Ads API (gRPC+TLS), Meta Graph API (HTTP), OAuth, a market simulator.

`from zamc_sandbox import Sandbox` (imported lazily so `zamc_sandbox.tls` stays grpc-free).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zamc_sandbox.faults import FaultKind
    from zamc_sandbox.sandbox import Ports, Sandbox

__all__ = ["FaultKind", "Ports", "Sandbox"]


def __getattr__(name: str) -> Any:
    if name in ("Sandbox", "Ports"):
        from zamc_sandbox import sandbox

        return getattr(sandbox, name)
    if name == "FaultKind":
        from zamc_sandbox.faults import FaultKind

        return FaultKind
    raise AttributeError(name)
