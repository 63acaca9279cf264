"""Every ZAMC event contract. Importing this package registers them all."""

from zamc_events.contracts import accounts, campaign, metrics, optimization, strategy  # noqa: F401
from zamc_events.contracts.base import (
    Envelope,
    Event,
    InvalidEventError,
    UnknownSubjectError,
    model_for,
    parse_envelope,
    registry,
)

__all__ = [
    "Envelope",
    "Event",
    "InvalidEventError",
    "UnknownSubjectError",
    "model_for",
    "parse_envelope",
    "registry",
]
