"""Meta's OAuth token endpoint: code → short-lived token → long-lived token (httpx).

POST with a form body, so the code, the app secret and tokens never sit in a URL that a
client library might log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from zamc_connector_meta.config import Settings
from zamc_connector_meta.domain.errors import GraphFailure


class TokenExchangeFailed(Exception):
    def __init__(self, failure: GraphFailure) -> None:
        super().__init__(f"{failure.code_text} {failure.message}")
        self.failure = failure


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int | None  # seconds; None = does not expire (system user)

    def expires_at(self, now: datetime) -> datetime | None:
        return now + timedelta(seconds=self.expires_in) if self.expires_in else None

    def __repr__(self) -> str:  # never print the token
        return f"TokenGrant(access_token=<redacted>, expires_in={self.expires_in})"


class MetaOAuth:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _post(self, form: dict[str, str]) -> TokenGrant:
        form = {
            "client_id": self.settings.app_id,
            "client_secret": self.settings.app_secret.get_secret_value(),
            **form,
        }
        try:
            async with httpx.AsyncClient(timeout=self.settings.request_timeout_seconds) as client:
                response = await client.post(self.settings.token_url, data=form)
        except httpx.HTTPError as error:
            raise TokenExchangeFailed(
                GraphFailure(
                    code=None,
                    message=f"token endpoint unreachable ({type(error).__name__})",
                    transient=True,
                    local_code="network",
                )
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise TokenExchangeFailed(GraphFailure.from_body(body, http_status=response.status_code))
        expires = body.get("expires_in")
        return TokenGrant(
            access_token=str(body["access_token"]), expires_in=int(expires) if expires else None
        )

    async def exchange_code(self, *, code: str, redirect_uri: str) -> TokenGrant:
        """The authorisation code → a short-lived user token."""
        return await self._post({"code": code, "redirect_uri": redirect_uri})

    async def long_lived(self, token: str) -> TokenGrant:
        """A short- (or long-) lived token → a new long-lived token (about 60 days)."""
        return await self._post({"grant_type": "fb_exchange_token", "fb_exchange_token": token})
