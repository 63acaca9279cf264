"""Settings of connector-google: environment variables `ZAMC_CONNECTOR_GOOGLE_*` plus the shared `ZAMC_*`."""

from functools import cache

from pydantic_settings import SettingsConfigDict
from zamc_events.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZAMC_CONNECTOR_GOOGLE_", extra="ignore", populate_by_name=True
    )

    http_port: int = 8102


@cache
def get_settings() -> Settings:
    return Settings()
