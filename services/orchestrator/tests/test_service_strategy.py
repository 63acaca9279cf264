"""Strategy generation, revision and approval through the running orchestrator (real NATS + PostgreSQL,
litellm against our local OpenAI-compatible server)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from zamc_cli.embedded import free_port
from zamc_events.contracts.strategy import (
    Brief,
    CampaignStrategy,
    StrategyApproved,
    StrategyRequested,
    StrategyRevised,
)
from zamc_events.platform_limits import check_strategy
from zamc_orchestrator.adapters import repositories as repo
from zamc_orchestrator.adapters.db import strategy_generations, strategy_versions
from zamc_orchestrator.adapters.llm import _import_litellm
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain.strategies import strategy_id_for
from zamc_orchestrator.main import definition
from zamc_testing.llm_server import LLMTestServer, answer, hang, http_error, malformed
from zamc_testing.service import EventProbe, publish_event, running_service

pytestmark = pytest.mark.service

STRATEGY_EVENTS = ("zamc.strategy.progress.v1", "zamc.strategy.generated.v1", "zamc.strategy.failed.v1")


@pytest.fixture(scope="module")
def litellm_imported() -> None:
    """Import litellm once, up front: it takes seconds, which would otherwise count against the first test."""
    _import_litellm()


def settings_for(nats_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "log_json": False,
        "consumer_ack_wait_seconds": 2.0,
        "consumer_backoff_seconds": [0.1],
        "outbox_poll_seconds": 0.01,
        "llm_max_retries": 0,
        "llm_timeout_seconds": 5.0,
    }
    return Settings(**(values | overrides))


def llm_settings(llm: LLMTestServer, *models: str) -> dict[str, Any]:
    return {"llm_models": [f"openai/{m}" for m in models], "llm_api_base": llm.base_url, "llm_api_key": "k"}


def good_draft() -> dict[str, Any]:
    ad = {
        "headlines": ["Handmade Coffee Mugs", "Thrown by Hand in Berlin", "Clay & Co"],
        "descriptions": [
            "Every mug is thrown and glazed by hand in our Berlin studio.",
            "Order online; we ship across Germany in two days.",
        ],
        "path1": "mugs",
        "path2": "handmade",
    }
    group = {
        "name": "Handmade mugs",
        "keywords": [{"text": "handmade coffee mug", "match_type": "PHRASE"}],
        "ads": [ad],
    }
    ad_set = {
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
                    "ad_groups": [group],
                }
            ]
        },
        "meta": {"campaigns": [{"name": "Mugs - Meta", "special_ad_categories": [], "ad_sets": [ad_set]}]},
    }


def over_length_draft() -> dict[str, Any]:
    """good_draft() with a Google headline of 50 characters (limit 30) and a Meta headline of 60 (limit 40)."""
    draft = good_draft()
    draft["google_ads"]["campaigns"][0]["ad_groups"][0]["ads"][0]["headlines"][0] = (
        "Beautiful Handmade Ceramic Coffee Mugs From Berlin"
    )
    draft["meta"]["campaigns"][0]["ad_sets"][0]["ads"][0]["headline"] = (
        "Handmade mugs from our Berlin studio, shipped across Germany"
    )
    return draft


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def llm_outcomes(model: str) -> Counter[str]:
    """The service's recorded calls to `model` so far, by outcome (zamc_llm_calls_total)."""
    outcomes = ("ok", "malformed", "error", "timeout")
    return Counter({o: int(sample("zamc_llm_calls_total", model=model, outcome=o)) for o in outcomes})


async def count_rows(runtime, table, **where: Any) -> int:
    async with runtime.sessions() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return (await session.execute(query)).scalar_one()


def steps(probe: EventProbe, brief_id: uuid.UUID) -> list[str]:
    return [e.data.step for e in probe.of("zamc.strategy.progress.v1") if e.data.brief_id == brief_id]


