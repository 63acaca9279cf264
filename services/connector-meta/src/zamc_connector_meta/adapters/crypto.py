"""Tokens at rest: Fernet with rotatable keys (the first key encrypts, every key decrypts)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one token key is required")
        self._keys = [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
        self._fernet = MultiFernet(self._keys)

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(ciphertext)).decode()
        except InvalidToken as error:
            raise ValueError("the stored token cannot be decrypted with the configured keys") from error

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypt with the first (newest) key."""
        return self._fernet.rotate(bytes(ciphertext))

    def is_current(self, ciphertext: bytes) -> bool:
        """Encrypted with the newest key (no rotation needed)."""
        try:
            self._keys[0].decrypt(bytes(ciphertext))
        except InvalidToken:
            return False
        return True
