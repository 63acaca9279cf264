"""Amounts in currency units (as people type them) to integer micros (as ZAMC stores them)."""

from __future__ import annotations

from decimal import Decimal

from zamc_events.platform_limits import currency_unit_micros

MICROS = 1_000_000


def to_micros(amount: Decimal) -> int:
    return int((amount * MICROS).to_integral_value())


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS).quantize(Decimal("0.000001")).normalize()


def fits_currency(micros: int, currency: str) -> bool:
    """Whole cents (or whole units for zero-decimal currencies)."""
    return micros % currency_unit_micros(currency) == 0