async def steps_once_validated(probe: EventProbe, brief_id: uuid.UUID) -> list[str]:
    """`steps` once the last one ("validated") has arrived: progress travels on its own subject,
    so it may reach the probe after the strategy it led to."""
    await probe.wait_for(
        "zamc.strategy.progress.v1", where=lambda d: d.brief_id == brief_id and d.step == "validated"
    )
    return steps(probe, brief_id)


async def strategy_for(jetstream, probe: EventProbe, brief: Brief) -> CampaignStrategy:
    """Request a strategy for `brief` and wait for the one published for it."""
    await publish_event(jetstream, StrategyRequested(brief=brief))
    [generated] = await probe.wait_for(
        "zamc.strategy.generated.v1", where=lambda d: d.strategy.brief_id == brief.brief_id, timeout=20
    )
    return generated.data.strategy


async def stored_strategy(runtime, brief_id: uuid.UUID) -> CampaignStrategy:
    async with runtime.sessions() as session:
        [stored] = await repo.versions_of(session, brief_id=brief_id)
    assert stored.source == "generated" and not stored.approved
    return stored.strategy


async def test_rules_strategist_end_to_end_with_progress_and_one_strategy_per_brief(
    jetstream, nats_url, database_url, make_brief
):
    brief = make_brief()
    within_a_second = sample("zamc_strategy_generation_seconds_bucket", generator="rules", le="1.0")
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
    ):
        request = await publish_event(jetstream, StrategyRequested(brief=brief), tenant_id=uuid.uuid4())
        started = time.perf_counter()
        [generated] = await probe.wait_for("zamc.strategy.generated.v1", timeout=20)
        elapsed = time.perf_counter() - started
        strategy = generated.data.strategy
        assert strategy.generator == "rules" and strategy.version == 1 and check_strategy(strategy) == []
        assert strategy.strategy_id == strategy_id_for(brief.brief_id) and strategy.brief_id == brief.brief_id
        assert generated.correlation_id == request.correlation_id and generated.tenant_id == request.tenant_id
        assert elapsed < 1.5, f"rules generation took {elapsed:.2f} s end to end"
        # the generation itself (progress transactions included) took less than a second
        assert sample("zamc_strategy_generation_seconds_bucket", generator="rules", le="1.0") == (
            within_a_second + 1
        )
        assert await steps_once_validated(probe, brief.brief_id) == ["queued", "rules", "validated"]
        progress_at = [e.occurred_at for e in probe.of("zamc.strategy.progress.v1")]
        assert max(progress_at) <= generated.occurred_at

        # the same brief requested again (a new event) and the first request redelivered: no second strategy
        await publish_event(jetstream, StrategyRequested(brief=brief))
        await jetstream.publish(
            request.type, request.to_json(), headers={"Nats-Msg-Id": f"{request.event_id}-again"}
        )
        await asyncio.sleep(1.5)
        assert len(probe.of("zamc.strategy.generated.v1")) == 1
        assert await count_rows(runtime, strategy_versions, brief_id=brief.brief_id) == 1
        assert await count_rows(runtime, strategy_generations, status="done") == 1
        assert await stored_strategy(runtime, brief.brief_id) == strategy


async def test_llm_strategy_end_to_end_with_progress_while_the_model_drafts(
    litellm_imported, jetstream, nats_url, database_url, make_brief
):
    brief = make_brief()
    seen_while_drafting: list[list[str]] = []

    def slow_answer(body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.0)  # the model "thinks"; progress must already be visible
        return good_draft()

    with LLMTestServer() as llm:
        llm.script("writer", answer(slow_answer))
        latency_before = sample("zamc_llm_call_seconds_count", model="openai/writer")
        settings = settings_for(nats_url, database_url, **llm_settings(llm, "writer"))
        async with (
            running_service(definition, settings),
            EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
        ):
            await publish_event(jetstream, StrategyRequested(brief=brief))
            await probe.wait_for(
                "zamc.strategy.progress.v1", where=lambda d: d.step == "drafting", timeout=20
            )
            seen_while_drafting.append(steps(probe, brief.brief_id))
            assert probe.of("zamc.strategy.generated.v1") == []
            [generated] = await probe.wait_for("zamc.strategy.generated.v1", timeout=20)
    strategy = generated.data.strategy
    assert seen_while_drafting == [["queued", "drafting"]]
    assert (
        strategy.generator == "llm" and strategy.model == "openai/writer" and check_strategy(strategy) == []
    )
    assert strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0] == "Handmade Coffee Mugs"
    assert await steps_once_validated(probe, brief.brief_id) == [
        "queued",
        "drafting",
        "validating",
        "validated",
    ]
    assert len(llm.requests) == 1
    assert sample("zamc_llm_call_seconds_count", model="openai/writer") == latency_before + 1
    assert sample("zamc_llm_call_seconds_sum", model="openai/writer") >= 1.0


