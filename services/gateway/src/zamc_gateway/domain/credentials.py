"""Passwords, access tokens, refresh tokens and API keys: pure functions, no storage.

- Passwords: argon2id (argon2-cffi); verifying an unknown user still costs one hash.
- Access tokens: HS256 JWTs, 15 minutes, carrying the user (`sub`) and the login session (`sid`),
  so a logout or a detected refresh-token reuse ends the access tokens of that session too.
- Refresh tokens and API keys: random secrets shown once; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_KEY_PREFIX = "zamc_"
REFRESH_TOKEN_PREFIX = "zrt_"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


def password_hasher(*, time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def verify_password(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (`password_hash=None` hashes a dummy)."""
    if password_hash is None:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


def issue_access_token(
    *,
    secret: str,
    issuer: str,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    now: datetime,
    lifetime: timedelta,
) -> str:
    claims = {
        "iss": issuer,
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": secrets.token_hex(8),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(token: str, *, secret: str, issuer: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["exp", "iat", "sub", "sid", "iss"]},
        )
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("the access token has expired") from error
    except (jwt.PyJWTError, ValueError, KeyError) as error:
        raise InvalidToken("the access token is not valid") from error


def digest(secret: str) -> str:
    """What is stored for a refresh token or API key (they are random: no salt or stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def is_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)


def api_key_prefix(key: str) -> str:
    """The part of a key that may be shown again to tell keys apart."""
    return key[: len(API_KEY_PREFIX) + 6]


def new_oauth_state() -> str:
    return secrets.token_urlsafe(24)
