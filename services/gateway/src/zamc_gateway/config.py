"""Settings of gateway: environment variables `ZAMC_GATEWAY_*` plus the shared `ZAMC_*`."""

from functools import cache

from pydantic_settings import SettingsConfigDict
from zamc_events.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ZAMC_GATEWAY_", extra="ignore", populate_by_name=True)

    http_port: int = 8000


@cache
def get_settings() -> Settings:
    return Settings()
