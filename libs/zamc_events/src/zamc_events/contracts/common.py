"""Value types shared by several contexts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["google_ads", "meta"]
PLATFORMS: tuple[Platform, ...] = ("google_ads", "meta")

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
Micros = Annotated[int, Field(ge=0, description="amount in millionths of the currency unit")]


class Value(BaseModel):
    """A nested value inside an event payload: immutable, tolerant of fields added later."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Money(Value):
    amount_micros: Micros
    currency: CurrencyCode


class AdAccount(Value):
    """An ad account a connection can reach: a Google Ads customer or a Meta ad account."""

    external_id: str
    name: str
    currency: CurrencyCode
    time_zone: str
    manager_external_id: str | None = None


class PlatformError(Value):
    """A platform's answer to a failed call, in words a user can act on."""

    code: str
    message: str
    field: str | None = None
    retryable: bool = False


class AssetRef(Value):
    """Bytes in the JetStream object store bucket `zamc-assets`, named by their sha256."""

    asset_id: str
    object_name: str
    sha256: str
    content_type: str
