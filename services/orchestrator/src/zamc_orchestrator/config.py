"""Settings of orchestrator: environment variables `ZAMC_ORCHESTRATOR_*` plus the shared `ZAMC_*`.

Lists accept JSON or commas: `ZAMC_ORCHESTRATOR_LLM_MODELS=openai/gpt-4o-mini,anthropic/claude-3-5-haiku-latest`.
With no model configured the rules strategist builds every strategy.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from zamc_events.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ZAMC_ORCHESTRATOR_", extra="ignore", populate_by_name=True)

    http_port: int = 8101

    llm_models: Annotated[list[str], NoDecode] = Field(
        default=[], description="litellm model names, first is primary, e.g. openai/gpt-4o-mini"
    )
    llm_api_base: str | None = Field(
        default=None, description="one OpenAI-compatible base URL for every model"
    )
    llm_api_key: SecretStr | None = Field(default=None, description="else each provider's own env variable")
    llm_fallbacks: dict[str, list[str]] = Field(
        default={},
        description="model -> models to try when it fails; default: the rest of llm_models in order",
    )
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, description="retries per model on transport errors")
    llm_max_malformed_retries: int = Field(
        default=1, ge=0, description="asks again after an unparseable answer"
    )
    llm_max_repairs: int = Field(
        default=2, ge=0, description="rounds of sending violations back to the model"
    )
    llm_temperature: float = Field(default=0.4, ge=0, le=2)

    deploy_timeout_seconds: float = Field(default=900.0, gt=0)

    @field_validator("llm_models", mode="before")
    @classmethod
    def _list_from_env(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@cache
def get_settings() -> Settings:
    return Settings()
