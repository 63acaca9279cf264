"""Who is calling: a signed-in user acting in one organization, or an organization's API key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from zamc_gateway.domain.policy import Role


@dataclass(frozen=True)
class Identity:
    """Authenticated, before an organization is chosen (enough for `GET /me`)."""

    kind: Literal["user", "api_key"]
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    session_id: uuid.UUID | None = None
    # set when the identity already implies one organization (API keys) or one was resolved
    organization_id: uuid.UUID | None = None
    role: Role | None = None
    # when the credential stops being valid by itself (an access token's expiry); not part of equality
    expires_at: datetime | None = field(default=None, compare=False)

    @property
    def rate_limit_key(self) -> str:
        return f"user:{self.user_id}" if self.kind == "user" else f"key:{self.api_key_id}"


@dataclass(frozen=True)
class Principal:
    """An identity acting in one organization with one role: what every tenant query is scoped by."""

    kind: Literal["user", "api_key"]
    organization_id: uuid.UUID
    role: Role
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None

    @property
    def actor_id(self) -> uuid.UUID:
        """Who to record as the author of a change: the user, or the API key."""
        actor = self.user_id or self.api_key_id
        assert actor is not None
        return actor
