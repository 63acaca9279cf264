"""The life of an optimiser recommendation as the marketer sees it.

open ──apply──▶ apply_requested ──(zamc.optimization.applied.v1)──▶ applied
  └──dismiss──▶ dismissed
An `applied` event is final from any state (autopilot applies without asking).
"""

from __future__ import annotations

from typing import Literal

from zamc_gateway.domain.errors import Conflict

RecommendationStatus = Literal[
    "open", "apply_requested", "applied", "dismissed", "refused", "expired", "superseded"
]
CLOSABLE = ("open", "apply_requested")  # what the optimiser may still close without applying


def after_apply_request(status: str) -> RecommendationStatus:
    if status != "open":
        raise Conflict(f"a recommendation that is {status} cannot be applied")
    return "apply_requested"


def after_dismiss(status: str) -> RecommendationStatus:
    if status != "open":
        raise Conflict(f"a recommendation that is {status} cannot be dismissed")
    return "dismissed"


def after_applied(status: str) -> RecommendationStatus:
    return "applied"
