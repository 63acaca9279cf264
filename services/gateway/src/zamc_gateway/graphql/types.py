"""GraphQL object types: thin views of what the service layer returns (no rules live here).

Scalars are typed; nested documents whose shape is owned by an event contract (a strategy, a
brief request, recommendation actions, evidence) are `JSON`, exactly as REST returns them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

T = TypeVar("T")


def _field_names(cls: type) -> list[str]:
    return [f.python_name for f in cls.__strawberry_definition__.fields]  # type: ignore[attr-defined]


def _json_fields(cls: type) -> set[str]:
    """Fields of the JSON scalar (optional or not): filled from the JSON-mode dump."""
    return {
        f.python_name
        for f in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if getattr(f.type, "of_type", f.type) is JSON
    }


def build(cls: type[T], source: BaseModel | dict[str, Any]) -> T:
    """An instance of the strawberry type `cls` from a service-layer result (pydantic model or dict)."""
    if isinstance(source, BaseModel):
        plain, as_json = source.model_dump(), source.model_dump(mode="json")
    else:
        plain = as_json = source
    json_fields = _json_fields(cls)
    values = {name: (as_json if name in json_fields else plain).get(name) for name in _field_names(cls)}
    return cls(**values)


@strawberry.type
class Business:
    name: str
    website: str | None = None
    industry: str | None = None
    description: str | None = None
    brand_voice: str | None = None


@strawberry.type
class Project:
    id: uuid.UUID
    name: str
    business: Business
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, source: BaseModel) -> Project:
        project = build(cls, source)
        project.business = Business(**source.business.model_dump())  # type: ignore[attr-defined]
        return project


@strawberry.type
class Progress:
    percent: int
    step: str | None = None
    message: str | None = None


@strawberry.type
class Brief:
    id: uuid.UUID
    project_id: uuid.UUID
    status: str
    progress: Progress
    strategy_id: uuid.UUID | None
    failure_reason: str | None
    request: JSON
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, source: BaseModel) -> Brief:
        brief = build(cls, source)
        brief.progress = Progress(**source.progress.model_dump())  # type: ignore[attr-defined]
        return brief


@strawberry.type
class Strategy:
    id: uuid.UUID
    project_id: uuid.UUID
    brief_id: uuid.UUID
    version: int
    current_version: int
    approved_version: int | None
    status: str
    generator: str
    model: str | None
    strategy: JSON = strawberry.field(description="the CampaignStrategy of `version`")
    versions: JSON
    updated_at: datetime


@strawberry.type
class Deployment:
    id: uuid.UUID
    project_id: uuid.UUID
    strategy_id: uuid.UUID
    strategy_version: int
    status: str
    policy: str
    targets: JSON
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


@strawberry.type
class DeploymentAccepted:
    id: uuid.UUID
    status: str


@strawberry.type
class BriefAccepted:
    id: uuid.UUID
    status: str


@strawberry.type
class Campaign:
    id: uuid.UUID
    project_id: uuid.UUID
    deployment_id: uuid.UUID
    strategy_id: uuid.UUID
    platform: str
    account_external_id: str
    platform_campaign_id: str
    name: str
    status: str
    daily_budget_micros: int | None
    currency: str
    bidding: JSON | None
    last_error: JSON | None
    pending_changes: JSON
    created_at: datetime
    updated_at: datetime


@strawberry.type
class CampaignChangeAccepted:
    change_id: uuid.UUID
    campaign_id: uuid.UUID
    status: str


@strawberry.type
class Totals:
    currency: str
    impressions: int
    clicks: int
    spend_micros: int
    conversions: float
    conversion_value_micros: int
    ctr: float | None
    cpc_micros: int | None
    cpa_micros: int | None
    roas: float | None


@strawberry.type
class PlatformTotals(Totals):
    platform: str


@strawberry.type
class AnalyticsSummary:
    project_id: uuid.UUID
    from_: datetime = strawberry.field(name="from")
    to: datetime
    platforms: list[PlatformTotals]
    overall: Totals | None
    overall_by_currency: list[Totals]
    settled: bool

    @classmethod
    def of(cls, source: dict[str, Any]) -> AnalyticsSummary:
        return cls(
            project_id=source["project_id"],
            from_=source["from"],
            to=source["to"],
            platforms=[build(PlatformTotals, p) for p in source["platforms"]],
            overall=build(Totals, source["overall"]) if source["overall"] else None,
            overall_by_currency=[build(Totals, t) for t in source["overall_by_currency"]],
            settled=source["settled"],
        )


@strawberry.type
class TimeseriesPoint(Totals):
    period_start: datetime
    settled: bool
    provisional: bool


@strawberry.type
class Recommendation:
    id: uuid.UUID
    project_id: uuid.UUID | None
    kind: str
    title: str
    actions: JSON
    evidence: JSON
    expected_impact: JSON | None
    confidence: float
    autopilot: bool
    status: str
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    applied_by: str | None
    reason: str | None
    created_at: datetime
    updated_at: datetime


@strawberry.type
class Autopilot:
    project_id: uuid.UUID
    enabled: bool
    updated_at: datetime | None


@strawberry.type
class Notification:
    id: uuid.UUID
    kind: str
    severity: str
    title: str
    body: str
    resource_type: str
    resource_id: str
    project_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None
    read: bool


@strawberry.type
class NotificationPage:
    items: list[Notification]
    unread_count: int


@strawberry.type
class AssetVersion:
    version: int
    sha256: str
    content_type: str
    size_bytes: int
    created_at: datetime


@strawberry.type
class Asset:
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: str
    status: str
    current_version: int
    content_type: str | None
    sha256: str | None
    size_bytes: int | None
    review_note: str | None
    created_at: datetime
    updated_at: datetime
    versions: list[AssetVersion]

    @classmethod
    def of(cls, source: dict[str, Any]) -> Asset:
        asset = build(cls, source)
        asset.versions = [build(AssetVersion, v) for v in source["versions"]]
        return asset


@strawberry.type
class LiveEvent:
    """One live change (the same payload `/stream` sends as server-sent events)."""

    id: str
    topic: str
    at: datetime
    data: JSON
