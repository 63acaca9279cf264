"""Settings of connector-meta: environment variables `ZAMC_CONNECTOR_META_*` plus the shared `ZAMC_*`.

The same code runs against the sandbox and the live Graph API; only these settings differ
(see the service README for a live configuration).
"""

from functools import cache

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from zamc_events.runtime.settings import ServiceSettings

# A fixed key so development and tests work without configuration; refused in production.
DEVELOPMENT_TOKEN_KEY = "zamc-dev-only-key-00000000000000000000000000="


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZAMC_CONNECTOR_META_", extra="ignore", populate_by_name=True
    )

    http_port: int = 8103

    # --- Graph API ----------------------------------------------------------------------------
    graph_url: str = Field(
        default="https://graph.facebook.com", description="Graph API base URL, without the version"
    )
    api_version: str = "v26.0"
    app_id: str = Field(default="", description="Meta app id (OAuth client_id)")
    app_secret: SecretStr = Field(
        default=SecretStr(""), description="Meta app secret; enables appsecret_proof"
    )
    oauth_token_url: str | None = Field(
        default=None, description="token endpoint; default <graph_url>/<api_version>/oauth/access_token"
    )
    request_timeout_seconds: float = Field(default=60.0, gt=0)
    required_permissions: list[str] = ["ads_management", "ads_read"]

    # --- optional system user (no OAuth): linked at start-up under this connection id ---------
    system_user_token: SecretStr | None = None
    system_user_connection_id: str | None = None

    # --- token storage ---------------------------------------------------------------------
    token_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Fernet keys (urlsafe base64, 32 bytes); the first encrypts, all decrypt (rotation)",
    )
    token_refresh_before_days: float = Field(default=7.0, ge=0)
    token_check_interval_seconds: float = Field(default=3600.0, gt=0)

    # --- deployment ---------------------------------------------------------------------------
    page_id: str | None = Field(default=None, description="Facebook Page that ads are published as")
    page_ids: dict[str, str] = Field(default_factory=dict, description="per ad account (act_…) page id")
    assets_bucket: str = "zamc-assets"

    # --- calling the API: retries, backoff, throttling --------------------------------------
    max_attempts: int = Field(default=4, ge=1)
    backoff_base_seconds: float = Field(default=2.0, ge=0)
    backoff_max_seconds: float = Field(default=120.0, ge=0)
    throttle_at_percent: float = Field(default=90.0, gt=0, le=100)
    throttle_max_wait_seconds: float = Field(
        default=300.0, ge=0, description="longest wait for usage to drop before a call gives up"
    )

    # --- metric sync ---------------------------------------------------------------------------
    sync_enabled: bool = True
    sync_interval_seconds: float = Field(default=900.0, gt=0)
    attribution_window_days: int = Field(default=28, ge=1, le=37)
    sync_batch_size: int = Field(default=500, ge=1, le=5000)
    sync_concurrency: int = Field(default=4, ge=1)
    conversion_action_types: list[str] = [
        "omni_purchase",
        "purchase",
        "offsite_conversion.fb_pixel_purchase",
    ]

    @model_validator(mode="after")
    def _refuse_insecure_production_settings(self) -> "Settings":
        if self.environment == "production":
            if not self.token_keys:
                raise ValueError("ZAMC_CONNECTOR_META_TOKEN_KEYS must be set in production")
            if not self.app_id or not self.app_secret.get_secret_value():
                raise ValueError("ZAMC_CONNECTOR_META_APP_ID and _APP_SECRET must be set in production")
        return self

    @property
    def token_url(self) -> str:
        return self.oauth_token_url or f"{self.graph_url.rstrip('/')}/{self.api_version}/oauth/access_token"

    def fernet_keys(self) -> list[str]:
        keys = [k.get_secret_value() for k in self.token_keys]
        return keys or [_development_key()]


def _development_key() -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(DEVELOPMENT_TOKEN_KEY.encode()).digest()).decode()


@cache
def get_settings() -> Settings:
    return Settings()
