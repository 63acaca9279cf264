"""Converting micros between currencies with configured rates (not historical FX)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal


class MissingExchangeRateError(LookupError):
    pass


@dataclass(frozen=True)
class ExchangeRates:
    """`rates[code]` = how many units of `reporting_currency` one unit of `code` is worth."""

    reporting_currency: str
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def rate(self, currency: str, to: str | None = None) -> Decimal:
        target = to or self.reporting_currency
        if currency == target:
            return Decimal(1)
        return self._to_reporting(currency) / self._to_reporting(target)

    def convert(self, amount_micros: int, currency: str, to: str | None = None) -> int:
        """`amount_micros` of `currency` in micros of `to` (default: the reporting currency)."""
        converted = Decimal(amount_micros) * self.rate(currency, to)
        return int(converted.to_integral_value(rounding=ROUND_HALF_EVEN))

    def _to_reporting(self, currency: str) -> Decimal:
        if currency == self.reporting_currency:
            return Decimal(1)
        try:
            rate = Decimal(self.rates[currency])
        except KeyError:
            raise MissingExchangeRateError(
                f"no exchange rate from {currency} to {self.reporting_currency} is configured"
            ) from None
        if rate <= 0:
            raise MissingExchangeRateError(f"the exchange rate of {currency} must be positive")
        return rate
