"""The deployment saga through the running orchestrator (real NATS + PostgreSQL); the test plays the
connectors: it watches the platform commands and publishes their answers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from zamc_cli.embedded import free_port
from zamc_events.contracts.base import Envelope, utcnow
from zamc_events.contracts.campaign import (
    CampaignChanged,
    CampaignDeployed,
    CampaignDeployFailed,
    DeploymentTarget,
    DeployRequested,
)
from zamc_events.contracts.common import PlatformError
from zamc_events.contracts.strategy import StrategyApproved
from zamc_events.runtime.tables import event_tables
from zamc_orchestrator.adapters import repositories as repo
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain.rules_strategist import build_strategy
from zamc_orchestrator.main import definition
from zamc_testing.service import EventProbe, publish_event, running_service

pytestmark = pytest.mark.service

GOOGLE, META = "1234567890", "act_100200300"
TARGETS = [
    DeploymentTarget(platform="google_ads", account_external_id=GOOGLE),
    DeploymentTarget(platform="meta", account_external_id=META),
]
WATCHED = ("zamc.google_ads.>", "zamc.meta.>", "zamc.campaign.deployment_completed.v1")
COMMANDS = (
    "zamc.google_ads.deploy_requested.v1",
    "zamc.meta.deploy_requested.v1",
    "zamc.google_ads.launch_requested.v1",
    "zamc.meta.launch_requested.v1",
    "zamc.google_ads.rollback_requested.v1",
    "zamc.meta.rollback_requested.v1",
    "zamc.campaign.deployment_completed.v1",
)
ERROR = PlatformError(code="AD_REJECTED", message="Meta rejected the ad set")


def settings_for(nats_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "log_json": False,
        "consumer_ack_wait_seconds": 2.0,
        "consumer_backoff_seconds": [0.1],
        "outbox_poll_seconds": 0.01,
        "deploy_timeout_seconds": 60.0,
    }
    return Settings(**(values | overrides))


async def approved_strategy(runtime, make_brief, *, approve: bool = True):
    strategy = build_strategy(brief=make_brief(), strategy_id=uuid.uuid4(), version=1)
    async with runtime.sessions() as session, session.begin():
        await repo.insert_version(session, strategy=strategy, tenant_id=None, source="generated")
        if approve:
            await repo.approve_version(
                session, strategy_id=strategy.strategy_id, version=1, approved_by=uuid.uuid4(), at=utcnow()
            )
    return strategy


def counts(probe: EventProbe) -> dict[str, int]:
    return {subject: len(probe.of(subject)) for subject in COMMANDS if probe.of(subject)}


async def deploy(jetstream, strategy, policy="all_or_nothing") -> uuid.UUID:
    deployment_id = uuid.uuid4()
    await publish_event(
        jetstream,
        DeployRequested(deployment_id=deployment_id, strategy=strategy, targets=TARGETS, policy=policy),
    )
    return deployment_id


async def answer_deployed(jetstream, deployment_id, platform, account, ids) -> None:
    await publish_event(
        jetstream,
        CampaignDeployed(
            deployment_id=deployment_id,
            platform=platform,
            account_external_id=account,
            platform_campaign_ids=ids,
            objects=[],
        ),
    )


async def both_commands(probe: EventProbe, deployment_id: uuid.UUID):
    [google] = await probe.wait_for(
        "zamc.google_ads.deploy_requested.v1", where=lambda d: d.deployment_id == deployment_id
    )
    [meta] = await probe.wait_for(
        "zamc.meta.deploy_requested.v1", where=lambda d: d.deployment_id == deployment_id
    )
    return google.data, meta.data


async def test_both_platforms_succeed_then_both_are_launched_and_the_deployment_succeeds(
    jetstream, nats_url, database_url, make_brief
):
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *WATCHED) as probe,
    ):
        strategy = await approved_strategy(runtime, make_brief)
        deployment_id = await deploy(jetstream, strategy)
        google, meta = await both_commands(probe, deployment_id)
        assert (
            google.key_prefix == f"{deployment_id}:google_ads" and meta.key_prefix == f"{deployment_id}:meta"
        )
        assert google.account_external_id == GOOGLE and google.campaigns == strategy.google_ads.campaigns
        assert meta.account_external_id == META and meta.campaigns == strategy.meta.campaigns

        await answer_deployed(jetstream, deployment_id, "google_ads", GOOGLE, ["g-1"])
        await answer_deployed(jetstream, deployment_id, "meta", META, ["m-1", "m-2"])
        await answer_deployed(jetstream, deployment_id, "meta", META, ["m-1", "m-2"])  # a connector's retry
        [completed] = await probe.wait_for("zamc.campaign.deployment_completed.v1")
        assert completed.data.status == "succeeded"
        assert [(t.status, t.platform_campaign_ids) for t in completed.data.targets] == [
            ("succeeded", ["g-1"]),
            ("succeeded", ["m-1", "m-2"]),
        ]
        [launch_google] = await probe.wait_for("zamc.google_ads.launch_requested.v1")
        [launch_meta] = await probe.wait_for("zamc.meta.launch_requested.v1")
        assert launch_google.data.platform_campaign_ids == ["g-1"]
        assert launch_meta.data.platform_campaign_ids == ["m-1", "m-2"]
        assert completed.correlation_id == launch_meta.correlation_id

        await publish_event(
            jetstream,
            CampaignChanged(
                change_id=launch_google.data.change_id,
                deployment_id=deployment_id,
                platform="google_ads",
                account_external_id=GOOGLE,
                change="launch",
                platform_campaign_ids=["g-1"],
            ),
        )
        await asyncio.sleep(1.0)
        assert counts(probe) == {
            "zamc.google_ads.deploy_requested.v1": 1,
            "zamc.meta.deploy_requested.v1": 1,
            "zamc.google_ads.launch_requested.v1": 1,
            "zamc.meta.launch_requested.v1": 1,
            "zamc.campaign.deployment_completed.v1": 1,
        }
        async with runtime.sessions() as session:
            stored = await repo.get_deployment(session, deployment_id=deployment_id)
        assert stored.phase == "completed" and stored.status == "succeeded"
        assert [t.launched for t in stored.targets] == [True, None]


async def test_a_failure_under_all_or_nothing_rolls_back_the_other_platform(
    jetstream, nats_url, database_url, make_brief
):
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *WATCHED) as probe,
    ):
        strategy = await approved_strategy(runtime, make_brief)
        deployment_id = await deploy(jetstream, strategy)
        await both_commands(probe, deployment_id)
        await answer_deployed(jetstream, deployment_id, "google_ads", GOOGLE, ["g-1"])
        await publish_event(
            jetstream,
            CampaignDeployFailed(
                deployment_id=deployment_id, platform="meta", account_external_id=META, error=ERROR
            ),
        )
        [rollback] = await probe.wait_for("zamc.google_ads.rollback_requested.v1")
        assert rollback.data.platform_campaign_ids == ["g-1"] and rollback.data.deployment_id == deployment_id
        await asyncio.sleep(0.5)
        assert probe.of("zamc.campaign.deployment_completed.v1") == []  # not before the rollback is confirmed

        await publish_event(
            jetstream,
            CampaignChanged(
                change_id=rollback.data.change_id,
                deployment_id=deployment_id,
                platform="google_ads",
                account_external_id=GOOGLE,
                change="rollback",
                platform_campaign_ids=["g-1"],
            ),
        )
        [completed] = await probe.wait_for("zamc.campaign.deployment_completed.v1")
        assert completed.data.status == "rolled_back"
        assert [(t.platform, t.status, t.error) for t in completed.data.targets] == [
            ("google_ads", "rolled_back", None),
            ("meta", "failed", ERROR),
        ]
        await asyncio.sleep(0.5)
        assert counts(probe) == {
            "zamc.google_ads.deploy_requested.v1": 1,
            "zamc.meta.deploy_requested.v1": 1,
            "zamc.google_ads.rollback_requested.v1": 1,
            "zamc.campaign.deployment_completed.v1": 1,
        }


async def test_a_failure_under_best_effort_is_partially_failed_and_nothing_is_launched_or_rolled_back(
    jetstream, nats_url, database_url, make_brief
):
    async with (
        running_service(definition, settings_for(nats_url, database_url)) as runtime,
        EventProbe.watching(jetstream, *WATCHED) as probe,
    ):
        strategy = await approved_strategy(runtime, make_brief)
        deployment_id = await deploy(jetstream, strategy, policy="best_effort")
        await both_commands(probe, deployment_id)
        await publish_event(
            jetstream,
            CampaignDeployFailed(
                deployment_id=deployment_id, platform="meta", account_external_id=META, error=ERROR
            ),
        )
        await answer_deployed(jetstream, deployment_id, "google_ads", GOOGLE, ["g-1"])
        [completed] = await probe.wait_for("zamc.campaign.deployment_completed.v1")
        assert completed.data.status == "partially_failed"
        assert [t.status for t in completed.data.targets] == ["succeeded", "failed"]
        await asyncio.sleep(0.5)
        assert counts(probe) == {
            "zamc.google_ads.deploy_requested.v1": 1,
            "zamc.meta.deploy_requested.v1": 1,
            "zamc.campaign.deployment_completed.v1": 1,
        }


async def test_a_target_that_never_answers_times_out_and_an_unconfirmed_rollback_too(
    jetstream, nats_url, database_url, make_brief
):
    settings = settings_for(nats_url, database_url, deploy_timeout_seconds=2.0)
    async with (
        running_service(definition, settings) as runtime,
        EventProbe.watching(jetstream, *WATCHED) as probe,
    ):
        strategy = await approved_strategy(runtime, make_brief)
        deployment_id = await deploy(jetstream, strategy)
        await both_commands(probe, deployment_id)
        await answer_deployed(jetstream, deployment_id, "google_ads", GOOGLE, ["g-1"])
        [rollback] = await probe.wait_for("zamc.google_ads.rollback_requested.v1", timeout=20)
        assert "meta timed out" in rollback.data.reason
        [completed] = await probe.wait_for("zamc.campaign.deployment_completed.v1", timeout=20)
        assert completed.data.status == "rolled_back"
        google, meta = completed.data.targets
        assert (google.status, google.error.code) == ("rolled_back", "ROLLBACK_UNCONFIRMED")
        assert (meta.status, meta.error.code) == ("timed_out", "TIMEOUT")

        # Meta answers after all: what it created is rolled back, the deployment is not reopened
        await answer_deployed(jetstream, deployment_id, "meta", META, ["m-late"])
        [late] = await probe.wait_for("zamc.meta.rollback_requested.v1")
        assert late.data.platform_campaign_ids == ["m-late"]
        await asyncio.sleep(0.5)
        assert counts(probe)["zamc.campaign.deployment_completed.v1"] == 1
        assert "zamc.meta.launch_requested.v1" not in counts(probe)


DEPLOY_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
APPROVAL_TRACE = "0af7651916cd43dd8448eb211c80319c"


async def test_a_deployment_resumed_by_its_approval_goes_on_in_its_own_request_and_trace(
    jetstream, nats_url, database_url, make_brief
):
    """Deployed before the approval was handled (a user who approves and deploys at once): the
    commands sent on approval follow up the deploy request (its correlation id, its trace), not
    the approval."""
    settings = settings_for(nats_url, database_url)
    async with (
        running_service(definition, settings) as runtime,
        EventProbe.watching(jetstream, *WATCHED) as probe,
    ):
        strategy = await approved_strategy(runtime, make_brief, approve=False)
        deployment_id = uuid.uuid4()
        request = Envelope.wrap(
            DeployRequested(
                deployment_id=deployment_id, strategy=strategy, targets=TARGETS, policy="all_or_nothing"
            ),
            producer="test",
        )
        await jetstream.publish(
            request.type,
            request.to_json(),
            headers={
                "Nats-Msg-Id": str(request.event_id),
                "traceparent": f"00-{DEPLOY_TRACE}-b7ad6b7169203331-01",
            },
        )
        await asyncio.sleep(0.5)
        approval = Envelope.wrap(
            StrategyApproved(strategy_id=strategy.strategy_id, version=1, approved_by=uuid.uuid4()),
            producer="test",
        )
        await jetstream.publish(
            approval.type,
            approval.to_json(),
            headers={
                "Nats-Msg-Id": str(approval.event_id),
                "traceparent": f"00-{APPROVAL_TRACE}-00f067aa0ba902b7-01",
            },
        )
        await both_commands(probe, deployment_id)
        commands = [
            e for e in probe.events if e.type.endswith(".deploy_requested.v1") and e.type != request.type
        ]
        assert {(e.correlation_id, e.causation_id) for e in commands} == {
            (request.correlation_id, request.event_id)
        }

        outbox = event_tables("orchestrator").outbox
        async with runtime.sessions() as session:
            rows = (await session.execute(select(outbox.c.subject, outbox.c.headers))).all()
        traces = {
            h["traceparent"].split("-")[1] for subject, h in rows if subject.endswith(".deploy_requested.v1")
        }
        assert traces == {DEPLOY_TRACE}


async def test_a_version_is_deployed_only_once_approved(jetstream, nats_url, database_url, make_brief):
    settings = settings_for(nats_url, database_url, deploy_timeout_seconds=3.0)
    async with (
        running_service(definition, settings) as runtime,
        EventProbe.watching(jetstream, *WATCHED) as probe,
    ):
        never = await approved_strategy(runtime, make_brief, approve=False)
        later = await approved_strategy(runtime, make_brief, approve=False)
        refused_id = await deploy(jetstream, never)
        waiting_id = await deploy(jetstream, later)
        await asyncio.sleep(0.5)
        assert probe.of("zamc.google_ads.deploy_requested.v1") == []
        await publish_event(
            jetstream, StrategyApproved(strategy_id=later.strategy_id, version=1, approved_by=uuid.uuid4())
        )
        await both_commands(probe, waiting_id)
        [refused] = await probe.wait_for(
            "zamc.campaign.deployment_completed.v1", where=lambda d: d.deployment_id == refused_id, timeout=20
        )
        assert refused.data.status == "failed"
        assert {t.error.code for t in refused.data.targets} == {"STRATEGY_NOT_APPROVED"}
        assert all(
            e.data.deployment_id == waiting_id for e in probe.of("zamc.google_ads.deploy_requested.v1")
        )
