"""Optimiser recommendations and their application."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from pydantic import Field

from zamc_events.contracts.base import Event
from zamc_events.contracts.common import Platform, Value

RecommendationKind = Literal["budget_shift", "bid_adjustment", "pause", "resume", "ab_winner", "warning"]


class ExpectedImpact(Value):
    metric: str
    delta: float
    low: float
    high: float


class RecommendedAction(Value):
    platform: Platform
    account_external_id: str
    platform_object_id: str
    object_kind: Literal["campaign", "ad_group", "ad_set", "ad"] = "campaign"
    daily_budget_micros: int | None = None
    status: Literal["ENABLED", "PAUSED"] | None = None
    current_daily_budget_micros: int | None = Field(
        default=None, description="the budget when recommended, so a reader sees the change"
    )
    parent_object_id: str | None = Field(default=None, description="the ad group/ad set or campaign above it")
    target_roas: float | None = Field(default=None, description="advice for a TARGET_ROAS campaign")
    target_cpa_micros: int | None = Field(default=None, description="advice for a TARGET_CPA campaign")


class OptimizationRecommended(Event):
    subject: ClassVar[str] = "zamc.optimization.recommended.v1"
    recommendation_id: uuid.UUID
    project_id: uuid.UUID | None = None
    kind: RecommendationKind
    title: str
    actions: list[RecommendedAction]
    evidence: dict[str, Any]
    expected_impact: ExpectedImpact | None = None
    confidence: float = Field(ge=0, le=1)
    autopilot: bool = False


class OptimizationApplyRequested(Event):
    subject: ClassVar[str] = "zamc.optimization.apply_requested.v1"
    recommendation_id: uuid.UUID
    requested_by: uuid.UUID | None = None


class OptimizationApplied(Event):
    subject: ClassVar[str] = "zamc.optimization.applied.v1"
    recommendation_id: uuid.UUID
    change_ids: list[uuid.UUID]
    applied_by: str = Field(description="a user id, or 'autopilot'")


class OptimizationClosed(Event):
    """A recommendation closed without being applied: the optimiser refused to apply it (a guardrail,
    or it was no longer open), or it expired or was superseded by a newer one on the same topic."""

    subject: ClassVar[str] = "zamc.optimization.closed.v1"
    recommendation_id: uuid.UUID
    status: Literal["refused", "expired", "superseded"]
    reason: str
    closed_by: str = Field(default="optimizer", description="'user:<id>', 'autopilot' or 'optimizer'")


class OptimizationDismissed(Event):
    subject: ClassVar[str] = "zamc.optimization.dismissed.v1"
    recommendation_id: uuid.UUID
    dismissed_by: uuid.UUID | None = None


class AutopilotChanged(Event):
    subject: ClassVar[str] = "zamc.optimization.autopilot_changed.v1"
    project_id: uuid.UUID
    enabled: bool
    platform_campaign_ids: list[str] = []
