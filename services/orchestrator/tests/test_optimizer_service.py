"""The optimiser in the running orchestrator runtime (real NATS + PostgreSQL): rollups in, recommendation
out, apply, platform command out, audit row written; autopilot inside the guardrails and cool-down."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import zamc_orchestrator
from zamc_cli.embedded import free_port
from zamc_events.contracts.campaign import (
    CampaignBidTargetChanged,
    CampaignBidTargetChangeFailed,
    CampaignChanged,
    CampaignDeployed,
    DeploymentTarget,
    DeployRequested,
    PlatformObject,
)
from zamc_events.contracts.common import PlatformError
from zamc_events.contracts.metrics import MetricObservation, MetricsObserved, RollupRow, RollupUpdated
from zamc_events.contracts.optimization import (
    AutopilotChanged,
    OptimizationApplyRequested,
    OptimizationDismissed,
)
from zamc_events.runtime.service import ServiceDefinition
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain.rules_strategist import build_strategy
from zamc_orchestrator.optimizer import service
from zamc_orchestrator.optimizer import tables as t
from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.handlers import optimizer_background_jobs, optimizer_handlers
from zamc_testing.service import EventProbe, publish_event, running_service

pytestmark = pytest.mark.service

HOUR = timedelta(hours=1)
GOOGLE, META = "111", "333"
GOOGLE_ACCOUNT, META_ACCOUNT = "1234567890", "act_42"
TENANT = uuid.uuid4()


def definition_for(optimizer: OptimizerSettings) -> ServiceDefinition:
    """The orchestrator's schema and migrations with only the optimiser's handlers and job."""
    return ServiceDefinition(
        name="orchestrator",
        schema="orchestrator",
        migrations_dir=Path(zamc_orchestrator.__file__).parent / "migrations",
        handlers=lambda runtime: optimizer_handlers(runtime, settings=optimizer),
        background=optimizer_background_jobs(optimizer),
    )


def settings_for(nats_url: str, database_url: str) -> Settings:
    return Settings(
        nats_url=nats_url,
        database_url=database_url,
        http_port=free_port(),
        log_json=False,
        consumer_ack_wait_seconds=2.0,
        consumer_backoff_seconds=[0.1],
        outbox_poll_seconds=0.01,
    )


async def deploy(js, make_brief, **google_bidding: Any) -> tuple[uuid.UUID, dict[str, int]]:
    """Publish a deployment of the rules strategy (one Google campaign, one Meta campaign) and its answers.

    `google_bidding` overrides the Google campaign's bidding (e.g. bidding_strategy="TARGET_ROAS").
    """
    brief = make_brief()
    strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
    if google_bidding:
        campaigns = strategy.google_ads.campaigns
        google_ads = strategy.google_ads.model_copy(
            update={"campaigns": [campaigns[0].model_copy(update=google_bidding), *campaigns[1:]]}
        )
        strategy = strategy.model_copy(update={"google_ads": google_ads})
    deployment_id = uuid.uuid4()
    targets = [
        DeploymentTarget(platform="google_ads", account_external_id=GOOGLE_ACCOUNT),
        DeploymentTarget(platform="meta", account_external_id=META_ACCOUNT),
    ]
    await publish_event(
        js, DeployRequested(deployment_id=deployment_id, strategy=strategy, targets=targets), tenant_id=TENANT
    )
    google = strategy.google_ads.campaigns[0]
    group = google.ad_groups[0]
    google_objects = [
        PlatformObject(idempotency_key="g:c", kind="campaign", strategy_key=google.key, platform_id=GOOGLE),
        PlatformObject(
            idempotency_key="g:g",
            kind="ad_group",
            strategy_key=group.key,
            platform_id="1111",
            parent_platform_id=GOOGLE,
        ),
        PlatformObject(
            idempotency_key="g:a1",
            kind="ad",
            strategy_key=group.ads[0].key,
            platform_id="a1",
            parent_platform_id="1111",
        ),
        PlatformObject(
            idempotency_key="g:a2",
            kind="ad",
            strategy_key=group.ads[0].key + "-b",
            platform_id="a2",
            parent_platform_id="1111",
        ),
    ]
    meta = strategy.meta.campaigns[0]
    meta_objects = [
        PlatformObject(idempotency_key="m:c", kind="campaign", strategy_key=meta.key, platform_id=META)
    ] + [
        PlatformObject(
            idempotency_key=f"m:s{i}",
            kind="ad_set",
            strategy_key=s.key,
            platform_id=f"333{i}",
            parent_platform_id=META,
        )
        for i, s in enumerate(meta.ad_sets)
    ]
    for platform, account, ids, objects in (
        ("google_ads", GOOGLE_ACCOUNT, [GOOGLE], google_objects),
        ("meta", META_ACCOUNT, [META], meta_objects),
    ):
        await publish_event(
            js,
            CampaignDeployed(
                deployment_id=deployment_id,
                platform=platform,
                account_external_id=account,
                platform_campaign_ids=ids,
                objects=objects,
            ),
            tenant_id=TENANT,
        )
    budgets = {GOOGLE: google.daily_budget_micros, META: sum(s.daily_budget_micros for s in meta.ad_sets)}
    return strategy.project_id, budgets


def rollup(
    platform: str, account: str, campaign: str, budget: int, roas: float, hours: list[datetime], now: datetime
) -> RollupUpdated:
    cost = budget // 24
    rows = [
        RollupRow(
            platform=platform,
            account_external_id=account,
            campaign_id=campaign,
            period_start=hour,
            granularity="hour",
            currency="EUR",
            impressions=1_500,
            clicks=45,
            cost_micros=cost,
            conversions=0.5,
            conversion_value_micros=round(cost * roas),
            settled=hour + HOUR + timedelta(days=1) <= now,
        )
        for hour in hours
    ]
    return RollupUpdated(
        platform=platform,
        account_external_id=account,
        campaign_id=campaign,
        window_start=hours[0],
        window_end=hours[-1] + HOUR,
        rows=rows,
        observed_at=now,
    )


def history(now: datetime, days: int, end_offset_hours: int = 0) -> list[datetime]:
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=end_offset_hours)
    return [end - HOUR * i for i in range(days * 24, 0, -1)]


async def feed_rollups(
    js, budgets: dict[str, int], hours: list[datetime], now: datetime, roas: tuple[float, float] = (6.0, 1.2)
) -> None:
    """Hourly rollups of the Google and the Meta campaign at `roas` (Google's, Meta's)."""
    await publish_event(
        js,
        rollup("google_ads", GOOGLE_ACCOUNT, GOOGLE, budgets[GOOGLE], roas[0], hours, now),
        tenant_id=TENANT,
    )
    await publish_event(
        js, rollup("meta", META_ACCOUNT, META, budgets[META], roas[1], hours, now), tenant_id=TENANT
    )


async def feed_ads(js, hours: list[datetime], now: datetime) -> None:
    """Two ads in one Google ad group: a1 with 5 % CTR, a2 with 2 %."""
    observations = [
        MetricObservation(
            campaign_id=GOOGLE,
            ad_group_id="1111",
            ad_id=ad,
            hour_start=hour,
            impressions=400,
            clicks=clicks,
            cost_micros=1_000_000,
            conversions=0.0,
            conversion_value_micros=0,
            reported_at=now,
        )
        for hour in hours
        for ad, clicks in (("a1", 20), ("a2", 8))
    ]
    await publish_event(
        js,
        MetricsObserved(
            platform="google_ads",
            account_external_id=GOOGLE_ACCOUNT,
            currency="EUR",
            time_zone="Europe/Berlin",
            sync_id=uuid.uuid4(),
            observations=observations,
        ),
        tenant_id=TENANT,
    )


async def rows(runtime, query) -> list[Any]:
    async with runtime.sessions() as session:
        return list((await session.execute(query)).all())


async def hours_of_both_campaigns(runtime) -> None:
    """Wait until the Google and the Meta campaign are known (deployed, with budgets) and their rollups
    recorded: the events travel separately, and a round before both misses a campaign."""

    async def recorded():
        deployed = await rows(runtime, select(t.campaigns.c.daily_budget_micros))
        hours = await rows(runtime, select(t.campaign_hours.c.campaign_id).distinct())
        return len(hours) == 2 and len(deployed) == 2 and all(r.daily_budget_micros for r in deployed)

    await eventually(recorded)


async def eventually(check, timeout: float = 15.0) -> Any:
    for _ in range(int(timeout / 0.05)):
        if result := await check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"{check.__name__} did not happen in {timeout} s")


async def test_rollups_to_recommendation_to_apply_to_platform_command_and_audit(
    jetstream, nats_url, database_url, make_brief
):
    optimizer = OptimizerSettings(evaluation_interval_seconds=0.2)
    now = datetime.now(UTC)
    async with (
        EventProbe.watching(jetstream, "zamc.optimization.>", "zamc.google_ads.>", "zamc.meta.>") as probe,
        running_service(definition_for(optimizer), settings_for(nats_url, database_url)) as runtime,
    ):
        project_id, budgets = await deploy(jetstream, make_brief)
        hours = history(now, days=3)
        await feed_rollups(jetstream, budgets, hours, now)
        await feed_ads(jetstream, hours, now)

        (recommended,) = await probe.wait_for(
            "zamc.optimization.recommended.v1", lambda d: d.kind == "budget_shift"
        )
        data = recommended.data
        assert data.project_id == project_id and not data.autopilot
        moves = {a.platform_object_id: a for a in data.actions}
        # money moves from the Meta campaign (ROAS 1.2) to the Google one (ROAS 6), by at most 20 %
        assert moves[GOOGLE].daily_budget_micros > budgets[GOOGLE]
        assert moves[META].daily_budget_micros < budgets[META]
        for campaign, action in moves.items():
            assert action.current_daily_budget_micros == budgets[campaign]
            assert abs(action.daily_budget_micros - budgets[campaign]) <= 0.2 * budgets[campaign]
        assert sum(a.daily_budget_micros for a in moves.values()) <= sum(budgets.values())
        assert data.expected_impact.low <= data.expected_impact.delta <= data.expected_impact.high
        assert data.expected_impact.delta > 0 and 0.5 < data.confidence <= 1
        evidence = {c["campaign_id"]: c for c in data.evidence["campaigns"]}
        assert evidence[GOOGLE]["marginal_roas"] > evidence[META]["marginal_roas"]

        # the weaker ad of the Google ad group is credibly worse and the stop rule is met: A/B concluded
        (pause,) = await probe.wait_for("zamc.optimization.recommended.v1", lambda d: d.kind == "ab_winner")
        assert [(a.platform_object_id, a.object_kind, a.status) for a in pause.data.actions] == [
            ("a2", "ad", "PAUSED")
        ]
        assert pause.data.confidence >= 0.95
        siblings = {s["object_id"]: s for s in pause.data.evidence["siblings"]}
        assert siblings["a1"]["probability_to_be_best"] > 0.95 > siblings["a2"]["probability_to_be_best"]
        assert siblings["a1"]["expected_loss"] < siblings["a2"]["expected_loss"]
        assert "stop_rule" in pause.data.evidence
        await probe.wait_for(
            "zamc.optimization.recommended.v1",
            lambda d: d.kind == "warning" and d.evidence.get("campaign_id") == GOOGLE,
        )

        user = uuid.uuid4()
        await publish_event(
            jetstream,
            OptimizationApplyRequested(recommendation_id=data.recommendation_id, requested_by=user),
            tenant_id=TENANT,
        )
        (applied,) = await probe.wait_for(
            "zamc.optimization.applied.v1", lambda d: d.recommendation_id == data.recommendation_id
        )
        assert applied.data.applied_by == f"user:{user}" and len(applied.data.change_ids) == 2
        (google_command,) = await probe.wait_for("zamc.google_ads.budget_update_requested.v1")
        (meta_command,) = await probe.wait_for("zamc.meta.budget_update_requested.v1")
        assert google_command.data.platform_campaign_id == GOOGLE
        assert google_command.data.daily_budget_micros == moves[GOOGLE].daily_budget_micros
        assert google_command.data.account_external_id == GOOGLE_ACCOUNT
        assert meta_command.data.daily_budget_micros == moves[META].daily_budget_micros
        assert {google_command.data.change_id, meta_command.data.change_id} == set(applied.data.change_ids)
        assert google_command.data.deployment_id is not None

        audit = await rows(
            runtime, select(t.changes).where(t.changes.c.recommendation_id == data.recommendation_id)
        )
        assert {(r.object_id, r.field, r.old_value, r.new_value, r.actor, r.outcome) for r in audit} == {
            (
                GOOGLE,
                "daily_budget_micros",
                str(budgets[GOOGLE]),
                str(moves[GOOGLE].daily_budget_micros),
                f"user:{user}",
                "requested",
            ),
            (
                META,
                "daily_budget_micros",
                str(budgets[META]),
                str(moves[META].daily_budget_micros),
                f"user:{user}",
                "requested",
            ),
        }
        assert all(r.reason == data.title for r in audit)

        # the connector confirms: the audit row says applied
        await publish_event(
            jetstream,
            CampaignChanged(
                change_id=google_command.data.change_id,
                platform="google_ads",
                account_external_id=GOOGLE_ACCOUNT,
                change="budget",
                platform_campaign_ids=[GOOGLE],
                daily_budget_micros=moves[GOOGLE].daily_budget_micros,
            ),
            tenant_id=TENANT,
        )

        async def confirmed():
            found = await rows(
                runtime,
                select(t.changes.c.outcome).where(t.changes.c.change_id == google_command.data.change_id),
            )
            return found and found[0].outcome == "applied"

        await eventually(confirmed)

        # applying twice changes nothing; dismissing the pause is recorded
        await publish_event(
            jetstream,
            OptimizationApplyRequested(recommendation_id=data.recommendation_id, requested_by=user),
            tenant_id=TENANT,
        )
        await publish_event(
            jetstream,
            OptimizationDismissed(recommendation_id=pause.data.recommendation_id, dismissed_by=user),
            tenant_id=TENANT,
        )

        async def dismissed():
            found = await rows(
                runtime,
                select(t.recommendations.c.status).where(
                    t.recommendations.c.recommendation_id == pause.data.recommendation_id
                ),
            )
            return found[0].status == "dismissed"

        await eventually(dismissed)
        assert len(probe.of("zamc.optimization.applied.v1")) == 1
        assert len(probe.of("zamc.google_ads.budget_update_requested.v1")) == 1


async def test_autopilot_applies_inside_the_guardrails_and_respects_the_cool_down(
    jetstream, nats_url, database_url, make_brief
):
    optimizer = OptimizerSettings(evaluation_interval_seconds=3600)  # rounds are run by the test
    now = datetime.now(UTC)
    async with (
        EventProbe.watching(jetstream, "zamc.optimization.>", "zamc.google_ads.>", "zamc.meta.>") as probe,
        running_service(definition_for(optimizer), settings_for(nats_url, database_url)) as runtime,
    ):
        project_id, budgets = await deploy(jetstream, make_brief)
        await feed_rollups(jetstream, budgets, history(now, days=3, end_offset_hours=6), now)
        await publish_event(
            jetstream,
            AutopilotChanged(project_id=project_id, enabled=True, platform_campaign_ids=[GOOGLE, META]),
            tenant_id=TENANT,
        )

        async def ready():
            found = await rows(runtime, select(t.campaign_hours.c.campaign_id).distinct())
            autopilot = await rows(runtime, select(t.projects.c.autopilot))
            return len(found) == 2 and autopilot and autopilot[0].autopilot

        await eventually(ready)

        async def round_at(moment: datetime) -> int:
            return await service.evaluate_all(
                sessions=runtime.sessions, publisher=runtime.publisher, settings=optimizer, now=moment
            )

        assert await round_at(now) >= 1
        (applied,) = await probe.wait_for("zamc.optimization.applied.v1")
        assert applied.data.applied_by == "autopilot"
        (recommended,) = [
            e for e in probe.of("zamc.optimization.recommended.v1") if e.data.kind == "budget_shift"
        ]
        assert recommended.data.autopilot
        first = {
            e.data.platform_campaign_id: e.data.daily_budget_micros
            for e in await probe.wait_for("zamc.google_ads.budget_update_requested.v1")
        }
        first |= {
            e.data.platform_campaign_id: e.data.daily_budget_micros
            for e in await probe.wait_for("zamc.meta.budget_update_requested.v1")
        }
        assert budgets[GOOGLE] < first[GOOGLE] <= budgets[GOOGLE] * 1.2
        assert budgets[META] * 0.8 <= first[META] < budgets[META]

        # more, and stronger, evidence an hour later: both campaigns are cooling down, nothing moves
        await feed_rollups(jetstream, budgets, history(now, days=1), now)
        await asyncio.sleep(0.5)
        for hours_later in (1, 12, 23):
            await round_at(now + timedelta(hours=hours_later))
        await asyncio.sleep(0.5)
        assert len(probe.of("zamc.google_ads.budget_update_requested.v1")) == 1
        assert len(probe.of("zamc.meta.budget_update_requested.v1")) == 1
        audit = await rows(runtime, select(t.changes).where(t.changes.c.actor == "autopilot"))
        assert len(audit) == 2 and {r.outcome for r in audit} == {"requested"}

        # once the cool-down is over the autopilot takes the next step, again by at most 20 %
        await round_at(now + timedelta(hours=25))
        second = await probe.wait_for("zamc.google_ads.budget_update_requested.v1", count=2)
        assert second[-1].data.daily_budget_micros > first[GOOGLE]
        assert second[-1].data.daily_budget_micros <= first[GOOGLE] * 1.2
        audit = await rows(runtime, select(t.changes).where(t.changes.c.actor == "autopilot"))
        assert len(audit) == 4


async def test_applying_a_pause_sends_a_status_command_writes_the_audit_and_starts_the_cool_down(
    jetstream, nats_url, database_url, make_brief
):
    optimizer = OptimizerSettings(evaluation_interval_seconds=3600)  # rounds are run by the test
    now = datetime.now(UTC)
    async with (
        EventProbe.watching(jetstream, "zamc.optimization.>", "zamc.google_ads.>", "zamc.meta.>") as probe,
        running_service(definition_for(optimizer), settings_for(nats_url, database_url)) as runtime,
    ):
        project_id, budgets = await deploy(jetstream, make_brief)
        hours = history(now, days=3)
        await feed_rollups(jetstream, budgets, hours, now)
        await feed_ads(jetstream, hours, now)

        async def ready():
            campaigns = await rows(runtime, select(t.campaign_hours.c.campaign_id).distinct())
            ads = await rows(runtime, select(t.ad_hours.c.ad_id).distinct())
            return len(campaigns) == 2 and len(ads) == 2

        await eventually(ready)
        await service.evaluate_all(
            sessions=runtime.sessions, publisher=runtime.publisher, settings=optimizer, now=now
        )
        (pause,) = await probe.wait_for("zamc.optimization.recommended.v1", lambda d: d.kind == "ab_winner")
        (shift,) = await probe.wait_for(
            "zamc.optimization.recommended.v1", lambda d: d.kind == "budget_shift"
        )
        assert pause.data.project_id == project_id and not pause.data.autopilot
        assert GOOGLE in {a.platform_object_id for a in shift.data.actions}

        user = uuid.uuid4()
        await publish_event(
            jetstream,
            OptimizationApplyRequested(recommendation_id=pause.data.recommendation_id, requested_by=user),
            tenant_id=TENANT,
        )
        (applied,) = await probe.wait_for(
            "zamc.optimization.applied.v1", lambda d: d.recommendation_id == pause.data.recommendation_id
        )
        assert applied.data.applied_by == f"user:{user}"
        (command,) = await probe.wait_for("zamc.google_ads.status_update_requested.v1")
        assert (
            command.data.platform_object_id,
            command.data.object_kind,
            command.data.status,
            command.data.account_external_id,
        ) == ("a2", "ad", "PAUSED", GOOGLE_ACCOUNT)
        assert applied.data.change_ids == [command.data.change_id]
        assert command.data.deployment_id is not None and command.data.reason == pause.data.title

        audit = await rows(
            runtime, select(t.changes).where(t.changes.c.recommendation_id == pause.data.recommendation_id)
        )
        assert [
            (r.change_id, r.object_kind, r.object_id, r.field, r.old_value, r.new_value, r.actor, r.outcome)
            for r in audit
        ] == [
            (command.data.change_id, "ad", "a2", "status", "ENABLED", "PAUSED", f"user:{user}", "requested")
        ]
        assert audit[0].reason == pause.data.title and audit[0].project_id == project_id
        (ad,) = await rows(runtime, select(t.ads).where(t.ads.c.ad_id == "a2"))
        assert ad.status == "PAUSED" and ad.paused_by_optimizer
        (campaign,) = await rows(runtime, select(t.campaigns).where(t.campaigns.c.campaign_id == GOOGLE))
        assert campaign.last_changed_at is not None  # the pause starts the campaign's cool-down

        # the connector confirms: the audit row says applied
        await publish_event(
            jetstream,
            CampaignChanged(
                change_id=command.data.change_id,
                platform="google_ads",
                account_external_id=GOOGLE_ACCOUNT,
                change="status",
                platform_campaign_ids=[GOOGLE],
                status="PAUSED",
            ),
            tenant_id=TENANT,
        )

        async def confirmed():
            found = await rows(
                runtime, select(t.changes.c.outcome).where(t.changes.c.change_id == command.data.change_id)
            )
            return found and found[0].outcome == "applied"

        await eventually(confirmed)

        # the budget shift of the same round moves the same campaign: refused, it is cooling down
        await publish_event(
            jetstream,
            OptimizationApplyRequested(recommendation_id=shift.data.recommendation_id, requested_by=user),
            tenant_id=TENANT,
        )

        async def refused():
            found = await rows(
                runtime,
                select(t.recommendations.c.status, t.recommendations.c.reason).where(
                    t.recommendations.c.recommendation_id == shift.data.recommendation_id
                ),
            )
            return found and found[0].status != "open" and found[0]

        outcome = await eventually(refused)
        assert outcome.status == "refused" and outcome.reason.startswith("guardrails: cooldown: ")
        audit = await rows(
            runtime, select(t.changes).where(t.changes.c.recommendation_id == shift.data.recommendation_id)
        )
        assert audit and {(r.outcome, r.error) for r in audit} == {("refused", outcome.reason)}
        (closed,) = await probe.wait_for(
            "zamc.optimization.closed.v1", lambda d: d.recommendation_id == shift.data.recommendation_id
        )
        assert (closed.data.status, closed.data.reason, closed.data.closed_by) == (
            "refused",
            outcome.reason,
            f"user:{user}",
        )
        assert not probe.of("zamc.google_ads.budget_update_requested.v1")
        assert not probe.of("zamc.meta.budget_update_requested.v1")


async def test_a_deployment_sets_the_projects_total_budget_from_its_brief(nats_url, database_url, make_brief):
    from datetime import date

    from sqlalchemy import insert

    from zamc_events.contracts.strategy import BriefBudget
    from zamc_orchestrator.adapters.db import strategy_generations
    from zamc_orchestrator.optimizer import repository

    async with running_service(
        definition_for(OptimizerSettings()), settings_for(nats_url, database_url)
    ) as runtime:
        brief = make_brief(
            budget=BriefBudget(amount_micros=900_000_000, currency="EUR", period="total"),
            end_date=date(2025, 3, 30),
        )
        strategy = build_strategy(brief=brief, strategy_id=uuid.uuid4())
        request = DeployRequested(
            deployment_id=uuid.uuid4(),
            strategy=strategy,
            targets=[DeploymentTarget(platform="google_ads", account_external_id=GOOGLE_ACCOUNT)],
        )
        async with runtime.sessions() as session, session.begin():
            await session.execute(
                insert(strategy_generations).values(
                    brief_id=brief.brief_id,
                    strategy_id=strategy.strategy_id,
                    project_id=brief.project_id,
                    correlation_id=uuid.uuid4(),
                    request_event_id=uuid.uuid4(),
                    brief=brief.model_dump(mode="json"),
                    status="done",
                )
            )
            await repository.record_deploy_requested(session, request, tenant_id=TENANT)
        async with runtime.sessions() as session:
            row = (
                await session.execute(select(t.projects).where(t.projects.c.project_id == brief.project_id))
            ).one()
        assert (row.total_budget_micros, row.daily_cap_micros) == (900_000_000, strategy.daily_budget_micros)


async def test_applying_a_bid_target_sends_the_google_command_and_a_failure_restores_the_target(
    jetstream, nats_url, database_url, make_brief
):
    optimizer = OptimizerSettings(evaluation_interval_seconds=3600)  # rounds are run by the test
    now = datetime.now(UTC)
    async with (
        EventProbe.watching(jetstream, "zamc.optimization.>", "zamc.google_ads.>") as probe,
        running_service(definition_for(optimizer), settings_for(nats_url, database_url)) as runtime,
    ):
        _, budgets = await deploy(
            jetstream, make_brief, bidding_strategy="TARGET_ROAS", target_roas=TARGET_ROAS
        )
        await feed_rollups(jetstream, budgets, history(now, days=3), now)
        await hours_of_both_campaigns(runtime)
        await service.evaluate_all(
            sessions=runtime.sessions, publisher=runtime.publisher, settings=optimizer, now=now
        )
        (bid,) = await probe.wait_for(
            "zamc.optimization.recommended.v1", lambda d: d.kind == "bid_adjustment"
        )
        (action,) = bid.data.actions
        assert bid.data.evidence["applicable"] and action.platform_object_id == GOOGLE
        assert 0 < abs(action.target_roas - TARGET_ROAS) <= 0.2 * TARGET_ROAS

        user = uuid.uuid4()
        await publish_event(
            jetstream,
            OptimizationApplyRequested(recommendation_id=bid.data.recommendation_id, requested_by=user),
            tenant_id=TENANT,
        )
        (command,) = await probe.wait_for("zamc.google_ads.bid_target_update_requested.v1")
        assert (
            command.data.platform_campaign_id,
            command.data.target_roas,
            command.data.target_cpa_micros,
        ) == (
            GOOGLE,
            action.target_roas,
            None,
        )
        assert command.data.account_external_id == GOOGLE_ACCOUNT and command.data.deployment_id is not None
        (applied,) = await probe.wait_for("zamc.optimization.applied.v1")
        assert applied.data.change_ids == [command.data.change_id]
        (audit,) = await rows(
            runtime, select(t.changes).where(t.changes.c.change_id == command.data.change_id)
        )
        assert (audit.field, audit.old_value, audit.new_value, audit.outcome) == (
            "target_roas",
            str(TARGET_ROAS),
            str(action.target_roas),
            "requested",
        )
        assert await _bid_target(runtime) == action.target_roas

        # the platform refuses: the audit says why, and the optimiser's view of the target is restored
        error = PlatformError(code="BIDDING_STRATEGY_NOT_SUPPORTED", message="not a target ROAS campaign")
        await publish_event(
            jetstream,
            CampaignBidTargetChangeFailed(
                change_id=command.data.change_id,
                platform="google_ads",
                account_external_id=GOOGLE_ACCOUNT,
                platform_campaign_id=GOOGLE,
                error=error,
            ),
            tenant_id=TENANT,
        )

        async def failed():
            found = await rows(
                runtime, select(t.changes).where(t.changes.c.change_id == command.data.change_id)
            )
            return found[0].outcome == "failed" and found[0]

        assert (await eventually(failed)).error == f"{error.code}: {error.message}"
        assert await _bid_target(runtime) == TARGET_ROAS

        # a later confirmation (e.g. a retried command) sets the target the platform reports
        await publish_event(
            jetstream,
            CampaignBidTargetChanged(
                change_id=command.data.change_id,
                platform="google_ads",
                account_external_id=GOOGLE_ACCOUNT,
                platform_campaign_id=GOOGLE,
                target_roas=action.target_roas,
            ),
            tenant_id=TENANT,
        )

        async def confirmed():
            return await _bid_target(runtime) == action.target_roas

        await eventually(confirmed)


TARGET_ROAS = 9.0


async def _bid_target(runtime) -> float | None:
    (campaign,) = await rows(
        runtime, select(t.campaigns.c.bidding).where(t.campaigns.c.campaign_id == GOOGLE)
    )
    return campaign.bidding.get("bid_target")


async def test_recommendations_left_open_too_long_are_closed_as_expired_and_announced(
    jetstream, nats_url, database_url, make_brief
):
    optimizer = OptimizerSettings(evaluation_interval_seconds=3600, recommendation_ttl_hours=2)
    now = datetime.now(UTC)
    async with (
        EventProbe.watching(jetstream, "zamc.optimization.>") as probe,
        running_service(definition_for(optimizer), settings_for(nats_url, database_url)) as runtime,
    ):
        _, budgets = await deploy(jetstream, make_brief)
        await feed_rollups(jetstream, budgets, history(now, days=3), now)
        await hours_of_both_campaigns(runtime)
        await service.evaluate_all(
            sessions=runtime.sessions, publisher=runtime.publisher, settings=optimizer, now=now
        )
        opened = {
            r.recommendation_id
            for r in await rows(
                runtime,
                select(t.recommendations.c.recommendation_id).where(t.recommendations.c.status == "open"),
            )
        }
        assert opened
        await service.evaluate_all(
            sessions=runtime.sessions,
            publisher=runtime.publisher,
            settings=optimizer,
            now=now + timedelta(hours=3),
        )
        closed = await probe.wait_for("zamc.optimization.closed.v1", count=len(opened))
        assert {c.data.recommendation_id for c in closed} == opened
        assert {(c.data.status, c.data.reason) for c in closed} == {("expired", "open for more than 2 h")}
        stored = await rows(
            runtime, select(t.recommendations.c.recommendation_id, t.recommendations.c.status)
        )
        expired = {r.recommendation_id for r in stored if r.status == "expired"}
        assert expired == opened


async def test_a_budget_step_the_figures_reverse_supersedes_the_open_one_and_says_so(
    jetstream, nats_url, database_url, make_brief
):
    optimizer = OptimizerSettings(evaluation_interval_seconds=3600)  # rounds are run by the test
    now = datetime.now(UTC)
    async with (
        EventProbe.watching(jetstream, "zamc.optimization.>") as probe,
        running_service(definition_for(optimizer), settings_for(nats_url, database_url)) as runtime,
    ):
        _, budgets = await deploy(jetstream, make_brief)
        hours = history(now, days=3)
        await feed_rollups(jetstream, budgets, hours, now)
        await hours_of_both_campaigns(runtime)
        await service.evaluate_all(
            sessions=runtime.sessions, publisher=runtime.publisher, settings=optimizer, now=now
        )
        (first,) = await probe.wait_for(
            "zamc.optimization.recommended.v1", lambda d: d.kind == "budget_shift"
        )

        # the same hours restated the other way round: Meta now earns more than Google
        await feed_rollups(jetstream, budgets, hours, now + HOUR, roas=(1.2, 6.0))

        async def restated():
            found = await rows(
                runtime,
                select(t.campaign_hours.c.conversion_value_micros).where(
                    t.campaign_hours.c.campaign_id == META
                ),
            )
            return found and max(r.conversion_value_micros for r in found) > budgets[META] // 24 * 5

        await eventually(restated)
        await service.evaluate_all(
            sessions=runtime.sessions, publisher=runtime.publisher, settings=optimizer, now=now + HOUR
        )
        (closed,) = await probe.wait_for(
            "zamc.optimization.closed.v1", lambda d: d.recommendation_id == first.data.recommendation_id
        )
        assert (closed.data.status, closed.data.reason) == (
            "superseded",
            "superseded by a newer recommendation on the same topic",
        )
        (second,) = await probe.wait_for(
            "zamc.optimization.recommended.v1",
            lambda d: d.kind == "budget_shift" and d.recommendation_id != first.data.recommendation_id,
        )
        moves = {a.platform_object_id: a.daily_budget_micros for a in second.data.actions}
        assert moves[META] > budgets[META] > 0 and moves[GOOGLE] < budgets[GOOGLE]
