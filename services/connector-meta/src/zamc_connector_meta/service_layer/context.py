"""What every use case needs: settings, clock, token cipher, Graph clients, the event runtime."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_meta.adapters import db
from zamc_connector_meta.adapters.crypto import TokenCipher
from zamc_connector_meta.adapters.graph import GraphClient, UsageGovernor, utcnow
from zamc_connector_meta.adapters.oauth import MetaOAuth
from zamc_connector_meta.config import Settings
from zamc_connector_meta.domain.usage import ThrottlePolicy
from zamc_connector_meta.metrics import PLATFORM, REAUTHORIZATION_REQUIRED
from zamc_events.contracts.accounts import MetaReauthorizationRequired
from zamc_events.contracts.base import Envelope
from zamc_events.runtime.service import ServiceRuntime

Clock = Callable[[], datetime]


@dataclass
class Connector:
    runtime: ServiceRuntime
    settings: Settings
    clock: Clock = utcnow
    cipher: TokenCipher = field(init=False)
    governor: UsageGovernor = field(init=False)
    oauth: MetaOAuth = field(init=False)
    _clients: dict[tuple[uuid.UUID, bytes], GraphClient] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.cipher = TokenCipher(self.settings.fernet_keys())
        self.governor = UsageGovernor(
            ThrottlePolicy(
                throttle_at_percent=self.settings.throttle_at_percent,
                base_wait_seconds=self.settings.backoff_base_seconds,
                max_wait_seconds=self.settings.backoff_max_seconds,
            )
        )
        self.oauth = MetaOAuth(self.settings)

    @property
    def sessions(self):
        assert self.runtime.sessions is not None
        return self.runtime.sessions

    def client_for_token(self, token: str) -> GraphClient:
        return GraphClient(token=token, settings=self.settings, governor=self.governor)

    def client(self, connection: db.Connection) -> GraphClient:
        """The connection's client (one SDK API instance per token, reused while the token is)."""
        if connection.token_ciphertext is None:
            raise ValueError(f"connection {connection.connection_id} has no token")
        cache_key = (connection.connection_id, bytes(connection.token_ciphertext))
        found = self._clients.get(cache_key)
        if found is None:
            for stale in [k for k in self._clients if k[0] == connection.connection_id]:
                self._clients.pop(stale).close()
            found = self.client_for_token(self.cipher.decrypt(connection.token_ciphertext))
            self._clients[cache_key] = found
        return found

    def forget(self, connection_id: uuid.UUID) -> None:
        for stale in [k for k in self._clients if k[0] == connection_id]:
            self._clients.pop(stale).close()

    async def require_reauthorization(
        self,
        session: AsyncSession,
        connection: db.Connection,
        *,
        reason: str,
        caused_by: Envelope | None = None,
    ) -> None:
        """Stop using a refused token and tell the user, once (the status change guards the event)."""
        changed = await db.set_status(
            session, connection.connection_id, "reauthorization_required", reason=reason, only_if="active"
        )
        self.forget(connection.connection_id)
        if not changed:
            return
        REAUTHORIZATION_REQUIRED.labels(PLATFORM).inc()
        await self.runtime.publisher.emit(
            session,
            MetaReauthorizationRequired(connection_id=connection.connection_id, reason=reason),
            caused_by=caused_by,
            tenant_id=connection.tenant_id,
        )


def connector_for(runtime: ServiceRuntime, clock: Clock | None = None) -> Connector:
    """The runtime's single Connector (handlers and background jobs share it)."""
    existing = getattr(runtime, "_meta_connector", None)
    if existing is None:
        existing = Connector(runtime=runtime, settings=runtime.settings, clock=clock or utcnow)  # type: ignore[arg-type]
        runtime._meta_connector = existing  # type: ignore[attr-defined]
    return existing
