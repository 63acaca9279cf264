"""API shapes (requests and public responses) shared by REST and GraphQL; never table rows."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from zamc_events.contracts.campaign import DeploymentPolicy, DeploymentStatus
from zamc_events.contracts.common import Platform
from zamc_events.contracts.strategy import BudgetPeriod, Goal
from zamc_gateway.domain.policy import ApiKeyScope, Role

# string length limits for everything a client sends
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048, pattern=r"^https?://[^\s/$.?#][^\s]*$")
]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# identity ---------------------------------------------------------------------------------------
class SignupRequest(Request):
    email: EmailStr = Field(max_length=320)
    password: Password
    organization_name: Name


class LoginRequest(Request):
    email: EmailStr = Field(max_length=320)
    password: Annotated[str, StringConstraints(max_length=256)]


class RefreshRequest(Request):
    refresh_token: Annotated[str, StringConstraints(max_length=200)]


class LogoutRequest(Request):
    refresh_token: Annotated[str, StringConstraints(max_length=200)] | None = None


class TokenPair(Public):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserPublic(Public):
    id: uuid.UUID
    email: str
    created_at: datetime


class OrganizationPublic(Public):
    id: uuid.UUID
    name: str
    role: Role | None = None


class SignupResponse(TokenPair):
    user: UserPublic
    organization: OrganizationPublic


class ApiKeyIdentity(Public):
    id: uuid.UUID
    name: str
    scope: ApiKeyScope


class MePublic(Public):
    kind: Literal["user", "api_key"]
    user: UserPublic | None = None
    api_key: ApiKeyIdentity | None = None
    organizations: list[OrganizationPublic]


# organizations ----------------------------------------------------------------------------------
class MemberCreate(Request):
    email: EmailStr = Field(max_length=320)
    role: Role = Role.member


class MemberPublic(Public):
    user_id: uuid.UUID
    email: str
    role: Role
    status: Literal["active", "invited"]
    created_at: datetime


# API keys ---------------------------------------------------------------------------------------
class ApiKeyCreate(Request):
    name: Name
    scope: ApiKeyScope = ApiKeyScope.read


class ApiKeyPublic(Public):
    id: uuid.UUID
    name: str
    scope: ApiKeyScope
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the secret; shown only in this response")


# platform connections ---------------------------------------------------------------------------
ConnectionStatus = Literal["pending", "linking", "linked", "failed", "reauthorization_required"]


class ConnectionCreate(Request):
    platform: Platform


class AdAccountPublic(Public):
    external_id: str
    name: str
    currency: str
    time_zone: str


class ConnectionPublic(Public):
    id: uuid.UUID
    platform: Platform
    status: ConnectionStatus
    reason: str | None = None
    accounts: list[AdAccountPublic] = []
    created_at: datetime
    updated_at: datetime


class ConnectionCreated(ConnectionPublic):
    authorization_url: str
    state: str


class OAuthCallbackResult(Public):
    connection_id: uuid.UUID
    platform: Platform
    status: ConnectionStatus


# projects ---------------------------------------------------------------------------------------
class BusinessIn(Request):
    name: Name
    website: Url | None = None
    industry: ShortText | None = None
    description: LongText | None = None
    brand_voice: ShortText | None = None


class BusinessPatch(Request):
    name: Name | None = None
    website: Url | None = None
    industry: ShortText | None = None
    description: LongText | None = None
    brand_voice: ShortText | None = None


class ProjectCreate(Request):
    name: Name
    business: BusinessIn


class ProjectPatch(Request):
    name: Name | None = None
    business: BusinessPatch | None = None


class BusinessPublic(Public):
    name: str
    website: str | None = None
    industry: str | None = None
    description: str | None = None
    brand_voice: str | None = None


class ProjectPublic(Public):
    id: uuid.UUID
    name: str
    business: BusinessPublic
    created_at: datetime
    updated_at: datetime


# briefs -----------------------------------------------------------------------------------------
class BudgetIn(Request):
    amount: Amount = Field(description="in units of the currency, e.g. 50.00")
    currency: Currency
    period: BudgetPeriod


class BriefCreate(Request):
    product: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    audience: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    goal: Goal
    budget: BudgetIn
    start_date: date
    end_date: date | None = None
    platforms: Annotated[list[Platform], Field(min_length=1, max_length=2)]
    locations: Annotated[list[CountryCode], Field(min_length=1, max_length=50)]
    languages: Annotated[list[LanguageCode], Field(min_length=1, max_length=20)]
    landing_page_url: Url


class BriefAccepted(Public):
    id: uuid.UUID
    status: Literal["generating"]


class Progress(Public):
    percent: int
    step: str | None = None
    message: str | None = None


class BriefPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    status: Literal["generating", "generated", "failed"]
    progress: Progress
    strategy_id: uuid.UUID | None = None
    failure_reason: str | None = None
    request: dict[str, Any]
    created_at: datetime
    updated_at: datetime


# strategies -------------------------------------------------------------------------------------
class StrategyVersionInfo(Public):
    version: int
    source: Literal["generated", "revised"]
    created_at: datetime
    created_by: uuid.UUID | None = None


class StrategyPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    brief_id: uuid.UUID
    version: int
    current_version: int
    approved_version: int | None = None
    status: Literal["draft", "approved"]
    generator: str
    model: str | None = None
    strategy: dict[str, Any] = Field(description="the CampaignStrategy of `version`")
    versions: list[StrategyVersionInfo]
    updated_at: datetime


class ApproveRequest(Request):
    version: int | None = Field(default=None, ge=1, description="defaults to the current version")


# deployments ------------------------------------------------------------------------------------
class TargetIn(Request):
    platform: Platform
    account_external_id: ExternalId


class DeploymentCreate(Request):
    targets: Annotated[list[TargetIn], Field(min_length=1, max_length=10)]
    policy: DeploymentPolicy = "all_or_nothing"


class DeploymentAccepted(Public):
    id: uuid.UUID
    status: DeploymentStatus


class PlatformErrorPublic(Public):
    code: str
    message: str
    field: str | None = None
    retryable: bool = False


class TargetPublic(Public):
    platform: Platform
    account_external_id: str
    status: str
    platform_campaign_ids: list[str] = []
    error: PlatformErrorPublic | None = None


class DeploymentPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    strategy_id: uuid.UUID
    strategy_version: int
    status: DeploymentStatus
    policy: DeploymentPolicy
    targets: list[TargetPublic]
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


# campaigns --------------------------------------------------------------------------------------
class CampaignPatch(Request):
    daily_budget: Amount | None = Field(default=None, description="in units of the campaign's currency")
    daily_budget_micros: int | None = Field(default=None, gt=0)


class CampaignChangePublic(Public):
    id: uuid.UUID
    kind: Literal["status", "budget"]
    status: Literal["pending", "applied", "failed"]
    requested: dict[str, Any]
    error: dict[str, Any] | None = None
    created_at: datetime


class CampaignPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    deployment_id: uuid.UUID
    strategy_id: uuid.UUID
    platform: Platform
    account_external_id: str
    platform_campaign_id: str
    name: str
    status: str
    daily_budget_micros: int | None = None
    daily_budget: Decimal | None = None
    currency: str
    bidding: dict[str, Any] | None = Field(
        default=None,
        description="Google Ads: the bidding strategy and its target, e.g. "
        '{"strategy": "TARGET_ROAS", "target_roas": 4.5}; kept current when a recommendation moves the target',
    )
    last_error: dict[str, Any] | None = None
    pending_changes: list[CampaignChangePublic] = []
    created_at: datetime
    updated_at: datetime


class CampaignChangeAccepted(Public):
    change_id: uuid.UUID
    campaign_id: uuid.UUID
    status: Literal["pending"]
