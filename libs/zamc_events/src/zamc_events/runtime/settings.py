"""Settings every service shares; each service subclasses with its own `ZAMC_<NAME>_` prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__", populate_by_name=True)

    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias=AliasChoices("ZAMC_NATS_URL"))
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+asyncpg://postgres@127.0.0.1:55432/zamc"),
        validation_alias=AliasChoices("ZAMC_DATABASE_URL"),
    )
    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("ZAMC_ENVIRONMENT")
    )
    otlp_endpoint: str | None = Field(default=None, validation_alias=AliasChoices("ZAMC_OTLP_ENDPOINT"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("ZAMC_LOG_LEVEL"))
    log_json: bool = Field(default=True, validation_alias=AliasChoices("ZAMC_LOG_JSON"))

    http_host: str = "127.0.0.1"
    http_port: int = 8100

    # consuming
    consumer_batch_size: int = Field(default=200, ge=1, le=5000)
    consumer_max_deliver: int = Field(default=5, ge=1)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    consumer_backoff_seconds: list[float] = [1.0, 5.0, 30.0, 120.0]
    # publishing
    outbox_batch_size: int = Field(default=500, ge=1, le=10000)
    outbox_poll_seconds: float = Field(default=0.05, gt=0)
    outbox_replay_window_hours: float = Field(default=24.0, ge=0)

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> ServiceSettings:
        if self.environment == "production" and "@127.0.0.1" in self.database_url.get_secret_value():
            raise ValueError("ZAMC_DATABASE_URL must point at the production database, not the local default")
        return self