async def test_http_500_falls_back_to_the_second_model_and_nothing_reachable_falls_back_to_rules(
    litellm_imported, jetstream, nats_url, database_url, make_brief
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with LLMTestServer() as llm:
        llm.script("down", http_error(500))
        llm.script("backup", answer(good_draft()))
        falling_back = make_brief()
        async with (
            running_service(
                definition, settings_for(nats_url, database_url, **llm_settings(llm, "down", "backup"))
            ),
            EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
        ):
            await publish_event(jetstream, StrategyRequested(brief=falling_back))
            [generated] = await probe.wait_for("zamc.strategy.generated.v1", timeout=20)
        assert generated.data.strategy.generator == "llm" and generated.data.strategy.model == "openai/backup"
        assert [r.model for r in llm.requests] == ["down", "backup"]

    unreachable = {
        "llm_models": ["openai/a", "openai/b"],
        "llm_api_base": f"http://127.0.0.1:{closed_port}/v1",
        "llm_api_key": "k",
    }
    nobody = make_brief()
    async with (
        running_service(definition, settings_for(nats_url, database_url, **unreachable)),
        EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
    ):
        strategy = await strategy_for(jetstream, probe, nobody)
        assert "rules" in await steps_once_validated(probe, nobody.brief_id)
    assert strategy.generator == "rules" and check_strategy(strategy) == []
    assert "No language model answered" in strategy.warnings[0]


async def test_over_length_copy_goes_back_to_the_model_and_what_it_never_fixes_is_repaired_by_code(
    litellm_imported, jetstream, nats_url, database_url, make_brief
):
    fixed_by_the_model, never_fixed = make_brief(), make_brief()
    with LLMTestServer() as llm:
        llm.script("writer", answer(over_length_draft()), answer(good_draft()))
        settings = settings_for(nats_url, database_url, llm_max_repairs=2, **llm_settings(llm, "writer"))
        async with (
            running_service(definition, settings) as runtime,
            EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
        ):
            before = llm_outcomes("openai/writer")
            strategy = await strategy_for(jetstream, probe, fixed_by_the_model)
            assert strategy.generator == "llm" and strategy.model == "openai/writer"
            assert check_strategy(strategy) == []
            # the model's own fix was shipped, not a cut made by code
            assert strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0] == "Handmade Coffee Mugs"
            assert not any("fixed automatically" in w for w in strategy.warnings)
            assert await stored_strategy(runtime, fixed_by_the_model.brief_id) == strategy
            assert await steps_once_validated(probe, fixed_by_the_model.brief_id) == [
                "queued",
                "drafting",
                "validating",
                "repairing",
                "validating",
                "validated",
            ]
            draft, repair = llm.requests
            assert [draft.model, repair.model] == ["writer", "writer"]
            assert "Beautiful Handmade Ceramic Coffee Mugs" in repair.messages[-2]["content"]  # its answer
            violations = repair.messages[-1]["content"]
            assert (
                "google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0]: Headline 1 is 50 characters"
                in violations
            )
            assert (
                "meta.campaigns[0].ad_sets[0].ads[0].headline: Headline is 60 characters; Meta allows 40"
                in violations
            )
            assert llm_outcomes("openai/writer") - before == Counter(ok=2)

            # a model that answers over-length copy every time: two repair rounds, then code repairs it
            llm.reset()
            llm.script("writer", answer(over_length_draft()))
            strategy = await strategy_for(jetstream, probe, never_fixed)
            assert strategy.generator == "llm" and check_strategy(strategy) == []
            headlines = strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines
            assert headlines[0] == "Beautiful Handmade Ceramic"  # cut at a word boundary
            assert len(strategy.meta.campaigns[0].ad_sets[0].ads[0].headline) <= 40
            assert any("fixed automatically" in w for w in strategy.warnings)
            assert await stored_strategy(runtime, never_fixed.brief_id) == strategy
            assert len(llm.requests) == 3  # the draft and two repair rounds
            never_fixed_steps = await steps_once_validated(probe, never_fixed.brief_id)
            assert never_fixed_steps.count("repairing") == 3  # two rounds, then code
            assert never_fixed_steps[-2:] == ["repairing", "validated"]


