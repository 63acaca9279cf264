"""The deployment saga as a pure state machine: every path, and idempotence of every step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from zamc_events.contracts.campaign import (
    DeploymentCompleted,
    DeploymentTarget,
    GoogleAdsDeployRequested,
    GoogleAdsLaunchRequested,
    GoogleAdsRollbackRequested,
    MetaDeployRequested,
    MetaLaunchRequested,
    MetaRollbackRequested,
)
from zamc_events.contracts.common import PlatformError
from zamc_orchestrator.domain import saga
from zamc_orchestrator.domain.rules_strategist import build_strategy

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TARGETS = [
    DeploymentTarget(platform="google_ads", account_external_id="1234567890"),
    DeploymentTarget(platform="meta", account_external_id="act_1"),
]
ERROR = PlatformError(code="AD_REJECTED", message="Meta rejected the ad set")


@pytest.fixture
def strategy(make_brief):
    return build_strategy(brief=make_brief(), strategy_id=uuid.uuid4(), version=2)


def start(strategy, *, approved=True, policy="all_or_nothing", targets=TARGETS, timeout=60.0):
    return saga.start(
        deployment_id=uuid.uuid4(),
        strategy_id=strategy.strategy_id,
        version=strategy.version,
        targets=targets,
        policy=policy,
        approved=strategy if approved else None,
        now=NOW,
        timeout_seconds=timeout,
        approval_wait_seconds=30,
    )


def events(step: saga.Step) -> list[type]:
    return [type(c.event) for c in step.commands]


def completed(step: saga.Step) -> DeploymentCompleted:
    [event] = [c.event for c in step.commands if isinstance(c.event, DeploymentCompleted)]
    return event


def answer_ok(d, platform, ids=("c-1",), now=NOW):
    account = d.target(platform, _account(platform)).account_external_id
    return saga.deployed(
        d, platform=platform, account_external_id=account, platform_campaign_ids=list(ids), now=now
    )


def answer_failed(d, platform, now=NOW):
    return saga.deploy_failed(
        d, platform=platform, account_external_id=_account(platform), error=ERROR, now=now
    )


def _account(platform: str) -> str:
    return {"google_ads": "1234567890", "meta": "act_1"}[platform]


def test_an_approved_version_is_compiled_into_one_command_per_platform(strategy):
    step = start(strategy)
    assert events(step) == [GoogleAdsDeployRequested, MetaDeployRequested]
    google, meta = (c.event for c in step.commands)
    d = step.deployment
    assert (
        google.key_prefix == f"{d.deployment_id}:google_ads" and meta.key_prefix == f"{d.deployment_id}:meta"
    )
    assert google.campaigns == strategy.google_ads.campaigns and meta.campaigns == strategy.meta.campaigns
    assert google.account_external_id == "1234567890" and meta.account_external_id == "act_1"
    assert d.phase == "deploying" and d.status == "running" and d.deadline == NOW + timedelta(seconds=60)
    assert [t.status for t in d.targets] == ["running", "running"]


def test_both_succeed_launch_commands_are_sent_and_the_deployment_succeeds(strategy):
    d = start(strategy).deployment
    first = answer_ok(d, "google_ads", ["g-1", "g-2"])
    assert first.commands == [] and first.deployment.phase == "deploying"
    step = answer_ok(first.deployment, "meta", ["m-1"])
    assert events(step) == [GoogleAdsLaunchRequested, MetaLaunchRequested, DeploymentCompleted]
    launch_google = step.commands[0].event
    assert launch_google.platform_campaign_ids == ["g-1", "g-2"]
    assert launch_google.change_id == step.deployment.targets[0].launch_change_id
    done = completed(step)
    assert done.status == "succeeded" and [t.status for t in done.targets] == ["succeeded", "succeeded"]
    assert step.deployment.phase == "completed" and step.deployment.deadline is None
    # a later launch confirmation is recorded and sends nothing
    confirmed = saga.change_confirmed(
        step.deployment, change_id=launch_google.change_id, change="launch", now=NOW
    )
    assert confirmed.commands == [] and confirmed.deployment.targets[0].launched is True


def test_a_failure_under_all_or_nothing_rolls_back_the_other_platform(strategy):
    d = answer_ok(start(strategy).deployment, "google_ads", ["g-1"]).deployment
    step = answer_failed(d, "meta", now=NOW + timedelta(seconds=5))
    assert events(step) == [GoogleAdsRollbackRequested]
    rollback = step.commands[0].event
    assert rollback.platform_campaign_ids == ["g-1"] and "Meta rejected" in rollback.reason
    assert step.deployment.phase == "rolling_back"
    assert step.deployment.deadline == NOW + timedelta(seconds=65)
    done_step = saga.change_confirmed(
        step.deployment, change_id=rollback.change_id, change="rollback", now=NOW
    )
    done = completed(done_step)
    assert done.status == "rolled_back"
    assert [(t.status, t.error) for t in done.targets] == [("rolled_back", None), ("failed", ERROR)]


def test_an_unconfirmed_rollback_ends_rolled_back_at_the_deadline_and_says_so(strategy):
    d = answer_ok(start(strategy).deployment, "google_ads").deployment
    rolling = answer_failed(d, "meta").deployment
    assert saga.time_out(rolling, now=NOW + timedelta(seconds=59)).commands == []
    done = completed(saga.time_out(rolling, now=NOW + timedelta(seconds=61)))
    assert done.status == "rolled_back"
    assert done.targets[0].status == "rolled_back" and done.targets[0].error.code == "ROLLBACK_UNCONFIRMED"


def test_a_refused_rollback_ends_failed_with_the_platform_error(strategy):
    d = answer_ok(start(strategy).deployment, "google_ads").deployment
    rolling = answer_failed(d, "meta")
    change = rolling.commands[0].event.change_id
    refused = PlatformError(code="INTERNAL", message="try later")
    done = completed(
        saga.change_failed(rolling.deployment, change_id=change, change="rollback", error=refused, now=NOW)
    )
    assert (
        done.status == "failed" and done.targets[0].status == "succeeded" and done.targets[0].error == refused
    )


def test_a_failure_under_best_effort_is_partially_failed_and_nothing_is_launched(strategy):
    d = start(strategy, policy="best_effort").deployment
    d = answer_failed(d, "meta").deployment
    step = answer_ok(d, "google_ads")
    assert events(step) == [DeploymentCompleted]
    done = completed(step)
    assert done.status == "partially_failed"
    assert [t.status for t in done.targets] == ["succeeded", "failed"]


def test_when_every_target_fails_the_deployment_fails_without_rollback(strategy):
    for policy in ("all_or_nothing", "best_effort"):
        d = answer_failed(start(strategy, policy=policy).deployment, "meta").deployment
        step = answer_failed(d, "google_ads")
        assert events(step) == [DeploymentCompleted] and completed(step).status == "failed"


def test_a_target_that_never_answers_times_out(strategy):
    d = answer_ok(start(strategy, policy="best_effort").deployment, "google_ads").deployment
    assert saga.time_out(d, now=NOW + timedelta(seconds=30)).commands == []
    step = saga.time_out(d, now=NOW + timedelta(seconds=60))
    done = completed(step)
    assert done.status == "partially_failed"
    assert done.targets[1].status == "timed_out" and done.targets[1].error.code == "TIMEOUT"


def test_a_time_out_under_all_or_nothing_rolls_back_and_a_late_success_is_rolled_back_too(strategy):
    d = answer_ok(start(strategy).deployment, "google_ads", ["g-1"]).deployment
    rolling = saga.time_out(d, now=NOW + timedelta(seconds=60))
    assert events(rolling) == [GoogleAdsRollbackRequested]
    late = answer_ok(rolling.deployment, "meta", ["m-9"], now=NOW + timedelta(seconds=70))
    assert events(late) == [MetaRollbackRequested]
    assert late.commands[0].event.platform_campaign_ids == ["m-9"]
    assert late.deployment.deadline == NOW + timedelta(seconds=130)
    d = late.deployment
    for command in rolling.commands + late.commands:
        step = saga.change_confirmed(d, change_id=command.event.change_id, change="rollback", now=NOW)
        d = step.deployment
    done = completed(step)
    assert done.status == "rolled_back"
    assert [t.status for t in done.targets] == ["rolled_back", "timed_out"]


def test_a_late_success_after_completion_is_rolled_back_without_a_second_completion(strategy):
    d = answer_ok(start(strategy, policy="best_effort").deployment, "google_ads").deployment
    d = saga.time_out(d, now=NOW + timedelta(seconds=61)).deployment
    late = answer_ok(d, "meta", ["m-1"])
    assert events(late) == [MetaRollbackRequested] and late.deployment.phase == "completed"
    assert answer_ok(late.deployment, "meta", ["m-1"]).commands == []


def test_every_step_is_idempotent(strategy):
    step = start(strategy)
    d = step.deployment
    d2 = answer_ok(d, "google_ads").deployment
    assert answer_ok(d2, "google_ads").commands == []
    assert answer_failed(d2, "google_ads").commands == []  # a contradicting late answer changes nothing
    done = answer_ok(d2, "meta")
    again = answer_ok(done.deployment, "meta")
    assert again.commands == [] and again.deployment == done.deployment
    assert saga.time_out(done.deployment, now=NOW + timedelta(days=1)).commands == []
    assert saga.approve(done.deployment, strategy=strategy, now=NOW).commands == []
    unknown = saga.deployed(
        d, platform="meta", account_external_id="act_other", platform_campaign_ids=["x"], now=NOW
    )
    assert unknown.commands == [] and unknown.deployment == d


def test_command_ids_are_derived_from_the_deployment(strategy):
    step = start(strategy)
    same = saga.start(
        deployment_id=step.deployment.deployment_id,
        strategy_id=strategy.strategy_id,
        version=strategy.version,
        targets=TARGETS,
        policy="all_or_nothing",
        approved=strategy,
        now=NOW + timedelta(minutes=3),
        timeout_seconds=60,
        approval_wait_seconds=30,
    )
    assert [c.event_id for c in step.commands] == [c.event_id for c in same.commands]
    assert len({c.event_id for c in step.commands}) == 2


def test_an_unapproved_version_waits_for_its_approval(strategy):
    waiting = start(strategy, approved=False)
    assert waiting.commands == [] and waiting.deployment.phase == "awaiting_approval"
    other = strategy.model_copy(update={"version": 3})
    assert saga.approve(waiting.deployment, strategy=other, now=NOW).commands == []
    step = saga.approve(waiting.deployment, strategy=strategy, now=NOW + timedelta(seconds=2))
    assert events(step) == [GoogleAdsDeployRequested, MetaDeployRequested]
    assert step.deployment.deadline == NOW + timedelta(seconds=62)


def test_an_unapproved_version_is_never_deployed(strategy):
    waiting = start(strategy, approved=False).deployment
    step = saga.time_out(waiting, now=NOW + timedelta(seconds=31))
    assert events(step) == [DeploymentCompleted]
    done = completed(step)
    assert done.status == "failed"
    assert {t.error.code for t in done.targets} == {"STRATEGY_NOT_APPROVED"}


def test_a_target_without_a_plan_fails_the_whole_all_or_nothing_deployment_before_anything_is_sent(
    make_brief,
):
    google_only = build_strategy(brief=make_brief(platforms=["google_ads"]), strategy_id=uuid.uuid4())
    step = start(google_only)
    assert events(step) == [DeploymentCompleted]
    done = completed(step)
    assert done.status == "failed"
    assert [t.error.code for t in done.targets] == ["NOT_STARTED", "NO_PLAN"]
    best = start(google_only, policy="best_effort")
    assert events(best) == [GoogleAdsDeployRequested]
    assert [t.status for t in best.deployment.targets] == ["running", "failed"]
    # best effort with one target failing at compile time and the other succeeding: partially failed
    assert completed(answer_ok(best.deployment, "google_ads")).status == "partially_failed"


def test_two_targets_on_one_platform_or_none_at_all_are_refused(strategy):
    twice = TARGETS + [DeploymentTarget(platform="meta", account_external_id="act_2")]
    assert completed(start(strategy, targets=twice)).targets[0].error.code == "DUPLICATE_PLATFORM"
    assert completed(start(strategy, targets=[])).status == "failed"


def test_an_invalid_strategy_is_never_deployed(strategy):
    campaign = strategy.google_ads.campaigns[0]
    group = campaign.ad_groups[0]
    ad = group.ads[0].model_copy(update={"headlines": ["H" * 40, *group.ads[0].headlines[1:]]})
    broken = strategy.model_copy(
        update={
            "google_ads": strategy.google_ads.model_copy(
                update={
                    "campaigns": [
                        campaign.model_copy(update={"ad_groups": [group.model_copy(update={"ads": [ad]})]})
                    ]
                }
            )
        }
    )
    done = completed(start(broken))
    assert done.status == "failed" and done.targets[0].error.code == "INVALID_STRATEGY"


def test_the_state_survives_a_json_round_trip(strategy):
    d = answer_failed(answer_ok(start(strategy).deployment, "google_ads").deployment, "meta").deployment
    assert saga.Deployment.model_validate(d.model_dump(mode="json")) == d
