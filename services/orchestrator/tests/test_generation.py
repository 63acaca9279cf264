"""Strategy generation through litellm against our OpenAI-compatible test server (no litellm mock)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from zamc_events.platform_limits import check_strategy, google_width
from zamc_orchestrator.adapters.llm import LiteLLMDrafter
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain.generation import generate_strategy
from zamc_testing.llm_server import LLMTestServer, answer, hang, http_error, malformed


def good_draft() -> dict[str, Any]:
    return {
        "objective": "Sell handmade mugs to coffee lovers in Berlin",
        "kpis": ["conversions", "ROAS"],
        "audiences": [{"name": "Berlin coffee lovers", "description": "Adults in Berlin who brew at home"}],
        "rationale": "Search captures intent; Meta shows the craft.",
        "google_ads": {
            "campaigns": [
                {
                    "name": "Mugs - Search",
                    "budget_share": 1.0,
                    "bidding_strategy": "MAXIMIZE_CONVERSIONS",
                    "ad_groups": [
                        {
                            "name": "Handmade mugs",
                            "keywords": [
                                {"text": "handmade coffee mug", "match_type": "PHRASE"},
                                {"text": "ceramic mug berlin", "match_type": "EXACT"},
                            ],
                            "ads": [
                                {
                                    "headlines": [
                                        "Handmade Coffee Mugs",
                                        "Thrown by Hand in Berlin",
                                        "Clay & Co",
                                    ],
                                    "descriptions": [
                                        "Every mug is thrown and glazed by hand in our Berlin studio.",
                                        "Order online; we ship across Germany in two days.",
                                    ],
                                    "path1": "mugs",
                                    "path2": "handmade",
                                }
                            ],
                        }
                    ],
                }
            ]
        },
        "meta": {
            "campaigns": [
                {
                    "name": "Mugs - Meta",
                    "special_ad_categories": [],
                    "ad_sets": [
                        {
                            "name": "Berlin coffee lovers",
                            "budget_share": 1.0,
                            "age_min": 25,
                            "age_max": 55,
                            "genders": [],
                            "interests": ["Coffee"],
                            "ads": [
                                {
                                    "name": "Studio ad",
                                    "primary_text": "Your morning coffee deserves a mug made by hand.",
                                    "headline": "Handmade mugs from Berlin",
                                    "description": "Shipped in two days",
                                    "call_to_action": "SHOP_NOW",
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    }


def long_draft() -> dict[str, Any]:
    draft = good_draft()
    ad = draft["google_ads"]["campaigns"][0]["ad_groups"][0]["ads"][0]
    ad["headlines"] = ["Beautiful Handmade Ceramic Coffee Mugs From Berlin", "Amazing Mugs!", "Clay & Co"]
    draft["meta"]["campaigns"][0]["ad_sets"][0]["ads"][0]["headline"] = "H" * 60
    return draft


@pytest.fixture(scope="module")
def llm() -> Iterator[LLMTestServer]:
    with LLMTestServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_scripts(llm: LLMTestServer) -> None:
    llm.reset()


def settings_for(llm: LLMTestServer, *models: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "llm_models": [f"openai/{m}" for m in models],
        "llm_api_base": llm.base_url,
        "llm_api_key": "test-key",
        "llm_max_retries": 0,
        "llm_timeout_seconds": 2.0,
        "llm_max_repairs": 2,
        "llm_max_malformed_retries": 1,
    }
    return Settings(**(values | overrides))


class Progress:
    def __init__(self) -> None:
        self.steps: list[tuple[str, int, str]] = []

    async def __call__(self, step: str, percent: int, message: str) -> None:
        self.steps.append((step, percent, message))


async def generate(make_brief, settings: Settings, progress: Progress | None = None):
    return await generate_strategy(
        brief=make_brief(),
        strategy_id=uuid.uuid4(),
        drafter=LiteLLMDrafter.from_settings(settings),
        max_repairs=settings.llm_max_repairs,
        on_progress=progress,
    )


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_well_formed_draft_becomes_the_llm_strategy(llm, make_brief):
    llm.script("gpt-4o-mini", answer(good_draft()))
    before = sample("zamc_llm_calls_total", model="openai/gpt-4o-mini", outcome="ok")
    progress = Progress()
    result = await generate(make_brief, settings_for(llm, "gpt-4o-mini"), progress)
    strategy = result.strategy
    assert strategy.generator == "llm" and strategy.model == "openai/gpt-4o-mini"
    assert check_strategy(strategy) == []
    assert strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0] == "Handmade Coffee Mugs"
    assert strategy.meta.campaigns[0].objective == "OUTCOME_SALES"
    assert sum(a.daily_budget_micros for a in strategy.budget_split) == 50_000_000
    [call] = result.calls
    assert call.outcome == "ok" and call.prompt_tokens > 0 and call.completion_tokens > 0
    assert call.cost_usd > 0  # priced from litellm's local cost map
    assert [s[0] for s in progress.steps] == ["drafting", "validating", "validated"]
    [request] = llm.requests
    assert request.body["response_format"]["type"] == "json_schema"
    assert "Handmade ceramic coffee mugs" in request.messages[-1]["content"]
    assert sample("zamc_llm_calls_total", model="openai/gpt-4o-mini", outcome="ok") == before + 1
    assert sample("zamc_llm_cost_usd_total", model="openai/gpt-4o-mini") > 0


async def test_violations_go_back_to_the_model_which_fixes_them(llm, make_brief):
    llm.script("writer", answer(long_draft()), answer(good_draft()))
    progress = Progress()
    result = await generate(make_brief, settings_for(llm, "writer"), progress)
    assert result.repair_rounds == 1 and result.fixes == []
    assert check_strategy(result.strategy) == []
    repair_request = llm.requests[1].messages[-1]["content"]
    assert (
        "google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0]: Headline 1 is 50 characters"
        in repair_request
    )
    assert (
        "meta.campaigns[0].ad_sets[0].ads[0].headline: Headline is 60 characters; Meta allows 40"
        in repair_request
    )
    assert "repairing" in [s[0] for s in progress.steps]


async def test_over_length_copy_the_model_never_fixes_is_repaired_deterministically(llm, make_brief):
    llm.script("stubborn", answer(long_draft()))
    result = await generate(make_brief, settings_for(llm, "stubborn"))
    assert len(llm.requests) == 3  # the draft and two repair rounds
    assert result.repair_rounds == 2 and result.fixes
    strategy = result.strategy
    assert strategy.generator == "llm" and check_strategy(strategy) == []
    headlines = strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines
    assert headlines[0] == "Beautiful Handmade Ceramic"  # cut at a word boundary
    assert all(google_width(h) <= 30 and "!" not in h for h in headlines)
    assert any("fixed automatically" in w for w in strategy.warnings)


async def test_malformed_json_is_asked_for_again(llm, make_brief):
    llm.script("sloppy", malformed(), answer(good_draft()))
    result = await generate(make_brief, settings_for(llm, "sloppy"))
    assert [c.outcome for c in result.calls] == ["malformed", "ok"]
    assert result.strategy.generator == "llm"
    assert "not valid JSON" in llm.requests[1].messages[-1]["content"]


async def test_http_500_on_the_first_model_falls_back_to_the_second(llm, make_brief):
    llm.script("down", http_error(500))
    llm.script("backup", answer(good_draft()))
    result = await generate(make_brief, settings_for(llm, "down", "backup"))
    assert result.strategy.generator == "llm" and result.strategy.model == "openai/backup"
    assert [(c.model, c.outcome) for c in result.calls] == [("openai/down", "error"), ("openai/backup", "ok")]


async def test_a_hanging_model_times_out_and_the_rules_strategist_answers(llm, make_brief):
    llm.script("sleepy", hang(10))
    progress = Progress()
    result = await generate(make_brief, settings_for(llm, "sleepy", llm_timeout_seconds=0.5), progress)
    assert result.strategy.generator == "rules"
    assert [c.outcome for c in result.calls] == ["timeout"]
    assert "No language model answered" in result.strategy.warnings[0]
    assert ("rules", 60, "Building the strategy from your brief with rules…") in progress.steps


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_nothing_reachable_falls_back_to_the_rules_strategist(make_brief, llm):
    unreachable = settings_for(llm, "a", "b", llm_api_base=f"http://127.0.0.1:{_closed_port()}/v1")
    result = await generate(make_brief, unreachable)
    assert result.strategy.generator == "rules" and check_strategy(result.strategy) == []
    assert [c.model for c in result.calls] == ["openai/a", "openai/b"]
    assert all(c.outcome == "error" for c in result.calls)


async def test_no_model_configured_uses_the_rules_strategist(make_brief, llm):
    before = sample("zamc_strategies_generated_total", generator="rules")
    result = await generate(make_brief, settings_for(llm))
    assert result.strategy.generator == "rules" and result.calls == []
    assert result.strategy.warnings[0].startswith("No language model is configured.")
    assert sample("zamc_strategies_generated_total", generator="rules") == before + 1
