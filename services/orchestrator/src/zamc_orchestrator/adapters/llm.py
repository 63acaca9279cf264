"""Strategy drafts from language models, through litellm only.

A litellm `Router` built from settings carries the model list, the fallbacks across providers, the
timeout and the transport retries; answers are requested as structured output (the JSON schema of
`StrategyDraft`). Every attempt is recorded as an `LLMCall` (model, outcome, tokens, latency, cost)
and exported as Prometheus metrics. Failed attempts inside the Router (before a fallback) are seen
through a litellm callback that writes to the current request's record list.

litellm is imported lazily (it takes seconds) and never fetches its cost map from the internet.
"""

from __future__ import annotations

import contextvars
import os
import time
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from zamc_orchestrator import metrics
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain import prompt
from zamc_orchestrator.domain.draft import StrategyDraft
from zamc_orchestrator.domain.generation import CallOutcome, DraftReply, LLMCall, LLMUnavailable

if TYPE_CHECKING:
    from litellm import Router

_ATTEMPTS: contextvars.ContextVar[list[LLMCall] | None] = contextvars.ContextVar(
    "zamc_llm_attempts", default=None
)
_PURPOSE: contextvars.ContextVar[str] = contextvars.ContextVar("zamc_llm_purpose", default="draft")
_callback_installed = False


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "True")
    import litellm

    return litellm


def record(call: LLMCall) -> None:
    """Export one call as metrics."""
    metrics.LLM_CALLS.labels(call.model, call.outcome).inc()
    metrics.LLM_CALL_SECONDS.labels(call.model).observe(call.latency_seconds)
    if call.prompt_tokens:
        metrics.LLM_TOKENS.labels(call.model, "prompt").inc(call.prompt_tokens)
    if call.completion_tokens:
        metrics.LLM_TOKENS.labels(call.model, "completion").inc(call.completion_tokens)
    if call.cost_usd:
        metrics.LLM_COST_USD.labels(call.model).inc(call.cost_usd)


def _outcome(error: BaseException) -> CallOutcome:
    return "timeout" if "timeout" in type(error).__name__.lower() else "error"


def _seconds(start: Any, end: Any) -> float:
    try:
        return max(0.0, (end - start).total_seconds())
    except (TypeError, AttributeError):
        return 0.0


def _install_failure_callback(litellm: Any) -> None:
    """Record every failed attempt (the Router's fallbacks included) for the request in progress."""
    global _callback_installed
    if _callback_installed:
        return
    from litellm.integrations.custom_logger import CustomLogger

    class AttemptRecorder(CustomLogger):
        async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
            attempts = _ATTEMPTS.get()
            if attempts is None:
                return
            error = kwargs.get("exception")
            call = LLMCall(
                model=_model_name(kwargs),
                outcome=_outcome(error) if isinstance(error, BaseException) else "error",
                latency_seconds=_seconds(start_time, end_time),
                purpose=_PURPOSE.get(),
                error=str(error)[:300] if error else None,
            )
            attempts.append(call)
            record(call)

    litellm.callbacks.append(AttemptRecorder())
    _callback_installed = True


def _model_name(kwargs: dict[str, Any]) -> str:
    params = kwargs.get("litellm_params") or {}
    metadata = params.get("metadata") or {}
    group = metadata.get("model_group")
    if group:
        return str(group)
    provider = params.get("custom_llm_provider")
    model = str(kwargs.get("model", "unknown"))
    return f"{provider}/{model}" if provider and not model.startswith(f"{provider}/") else model


def build_router(settings: Settings) -> Router:
    """A litellm Router over `settings.llm_models`, falling back along the list (or `llm_fallbacks`)."""
    litellm = _import_litellm()
    _install_failure_callback(litellm)
    params: dict[str, Any] = {"timeout": settings.llm_timeout_seconds}
    if settings.llm_api_base:
        params["api_base"] = settings.llm_api_base
    if settings.llm_api_key is not None:
        params["api_key"] = settings.llm_api_key.get_secret_value()
    model_list = [{"model_name": m, "litellm_params": {"model": m, **params}} for m in settings.llm_models]
    fallbacks = [{m: targets} for m, targets in settings.llm_fallbacks.items() if targets]
    if not fallbacks and len(settings.llm_models) > 1:
        models = settings.llm_models
        fallbacks = [{m: models[i + 1 :]} for i, m in enumerate(models[:-1])]
    return litellm.Router(
        model_list=model_list,
        fallbacks=fallbacks,
        num_retries=settings.llm_max_retries,
        timeout=settings.llm_timeout_seconds,
        disable_cooldowns=True,
    )


