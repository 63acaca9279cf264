"""Settings of gateway: environment variables `ZAMC_GATEWAY_*` plus the shared `ZAMC_*`."""

from functools import cache

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from zamc_events.runtime.settings import ServiceSettings

PLACEHOLDER_JWT_SECRET = "zamc-development-secret-change-me-in-production"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ZAMC_GATEWAY_", extra="ignore", populate_by_name=True)

    http_port: int = 8000

    # tokens -----------------------------------------------------------------------------------
    jwt_secret: SecretStr = SecretStr(PLACEHOLDER_JWT_SECRET)
    jwt_issuer: str = "zamc-gateway"
    access_token_minutes: float = Field(default=15, gt=0)
    refresh_token_days: float = Field(default=30, gt=0)
    # argon2id cost (argon2-cffi defaults: RFC 9106 low-memory profile); tests lower them.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    read_pool_size: int = Field(
        default=10, ge=1, description="connections of the request path's read pool (adapters/reads.py)"
    )
    principal_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        description="how long a replica remembers a resolved credential (revocations made through another "
        "replica apply there within twice this); 0 = never",
    )
    summary_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="how long a replica remembers a project's analytics totals unless they change (a change "
        "missed by the live fan-out shows within twice this); 0 = never",
    )

    # HTTP hardening ---------------------------------------------------------------------------
    cors_origins: list[str] = []
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="multipart bodies")
    hsts: bool = False
    trust_forwarded_for: bool = False

    # rate limits (requests per window; shared across replicas through a JetStream KV bucket) ---
    rate_limit_enabled: bool = True
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_per_principal: int = Field(default=600, ge=1)
    rate_limit_per_ip: int = Field(default=1200, ge=1)
    rate_limit_auth_per_ip: int = Field(default=30, ge=1, description="sign-up, login and refresh per IP")
    rate_limit_bucket: str = "zamc_gateway_rate_limits"
    rate_limit_local_share: float = Field(
        default=0.02, gt=0, le=1, description="share of a limit a replica claims from the bucket at once"
    )

    # OAuth (the sandbox serves these URLs in development) -------------------------------------
    public_base_url: str = "http://127.0.0.1:8000"
    oauth_state_minutes: float = Field(default=30, gt=0)
    google_oauth_authorize_url: str = "http://127.0.0.1:8200/google/auth"
    google_oauth_client_id: str = "sandbox-client"
    google_oauth_scopes: list[str] = ["https://www.googleapis.com/auth/adwords"]
    meta_oauth_authorize_url: str = "http://127.0.0.1:8200/meta/v26.0/dialog/oauth"
    meta_oauth_client_id: str = "sandbox-app"
    meta_oauth_scopes: list[str] = ["ads_management", "ads_read", "business_management"]

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> "Settings":
        if self.environment == "production":
            secret = self.jwt_secret.get_secret_value()
            if secret == PLACEHOLDER_JWT_SECRET or len(secret) < 32:
                raise ValueError(
                    "ZAMC_GATEWAY_JWT_SECRET must be set to a random secret of at least 32 characters"
                )
        return self


@cache
def get_settings() -> Settings:
    return Settings()
