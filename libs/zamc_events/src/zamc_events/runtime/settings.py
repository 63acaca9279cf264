"""Settings every service shares; each service subclasses with its own `ZAMC_<NAME>_` prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__", populate_by_name=True)

    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        validation_alias=AliasChoices("ZAMC_NATS_URL"),
        description="NATS server with JetStream",
    )
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+asyncpg://postgres@127.0.0.1:55432/zamc"),
        validation_alias=AliasChoices("ZAMC_DATABASE_URL"),
        description="PostgreSQL (SQLAlchemy asyncpg URL); each service uses its own schema in it",
    )
    environment: Literal["development", "test", "production"] = Field(
        default="development",
        validation_alias=AliasChoices("ZAMC_ENVIRONMENT"),
        description="production refuses development defaults (local database, placeholder secrets)",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZAMC_OTLP_ENDPOINT"),
        description="OTLP/HTTP traces endpoint, e.g. http://otel-collector:4318/v1/traces; unset = no export",
    )
    log_level: str = Field(
        default="INFO", validation_alias=AliasChoices("ZAMC_LOG_LEVEL"), description="log level"
    )
    log_json: bool = Field(
        default=True, validation_alias=AliasChoices("ZAMC_LOG_JSON"), description="JSON logs (false: console)"
    )

    http_host: str = Field(
        default="127.0.0.1", description="address for /healthz, /readyz, /metrics (and the API)"
    )
    http_port: int = Field(default=8100, description="HTTP port")
    stream_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        validation_alias=AliasChoices("ZAMC_STREAM_REPLICAS"),
        description="JetStream replicas of each ZAMC stream (3 on a production cluster)",
    )

    # consuming
    consumer_batch_size: int = Field(
        default=200, ge=1, le=5000, description="events fetched and committed together"
    )
    consumer_max_deliver: int = Field(
        default=5, ge=1, description="deliveries before an event is dead-lettered"
    )
    consumer_ack_wait_seconds: float = Field(
        default=30.0, gt=0, description="redelivery after a silent consumer"
    )
    consumer_backoff_seconds: list[float] = Field(
        default=[1.0, 5.0, 30.0, 120.0], description="delay before the n-th redelivery of a failed event"
    )
    # publishing
    outbox_batch_size: int = Field(default=500, ge=1, le=10000, description="outbox rows published per batch")
    outbox_poll_seconds: float = Field(default=0.05, gt=0, description="relay idle poll interval")
    outbox_replay_window_hours: float = Field(default=24.0, ge=0, description="how long sent rows are kept")

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> ServiceSettings:
        if self.environment == "production" and "@127.0.0.1" in self.database_url.get_secret_value():
            raise ValueError("ZAMC_DATABASE_URL must point at the production database, not the local default")
        return self
