"""Settings of connector-google: environment variables `ZAMC_CONNECTOR_GOOGLE_*` plus the shared `ZAMC_*`.

Live Google Ads needs `DEVELOPER_TOKEN`, `OAUTH_CLIENT_ID`, `OAUTH_CLIENT_SECRET` and `TOKEN_KEYS`
(see services/connector-google/README.md); the sandbox needs its endpoint, token URI and `CA_CERT_FILE`.
"""

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from zamc_events.runtime.settings import ServiceSettings

# A fixed development key so a local stack works out of the box; refused in production.
DEVELOPMENT_TOKEN_KEY = "emFtYy1kZXYtb25seS1rZXktbmV2ZXItaW4tcHJvZCE="  # b"zamc-dev-only-key-never-in-prod!"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZAMC_CONNECTOR_GOOGLE_", extra="ignore", populate_by_name=True
    )

    http_port: int = 8102

    # Google Ads API
    endpoint: str = Field(default="googleads.googleapis.com:443", description="gRPC host:port")
    ca_cert_file: Path | None = Field(
        default=None,
        description="PEM roots for the gRPC TLS channel (the sandbox's certificate); unset for live Google",
    )
    developer_token: SecretStr = SecretStr("")
    login_customer_id: str | None = Field(
        default=None, description="manager account to call every client through (overrides discovery)"
    )
    api_timeout_seconds: float = Field(default=120.0, gt=0)

    # OAuth
    oauth_client_id: str = ""
    oauth_client_secret: SecretStr = SecretStr("")
    token_uri: str = "https://oauth2.googleapis.com/token"
    revoke_uri: str | None = "https://oauth2.googleapis.com/revoke"
    token_keys: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_TOKEN_KEY),
        description="comma-separated Fernet keys; the first encrypts, all decrypt (rotate by prepending)",
    )
    token_refresh_margin_seconds: float = Field(default=600.0, ge=0)
    token_check_interval_seconds: float = Field(default=60.0, gt=0)

    # retries
    max_attempts: int = Field(default=5, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=60.0, gt=0)

    # metric sync
    sync_enabled: bool = True
    sync_interval_seconds: float = Field(default=900.0, gt=0)
    sync_lookback_days: int = Field(
        default=14, ge=0, le=90, description="conversion window re-read each sync"
    )
    sync_batch_size: int = Field(default=500, ge=1, le=5000)
    sync_concurrency: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _refuse_development_key_in_production(self) -> "Settings":
        if self.environment == "production":
            if DEVELOPMENT_TOKEN_KEY in self.token_keys.get_secret_value():
                raise ValueError(
                    "ZAMC_CONNECTOR_GOOGLE_TOKEN_KEYS must be set to real Fernet keys in production"
                )
            if not self.developer_token.get_secret_value() or not self.oauth_client_id:
                raise ValueError("a developer token and an OAuth client are required in production")
        return self

    def token_key_list(self) -> list[str]:
        return [k.strip() for k in self.token_keys.get_secret_value().split(",") if k.strip()]


@cache
def get_settings() -> Settings:
    return Settings()
