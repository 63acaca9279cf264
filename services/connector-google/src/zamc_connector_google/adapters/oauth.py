"""Google's OAuth 2.0 token endpoint (configurable: the sandbox serves the same protocol)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

# httpx logs request URLs at INFO; a revoke URL carries the token. Keep it quiet.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: SecretStr
    refresh_token: SecretStr | None
    expires_at: datetime
    scopes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"TokenGrant(expires_at={self.expires_at!r}, scopes={self.scopes!r})"


class OAuthRefused(Exception):
    """The token endpoint refused the grant (`invalid_grant`, `invalid_client`, ...): not retryable."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class OAuthUnavailable(Exception):
    """The token endpoint could not be reached or answered 5xx: retry later."""


class OAuthClient:
    def __init__(
        self,
        *,
        token_uri: str,
        client_id: str,
        client_secret: SecretStr,
        revoke_uri: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.token_uri = token_uri
        self.revoke_uri = revoke_uri
        self.client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout

    async def exchange_code(self, *, code: str, redirect_uri: str) -> TokenGrant:
        return await self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )

    async def refresh(self, *, refresh_token: SecretStr) -> TokenGrant:
        return await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()}
        )

    async def revoke(self, *, token: SecretStr) -> bool:
        if not self.revoke_uri:
            return False
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self.revoke_uri, params={"token": token.get_secret_value()})
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _token_request(self, form: dict[str, str]) -> TokenGrant:
        form = {**form, "client_id": self.client_id, "client_secret": self._client_secret.get_secret_value()}
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    self.token_uri, data=form, headers={"Accept": "application/json"}
                )
        except httpx.HTTPError as error:
            raise OAuthUnavailable(f"token endpoint unreachable: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise OAuthUnavailable(f"token endpoint answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise OAuthUnavailable(f"token endpoint answered {response.status_code} without JSON") from None
        if response.status_code != 200 or "access_token" not in body:
            raise OAuthRefused(
                str(body.get("error", f"http_{response.status_code}")), str(body.get("error_description", ""))
            )
        expires_in = int(body.get("expires_in") or 3600)
        refresh = body.get("refresh_token")
        return TokenGrant(
            access_token=SecretStr(body["access_token"]),
            refresh_token=SecretStr(refresh) if refresh else None,
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            scopes=tuple(str(body.get("scope", "")).split()),
        )
