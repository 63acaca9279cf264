"""Settings of the optimiser: environment variables `ZAMC_ORCHESTRATOR_OPTIMIZER_*`.

The guardrails are configuration enforced in code (`domain/guardrails.py`); the defaults are the
conservative ones a marketer would choose by hand: at most 20 % budget change per step, one
change per campaign per day, and no action on provisional-only data (no hour older than the
platform's typical conversion lag, `maturity_hours_*`, and none settled).
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from zamc_orchestrator.optimizer.domain.guardrails import Guardrails
from zamc_orchestrator.optimizer.domain.model import DEFAULT_MATURITY_HOURS, Priors


class OptimizerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZAMC_ORCHESTRATOR_OPTIMIZER_", extra="ignore", frozen=True)

    # guardrails
    max_change_fraction: float = Field(default=0.2, gt=0, lt=1, description="largest budget change per step")
    min_change_fraction: float = Field(
        default=0.02, ge=0, lt=1, description="smaller changes are not worth an edit"
    )
    cooldown_hours: float = Field(default=24.0, ge=0, description="between two changes of one campaign")
    min_impressions: int = Field(default=1_000, ge=0)
    min_spend_micros: int = Field(default=20_000_000, ge=0)
    min_conversions: float = Field(default=3.0, ge=0)
    allow_provisional: bool = Field(default=False, description="act on campaigns with no mature hour yet")
    # an hour is mature once it ended this long ago (or analytics marked it settled): the typical
    # conversion lag, not the restatement window; reasoning in `domain/model.py`
    maturity_hours_google_ads: float = Field(default=DEFAULT_MATURITY_HOURS["google_ads"], gt=0)
    maturity_hours_meta: float = Field(default=DEFAULT_MATURITY_HOURS["meta"], gt=0)
    min_daily_budget_micros: int = Field(default=1_000_000, ge=0)

    # ad-level decisions (pause, resume, A/B)
    ad_min_impressions: int = Field(default=2_000, ge=0)
    ad_min_clicks: int = Field(default=50, ge=0)
    pause_probability: float = Field(
        default=0.95, gt=0.5, lt=1, description="P(worse than best sibling) to pause"
    )
    resume_probability: float = Field(
        default=0.5, gt=0, lt=1, description="P(better than best active sibling)"
    )
    ab_expected_loss: float = Field(
        default=0.01, gt=0, description="stop when the leader's expected loss < this share of its rate"
    )

    # statistics
    thompson_draws: int = Field(default=64, ge=1, le=4096)
    lag_hours_google_ads: float = Field(default=24.0, gt=0, description="prior mean conversion lag")
    lag_hours_meta: float = Field(default=24.0, gt=0)
    prior_half_saturation_ratio: float = Field(
        default=10.0, gt=0, description="prior half-saturation / budget"
    )

    # service
    evaluation_interval_seconds: float = Field(default=3600.0, gt=0)
    recommendation_ttl_hours: float = Field(default=48.0, gt=0)
    meta_edits_warning_per_week: int = Field(
        default=4, ge=1, description="budget edits in 7 days that reset learning"
    )

    def guardrails(self) -> Guardrails:
        return Guardrails(
            max_change_fraction=self.max_change_fraction,
            min_change_fraction=self.min_change_fraction,
            cooldown=timedelta(hours=self.cooldown_hours),
            min_impressions=self.min_impressions,
            min_spend_micros=self.min_spend_micros,
            min_conversions=self.min_conversions,
            allow_provisional=self.allow_provisional,
            min_daily_budget_micros=self.min_daily_budget_micros,
        )

    def priors(self) -> Priors:
        return Priors(
            lag_hours={"google_ads": self.lag_hours_google_ads, "meta": self.lag_hours_meta},
            ctr=0.02,
            conversion_rate=0.03,
            value_per_conversion_micros=50_000_000,
            half_log_ratio=math.log(self.prior_half_saturation_ratio),
            maturity_hours=self.maturity_hours(),
        )

    def maturity_hours(self) -> dict[str, float]:
        return {"google_ads": self.maturity_hours_google_ads, "meta": self.maturity_hours_meta}


@cache
def get_optimizer_settings() -> OptimizerSettings:
    return OptimizerSettings()
