"""Tokens encrypted at rest with Fernet; several keys for rotation (the first encrypts, all decrypt)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr


@dataclass(frozen=True, slots=True)
class StoredTokens:
    refresh_token: SecretStr
    access_token: SecretStr
    access_expires_at: datetime | None

    def __repr__(self) -> str:  # never print a token by accident
        return f"StoredTokens(access_expires_at={self.access_expires_at!r})"


class TokenCipherError(Exception):
    """The ciphertext cannot be read with any configured key."""


class TokenCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, tokens: StoredTokens) -> bytes:
        payload = {
            "refresh_token": tokens.refresh_token.get_secret_value(),
            "access_token": tokens.access_token.get_secret_value(),
            "access_expires_at": tokens.access_expires_at.isoformat() if tokens.access_expires_at else None,
        }
        return self._fernet.encrypt(json.dumps(payload).encode())

    def decrypt(self, ciphertext: bytes) -> StoredTokens:
        try:
            payload = json.loads(self._fernet.decrypt(ciphertext))
        except InvalidToken as error:
            raise TokenCipherError("token ciphertext matches no configured key") from error
        expires = payload.get("access_expires_at")
        return StoredTokens(
            refresh_token=SecretStr(payload["refresh_token"]),
            access_token=SecretStr(payload["access_token"]),
            access_expires_at=datetime.fromisoformat(expires) if expires else None,
        )

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypts with the first (newest) key."""
        try:
            return self._fernet.rotate(ciphertext)
        except InvalidToken as error:
            raise TokenCipherError("token ciphertext matches no configured key") from error
