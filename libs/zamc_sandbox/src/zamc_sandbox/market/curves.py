"""The true response of one campaign to daily spend: a Hill curve of reach, then CTR, CVR and value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResponseCurve:
    """Expected *daily* outcomes as a function of daily spend (micros, campaign currency).

    impressions(s) = max_daily_impressions * s^h / (s^h + half_saturation_spend^h)
    """

    max_daily_impressions: float
    half_saturation_spend_micros: float
    hill_exponent: float
    ctr: float
    conversion_rate: float  # share of clicks that convert *and* are attributed inside the window
    value_per_conversion_micros: float
    currency: str

    def impressions(self, daily_spend_micros: float) -> float:
        if daily_spend_micros <= 0:
            return 0.0
        s = daily_spend_micros**self.hill_exponent
        k = self.half_saturation_spend_micros**self.hill_exponent
        return self.max_daily_impressions * s / (s + k)

    def clicks(self, daily_spend_micros: float) -> float:
        return self.impressions(daily_spend_micros) * self.ctr

    def conversions(self, daily_spend_micros: float) -> float:
        return self.clicks(daily_spend_micros) * self.conversion_rate

    def conversions_value_micros(self, daily_spend_micros: float) -> float:
        return self.conversions(daily_spend_micros) * self.value_per_conversion_micros

    def roas(self, daily_spend_micros: float) -> float:
        if daily_spend_micros <= 0:
            return 0.0
        return self.conversions_value_micros(daily_spend_micros) / daily_spend_micros

    def marginal_roas(self, daily_spend_micros: float, step_micros: float = 1_000_000) -> float:
        low = max(daily_spend_micros - step_micros / 2, 0.0)
        high = low + step_micros
        return (self.conversions_value_micros(high) - self.conversions_value_micros(low)) / step_micros
