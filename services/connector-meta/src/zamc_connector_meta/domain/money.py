"""Money: ZAMC's integer micros against Meta's minor units and decimal strings.

Meta budgets are integers in the currency's "offset" unit: cents for most currencies, the
whole unit for currencies without minor units (Meta's currency table, offset 1).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MICROS_PER_UNIT = 1_000_000
# Meta's currencies with offset 1 (no minor unit in budgets)
WHOLE_UNIT_CURRENCIES = frozenset(
    {"CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"}
)


def minor_unit_offset(currency: str) -> int:
    return 1 if currency.upper() in WHOLE_UNIT_CURRENCIES else 100


def micros_to_minor_units(micros: int, currency: str) -> int:
    """Micros → Meta budget units, rounded half up (1.005 EUR → 101 cents)."""
    per_unit = MICROS_PER_UNIT // minor_unit_offset(currency)
    return int((Decimal(micros) / per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minor_units_to_micros(units: int | str, currency: str) -> int:
    return int(units) * (MICROS_PER_UNIT // minor_unit_offset(currency))


def amount_to_micros(amount: str | float | int | None) -> int:
    """A Graph decimal string ("12.34", the account currency) → micros; junk or empty → 0."""
    if amount in (None, ""):
        return 0
    try:
        value = Decimal(str(amount)) * MICROS_PER_UNIT
    except InvalidOperation:
        return 0
    return max(int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)), 0)