async def test_malformed_json_is_asked_for_again_and_never_shipped(
    litellm_imported, jetstream, nats_url, database_url, make_brief
):
    retried, always_malformed = make_brief(), make_brief()
    cut_off = '{"objective": "Sell mugs", "kpis": ['
    with LLMTestServer() as llm:
        llm.script("sloppy", malformed(cut_off), answer(good_draft()))
        settings = settings_for(
            nats_url, database_url, llm_max_malformed_retries=1, **llm_settings(llm, "sloppy")
        )
        async with (
            running_service(definition, settings) as runtime,
            EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
        ):
            before = llm_outcomes("openai/sloppy")
            strategy = await strategy_for(jetstream, probe, retried)
            assert strategy.generator == "llm" and strategy.model == "openai/sloppy"
            assert check_strategy(strategy) == []
            assert strategy.google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0] == "Handmade Coffee Mugs"
            assert await stored_strategy(runtime, retried.brief_id) == strategy
            # the retry happens while drafting: the progress events show one draft, the calls show two
            assert await steps_once_validated(probe, retried.brief_id) == [
                "queued",
                "drafting",
                "validating",
                "validated",
            ]
            assert llm_outcomes("openai/sloppy") - before == Counter(malformed=1, ok=1)
            first, again = llm.requests
            assert [first.model, again.model] == ["sloppy", "sloppy"]
            assert again.messages[-2] == {"role": "assistant", "content": cut_off}
            assert "not valid JSON" in again.messages[-1]["content"]

            # malformed every time: asked once more, then the rules strategist answers
            llm.reset()
            llm.script("sloppy", malformed(cut_off))
            before = llm_outcomes("openai/sloppy")
            strategy = await strategy_for(jetstream, probe, always_malformed)
            assert strategy.generator == "rules" and check_strategy(strategy) == []
            assert "No language model answered" in strategy.warnings[0]
            assert len(llm.requests) == 2
            assert llm_outcomes("openai/sloppy") - before == Counter(malformed=2)
            assert await steps_once_validated(probe, always_malformed.brief_id) == [
                "queued",
                "drafting",
                "rules",
                "validated",
            ]


