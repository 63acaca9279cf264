"""Settings of analytics-ingest: environment variables `ZAMC_ANALYTICS_INGEST_*` plus the shared `ZAMC_*`."""

from decimal import Decimal
from functools import cache

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from zamc_events.runtime.settings import ServiceSettings


class AnomalyThresholds(BaseModel):
    """When an hour of a campaign is unusual compared with the campaign's own recent hours."""

    max_age_hours: float = Field(
        default=72, gt=0, description="hours older than this (vs now) are not judged"
    )
    history_hours: int = Field(default=168, ge=1, description="how far back the baseline reaches")
    min_history_hours: int = Field(default=12, ge=1, description="hours with data needed before judging")
    spend_spike_ratio: float = Field(default=3.0, gt=1)
    spend_spike_min_increase_micros: int = Field(default=5_000_000, ge=0)
    delivery_min_hours: int = Field(default=6, ge=1, description="delivering hours right before a stop")
    delivery_min_impressions: int = Field(default=100, ge=1, description="mean impressions of those hours")
    ctr_collapse_ratio: float = Field(default=0.3, gt=0, lt=1)
    ctr_min_expected_clicks: float = Field(default=20.0, gt=0)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZAMC_ANALYTICS_INGEST_", extra="ignore", populate_by_name=True, env_nested_delimiter="__"
    )

    http_port: int = 8104

    # How long a platform may still restate an hour (Google conversion window, Meta attribution window).
    restatement_window_days: dict[str, float] = {"google_ads": 14, "meta": 28}
    # Spend and conversion value summed across accounts (e.g. the spend metric) are converted to this.
    reporting_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # 1 unit of the key currency = value units of `reporting_currency`.
    exchange_rates: dict[str, Decimal] = {"EUR": Decimal(1), "USD": Decimal("0.92"), "GBP": Decimal("1.17")}

    # rollup_updated coalescing: at most one event per campaign per `rollup_min_interval_seconds`.
    rollup_min_interval_seconds: float = Field(default=1.0, ge=0)
    rollup_poll_seconds: float = Field(default=0.05, gt=0)
    rollup_campaigns_per_transaction: int = Field(default=200, ge=1)
    rollup_rows_per_event: int = Field(default=800, ge=10, description="larger windows are split")

    anomalies: AnomalyThresholds = AnomalyThresholds()

    @field_validator("restatement_window_days")
    @classmethod
    def _known_platforms(cls, value: dict[str, float]) -> dict[str, float]:
        missing = {"google_ads", "meta"} - set(value)
        if missing:
            raise ValueError(f"restatement_window_days needs every platform, missing {sorted(missing)}")
        return value


@cache
def get_settings() -> Settings:
    return Settings()
