"""OAuth codes and tokens for both platforms, expiring on the simulated clock.

Lifetimes are real-platform durations in real time: when the clock runs `speed` times faster
than real time, a grant lives `speed` times longer in simulated time, so an access token still
lasts an hour of the client's wall clock (its `expires_in`) while the market races ahead.
Stepping the clock by hand (tests) moves past expiries at once.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from zamc_sandbox.market.clock import SimulatedClock

CODE_LIFETIME = timedelta(minutes=10)
GOOGLE_ACCESS_LIFETIME = timedelta(hours=1)
META_SHORT_LIFETIME = timedelta(hours=2)
META_LONG_LIFETIME = timedelta(days=60)


class TokenState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Grant:
    token: str
    platform: str  # "google" | "meta"
    kind: str  # "code" | "access" | "refresh" | "short_lived" | "long_lived"
    client_id: str
    expires_at: datetime | None
    redirect_uri: str = ""
    scope: str = ""
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class GoogleTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


class TokenStore:
    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def _issue(
        self, platform: str, kind: str, client_id: str, lifetime: timedelta | None, **extra: str
    ) -> Grant:
        prefix = {"google": "ya29.", "meta": "EAA"}[platform] if kind != "code" else ""
        token = prefix + secrets.token_urlsafe(24)
        if platform == "google" and kind == "refresh":
            token = "1//" + secrets.token_urlsafe(24)
        expires = self.clock.now() + lifetime * self._time_scale() if lifetime else None
        grant = Grant(token, platform, kind, client_id, expires, **extra)
        with self._lock:
            self._grants[token] = grant
        return grant

    def state(self, token: str, *, platform: str, kinds: tuple[str, ...]) -> TokenState:
        grant = self._grants.get(token)
        if grant is None or grant.platform != platform or grant.kind not in kinds:
            return TokenState.UNKNOWN
        if grant.revoked:
            return TokenState.REVOKED
        if grant.expires_at is not None and self.clock.now() >= grant.expires_at:
            return TokenState.EXPIRED
        return TokenState.VALID

    def grant(self, token: str) -> Grant | None:
        return self._grants.get(token)

    # ----- codes -------------------------------------------------------------------------------
    def issue_code(self, platform: str, *, client_id: str, redirect_uri: str, scope: str = "") -> str:
        return self._issue(
            platform, "code", client_id, CODE_LIFETIME, redirect_uri=redirect_uri, scope=scope
        ).token

    def redeem_code(self, platform: str, code: str, *, client_id: str, redirect_uri: str) -> Grant | None:
        """Single use: returns the code's grant, or None when unknown, used, expired or mismatched."""
        with self._lock:
            grant = self._grants.get(code)
            if grant is None or grant.kind != "code" or grant.platform != platform or grant.revoked:
                return None
            grant.revoked = True
        if grant.expires_at is not None and self.clock.now() >= grant.expires_at:
            return None
        if grant.client_id != client_id or (redirect_uri and grant.redirect_uri != redirect_uri):
            return None
        return grant

    # ----- google ------------------------------------------------------------------------------
    def issue_google_tokens(self, *, client_id: str = "sandbox-client", scope: str = "") -> GoogleTokens:
        scope = scope or "https://www.googleapis.com/auth/adwords"
        refresh = self._issue("google", "refresh", client_id, None, scope=scope)
        access = self._issue("google", "access", client_id, GOOGLE_ACCESS_LIFETIME, scope=scope)
        return GoogleTokens(access.token, refresh.token, int(GOOGLE_ACCESS_LIFETIME.total_seconds()), scope)

    def refresh_google(self, refresh_token: str, *, client_id: str) -> GoogleTokens | None:
        grant = self._grants.get(refresh_token)
        if self.state(refresh_token, platform="google", kinds=("refresh",)) != TokenState.VALID:
            return None
        if grant is None or grant.client_id != client_id:
            return None
        access = self._issue("google", "access", client_id, GOOGLE_ACCESS_LIFETIME, scope=grant.scope)
        return GoogleTokens(
            access.token, refresh_token, int(GOOGLE_ACCESS_LIFETIME.total_seconds()), grant.scope
        )

    def revoke(self, token: str) -> bool:
        with self._lock:
            grant = self._grants.get(token)
            if grant is None:
                return False
            grant.revoked = True
            return True

    def expire(self, token: str) -> None:
        """Makes a token expired right now (for tests of the expiry paths)."""
        with self._lock:
            self._grants[token].expires_at = self.clock.now()

    # ----- meta --------------------------------------------------------------------------------
    def issue_meta_token(self, *, client_id: str = "sandbox-app", long_lived: bool = True) -> Grant:
        if long_lived:
            return self._issue("meta", "long_lived", client_id, META_LONG_LIFETIME)
        return self._issue("meta", "short_lived", client_id, META_SHORT_LIFETIME)

    def exchange_meta_token(self, short_lived: str, *, client_id: str) -> Grant | None:
        if self.state(short_lived, platform="meta", kinds=("short_lived", "long_lived")) != TokenState.VALID:
            return None
        return self.issue_meta_token(client_id=client_id, long_lived=True)

    def seconds_left(self, grant: Grant) -> int:
        """Real seconds until the grant expires, at the clock's current speed."""
        if grant.expires_at is None:
            return 0
        return max(int((grant.expires_at - self.clock.now()).total_seconds() / self._time_scale()), 0)

    def _time_scale(self) -> float:
        return max(1.0, self.clock.speed)