async def test_revisions_become_new_versions_only_when_valid_and_newer_and_approval_marks_one(
    jetstream, nats_url, database_url, make_brief
):
    brief = make_brief()
    editor = uuid.uuid4()
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
    ):
        await publish_event(jetstream, StrategyRequested(brief=brief))
        [generated] = await probe.wait_for("zamc.strategy.generated.v1", timeout=20)
        v1 = generated.data.strategy
        v2 = v1.model_copy(update={"version": 2, "rationale": "Edited by the marketer"})
        campaign = v1.google_ads.campaigns[0]
        group = campaign.ad_groups[0]
        long_ad = group.ads[0].model_copy(update={"headlines": ["A headline far too long for Google Ads"]})
        broken_group = group.model_copy(update={"ads": [long_ad]})
        v3_invalid = v1.model_copy(
            update={
                "version": 3,
                "google_ads": v1.google_ads.model_copy(
                    update={"campaigns": [campaign.model_copy(update={"ad_groups": [broken_group]})]}
                ),
            }
        )
        stale = v1.model_copy(update={"version": 2, "rationale": "A concurrent edit of version 1"})

        await publish_event(jetstream, StrategyRevised(strategy=v2, revised_by=editor))
        await publish_event(jetstream, StrategyRevised(strategy=v2, revised_by=editor))  # the same edit again
        await publish_event(jetstream, StrategyRevised(strategy=stale, revised_by=editor))
        await publish_event(jetstream, StrategyRevised(strategy=v3_invalid, revised_by=editor))
        failures = await probe.wait_for("zamc.strategy.failed.v1", count=2, timeout=20)
        reasons = [f.data.reason for f in failures]
        assert "Version 2 is not newer than the latest version 2" in reasons[0]
        assert reasons[1].startswith("Version 3 of the strategy was not saved: google_ads.campaigns[0]")
        assert all(f.data.brief_id == brief.brief_id for f in failures)

        await publish_event(
            jetstream, StrategyApproved(strategy_id=v1.strategy_id, version=2, approved_by=editor)
        )
        await publish_event(
            jetstream, StrategyApproved(strategy_id=v1.strategy_id, version=9, approved_by=editor)
        )
        [missing] = await probe.wait_for("zamc.strategy.failed.v1", where=lambda d: "Version 9" in d.reason)
        assert "latest version is 2" in missing.data.reason
        async with runtime.sessions() as session:
            versions = await repo.versions_of(session, brief_id=brief.brief_id)
        assert [(v.strategy.version, v.source, v.approved) for v in versions] == [
            (1, "generated", False),
            (2, "revised", True),
        ]
        assert versions[1].strategy == v2


async def test_a_brief_no_strategy_can_serve_fails_with_a_reason_and_can_be_requested_again(
    jetstream, nats_url, database_url, make_brief
):
    brief = make_brief(landing_page_url="ftp://mugs.example.com")
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
    ):
        await publish_event(jetstream, StrategyRequested(brief=brief))
        [failed] = await probe.wait_for("zamc.strategy.failed.v1", timeout=20)
        assert failed.data.brief_id == brief.brief_id
        assert "landing page URL must start with http" in failed.data.reason
        assert await count_rows(runtime, strategy_generations, status="failed") == 1
        assert await count_rows(runtime, strategy_versions) == 0

        fixed = brief.model_copy(update={"landing_page_url": "https://mugs.example.com/shop"})
        await publish_event(jetstream, StrategyRequested(brief=fixed))
        [generated] = await probe.wait_for("zamc.strategy.generated.v1", timeout=20)
        assert generated.data.strategy.brief_id == brief.brief_id
        assert await count_rows(runtime, strategy_generations, status="done") == 1


async def test_a_stopping_service_gives_its_unfinished_brief_back_to_the_next_worker(
    litellm_imported, jetstream, nats_url, database_url, make_brief
):
    brief = make_brief()
    with LLMTestServer() as llm:
        llm.script("slow", hang(30))
        settings = settings_for(nats_url, database_url, llm_timeout_seconds=25.0, **llm_settings(llm, "slow"))
        async with (
            running_service(definition, settings),
            EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
        ):
            await publish_event(jetstream, StrategyRequested(brief=brief))
            await probe.wait_for(
                "zamc.strategy.progress.v1", where=lambda d: d.step == "drafting", timeout=20
            )
        # stopped while the model drafts: the lease (60 s) is given back, not left to run out
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *STRATEGY_EVENTS) as probe,
    ):
        [generated] = await probe.wait_for("zamc.strategy.generated.v1", timeout=10)
        assert generated.data.strategy.brief_id == brief.brief_id
        assert generated.data.strategy.generator == "rules"
        assert await count_rows(runtime, strategy_generations, status="done", attempts=1) == 1