class LiteLLMDrafter:
    """Asks the configured models for a `StrategyDraft`; implements `StrategyDrafter`."""

    def __init__(self, settings: Settings, router: Router | None = None) -> None:
        if not settings.llm_models:
            raise ValueError("no language model is configured")
        self.settings = settings
        self.primary = settings.llm_models[0]
        self._router = router

    @classmethod
    def from_settings(cls, settings: Settings) -> LiteLLMDrafter | None:
        """A drafter, or None when no model is configured (the rules strategist then works alone)."""
        return cls(settings) if settings.llm_models else None

    @property
    def router(self) -> Router:
        if self._router is None:
            self._router = build_router(self.settings)
        return self._router

    async def draft(self, messages: list[prompt.Message], *, purpose: str = "draft") -> DraftReply:
        messages = list(messages)
        calls: list[LLMCall] = []
        for _ in range(1 + self.settings.llm_max_malformed_retries):
            response, model, latency = await self._complete(messages, purpose, calls)
            usage = getattr(response, "usage", None)
            content = response.choices[0].message.content or ""
            base = {
                "model": model,
                "latency_seconds": latency,
                "purpose": purpose,
                "prompt_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
                "completion_tokens": int(getattr(usage, "completion_tokens", 0) or 0),
                "cost_usd": _cost(response),
            }
            try:
                draft = StrategyDraft.model_validate_json(content)
            except ValidationError as error:
                call = LLMCall(outcome="malformed", error=str(error)[:300], **base)
                calls.append(call)
                record(call)
                messages += [{"role": "assistant", "content": content}, prompt.malformed_message(str(error))]
                continue
            call = LLMCall(outcome="ok", **base)
            calls.append(call)
            record(call)
            return DraftReply(draft=draft, model=model, content=content, calls=calls)
        raise LLMUnavailable("no model gave a well-formed answer", calls)

    async def _complete(
        self, messages: list[prompt.Message], purpose: str, calls: list[LLMCall]
    ) -> tuple[Any, str, float]:
        router = self.router  # built (and litellm imported) outside the timed call
        attempts: list[LLMCall] = []
        attempts_token = _ATTEMPTS.set(attempts)
        purpose_token = _PURPOSE.set(purpose)
        started = time.perf_counter()
        try:
            response = await router.acompletion(
                model=self.primary,
                messages=messages,
                response_format=StrategyDraft,
                temperature=self.settings.llm_temperature,
                timeout=self.settings.llm_timeout_seconds,
            )
        except Exception as error:  # every model failed: the Router raises the last error
            calls += attempts
            if not attempts:
                call = LLMCall(
                    self.primary,
                    _outcome(error),
                    time.perf_counter() - started,
                    purpose,
                    error=str(error)[:300],
                )
                calls.append(call)
                record(call)
            raise LLMUnavailable(f"every model failed: {type(error).__name__}", calls) from error
        finally:
            _ATTEMPTS.reset(attempts_token)
            _PURPOSE.reset(purpose_token)
        calls += attempts
        latency = time.perf_counter() - started - sum(a.latency_seconds for a in attempts)
        hidden = getattr(response, "_hidden_params", {}) or {}
        headers = hidden.get("additional_headers") or {}
        model = str(headers.get("x-litellm-model-group") or hidden.get("litellm_model_name") or self.primary)
        return response, model, max(latency, 0.0)


def _cost(response: Any) -> float:
    hidden = getattr(response, "_hidden_params", {}) or {}
    cost = hidden.get("response_cost")
    if cost is None:
        try:
            cost = _import_litellm().completion_cost(completion_response=response)
        except Exception:  # unknown model: no price in the local cost map
            cost = 0.0
    return float(cost or 0.0)
