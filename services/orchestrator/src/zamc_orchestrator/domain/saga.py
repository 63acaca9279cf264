"""The deployment saga as a pure state machine: (state, event) -> (state, commands).

A deployment waits for its strategy version to be approved, sends one deploy command per platform
target, collects the connectors' answers (or times them out), and then:

- every target succeeded: launch commands (campaigns were created paused) and status `succeeded`
  as soon as the launch commands are sent; a later `changed`/`change_failed` for the launch is
  recorded on the target but does not reopen the deployment;
- `best_effort`: status `partially_failed` (or `failed` when nothing succeeded); what was created
  stays paused, nothing is launched;
- `all_or_nothing`: rollback commands for every target that succeeded, then status `rolled_back`
  once each rollback is confirmed (`changed` change=rollback) or has gone unanswered until the
  deadline; a rollback the platform refused ends the deployment `failed` (campaigns still exist,
  paused) — or `failed` at once when nothing was created anywhere.

`zamc.campaign.deployment_completed.v1` is sent once, when the outcome is known. A target that
answers after it was timed out had its outcome published already: what it created is rolled back.

Every transition is idempotent: an answer a target already gave, an unknown change, a time-out
before the deadline all return the state unchanged and no commands. Command event IDs and change
IDs are derived from the deployment ID, so even a command sent twice would be deduplicated by
JetStream (`Nats-Msg-Id`) and by the connectors (`change_id`, object keys).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from zamc_events.contracts.base import Event
from zamc_events.contracts.campaign import (
    DeploymentCompleted,
    DeploymentPolicy,
    DeploymentStatus,
    DeploymentTarget,
    GoogleAdsLaunchRequested,
    GoogleAdsRollbackRequested,
    MetaLaunchRequested,
    MetaRollbackRequested,
    TargetOutcome,
)
from zamc_events.contracts.common import Platform, PlatformError
from zamc_events.contracts.strategy import CampaignStrategy
from zamc_events.platform_limits import check_strategy
from zamc_orchestrator.domain.compile import compile_deployment, duplicate_platforms

Phase = Literal["awaiting_approval", "deploying", "rolling_back", "completed"]
DeployState = Literal["pending", "running", "succeeded", "failed", "timed_out"]
RollbackState = Literal["requested", "confirmed", "failed", "unconfirmed"]
ChangeKind = Literal["rollback", "launch", "budget", "status"]

ACTIVE_PHASES: tuple[Phase, ...] = ("awaiting_approval", "deploying", "rolling_back")


class TargetState(BaseModel):
    model_config = ConfigDict(frozen=True)

    platform: Platform
    account_external_id: str
    status: DeployState = "pending"
    platform_campaign_ids: list[str] = []
    error: PlatformError | None = None
    late: bool = False
    rollback: RollbackState | None = None
    rollback_change_id: uuid.UUID | None = None
    rollback_error: PlatformError | None = None
    launch_change_id: uuid.UUID | None = None
    launched: bool | None = None
    launch_error: PlatformError | None = None


class Deployment(BaseModel):
    """Everything the saga knows about one deployment; stored as JSON between steps."""

    model_config = ConfigDict(frozen=True)

    deployment_id: uuid.UUID
    strategy_id: uuid.UUID
    version: int
    policy: DeploymentPolicy
    timeout_seconds: float
    phase: Phase
    status: DeploymentStatus
    targets: list[TargetState]
    deadline: datetime | None = None
    failure: PlatformError | None = None
    completed_at: datetime | None = None

    def target(self, platform: str, account_external_id: str) -> TargetState | None:
        for target in self.targets:
            if target.platform == platform and target.account_external_id == account_external_id:
                return target
        return None

    def outcomes(self) -> list[TargetOutcome]:
        return [_outcome(t) for t in self.targets]


@dataclass(frozen=True)
class Command:
    """An event the saga wants published, with an event ID that is the same on every replay."""

    event: Event
    event_id: uuid.UUID


@dataclass(frozen=True)
class Step:
    deployment: Deployment
    commands: list[Command] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.commands)


def command_id(deployment_id: uuid.UUID, event: Event, account_external_id: str = "") -> uuid.UUID:
    return uuid.uuid5(deployment_id, f"{event.subject}:{account_external_id}")


def change_id(deployment_id: uuid.UUID, change: str, platform: str, account_external_id: str) -> uuid.UUID:
    return uuid.uuid5(deployment_id, f"{change}:{platform}:{account_external_id}")


# transitions ---------------------------------------------------------------------------------------
def start(
    *,
    deployment_id: uuid.UUID,
    strategy_id: uuid.UUID,
    version: int,
    targets: list[DeploymentTarget],
    policy: DeploymentPolicy,
    approved: CampaignStrategy | None,
    now: datetime,
    timeout_seconds: float,
    approval_wait_seconds: float,
) -> Step:
    """A new deployment: deploy at once if the version is approved, else wait for the approval."""
    deployment = Deployment(
        deployment_id=deployment_id,
        strategy_id=strategy_id,
        version=version,
        policy=policy,
        timeout_seconds=timeout_seconds,
        phase="awaiting_approval",
        status="pending",
        targets=[
            TargetState(platform=t.platform, account_external_id=t.account_external_id) for t in targets
        ],
        deadline=now + timedelta(seconds=approval_wait_seconds),
    )
    if not targets:
        return _fail_all(deployment, _error("NO_TARGETS", "The deployment names no ad account."), now)
    duplicates = duplicate_platforms(targets)
    if duplicates:
        return _fail_all(
            deployment,
            _error(
                "DUPLICATE_PLATFORM",
                f"A deployment deploys to one account per platform; {', '.join(duplicates)} "
                "is named more than once.",
            ),
            now,
        )
    if approved is None:
        return Step(deployment)
    return _deploy(deployment, approved, now)


def approve(deployment: Deployment, *, strategy: CampaignStrategy, now: datetime) -> Step:
    """The awaited version was approved: deploy it."""
    if deployment.phase != "awaiting_approval":
        return Step(deployment)
    if (strategy.strategy_id, strategy.version) != (deployment.strategy_id, deployment.version):
        return Step(deployment)
    return _deploy(deployment, strategy, now)


def deployed(
    deployment: Deployment,
    *,
    platform: str,
    account_external_id: str,
    platform_campaign_ids: list[str],
    now: datetime,
) -> Step:
    target = deployment.target(platform, account_external_id)
    if target is None:
        return Step(deployment)
    if target.status == "running" and deployment.phase == "deploying":
        updated = _replace(
            deployment,
            target,
            status="succeeded",
            platform_campaign_ids=list(platform_campaign_ids),
            error=None,
        )
        return _advance(updated, now)
    if target.status in ("timed_out", "failed") and target.rollback is None and platform_campaign_ids:
        # Its outcome was decided without it: remove what it created after all.
        updated = _replace(deployment, target, platform_campaign_ids=list(platform_campaign_ids), late=True)
        updated, commands = _request_rollback(
            updated,
            updated.target(platform, account_external_id),  # type: ignore[arg-type]
            reason="The platform answered after the deployment had timed it out.",
        )
        if updated.phase == "rolling_back" and updated.deadline is not None:
            updated = updated.model_copy(
                update={"deadline": max(updated.deadline, now + timedelta(seconds=updated.timeout_seconds))}
            )
        return Step(updated, commands)
    return Step(deployment)


def deploy_failed(
    deployment: Deployment, *, platform: str, account_external_id: str, error: PlatformError, now: datetime
) -> Step:
    target = deployment.target(platform, account_external_id)
    if target is None or target.status != "running" or deployment.phase != "deploying":
        return Step(deployment)
    return _advance(_replace(deployment, target, status="failed", error=error), now)


def change_confirmed(
    deployment: Deployment, *, change_id: uuid.UUID, change: ChangeKind, now: datetime
) -> Step:
    """`zamc.campaign.changed.v1` for one of this deployment's rollbacks or launches."""
    for target in deployment.targets:
        if change == "rollback" and target.rollback_change_id == change_id and target.rollback == "requested":
            return _advance(_replace(deployment, target, rollback="confirmed"), now)
        if change == "launch" and target.launch_change_id == change_id and target.launched is None:
            return Step(_replace(deployment, target, launched=True))
    return Step(deployment)


def change_failed(
    deployment: Deployment, *, change_id: uuid.UUID, change: ChangeKind, error: PlatformError, now: datetime
) -> Step:
    for target in deployment.targets:
        if change == "rollback" and target.rollback_change_id == change_id and target.rollback == "requested":
            return _advance(_replace(deployment, target, rollback="failed", rollback_error=error), now)
        if change == "launch" and target.launch_change_id == change_id and target.launched is None:
            return Step(_replace(deployment, target, launched=False, launch_error=error))
    return Step(deployment)


def time_out(deployment: Deployment, *, now: datetime) -> Step:
    """The deadline passed: fail what waits for approval, time out what never answered."""
    if deployment.deadline is None or now < deployment.deadline or deployment.phase == "completed":
        return Step(deployment)
    if deployment.phase == "awaiting_approval":
        return _fail_all(
            deployment,
            _error(
                "STRATEGY_NOT_APPROVED",
                f"Version {deployment.version} of the strategy was not approved; only an approved "
                "version can be deployed.",
            ),
            now,
        )
    updated = deployment
    seconds = round(deployment.timeout_seconds)
    for target in deployment.targets:
        if deployment.phase == "deploying" and target.status == "running":
            updated = _replace(
                updated,
                target,
                status="timed_out",
                error=_error("TIMEOUT", f"The platform did not answer within {seconds} s."),
            )
        elif deployment.phase == "rolling_back" and target.rollback == "requested":
            updated = _replace(updated, target, rollback="unconfirmed")
    return _advance(updated, now)


# internals ---------------------------------------------------------------------------------------
def _deploy(deployment: Deployment, strategy: CampaignStrategy, now: datetime) -> Step:
    violations = check_strategy(strategy)
    if violations:
        listed = "; ".join(str(v) for v in violations[:3])
        return _fail_all(
            deployment, _error("INVALID_STRATEGY", f"The strategy breaks platform limits: {listed}"), now
        )
    targets = [
        DeploymentTarget(platform=t.platform, account_external_id=t.account_external_id)
        for t in deployment.targets
    ]
    compiled = compile_deployment(deployment_id=deployment.deployment_id, strategy=strategy, targets=targets)
    if compiled.errors and (deployment.policy == "all_or_nothing" or not compiled.commands):
        updated = deployment
        for target in deployment.targets:
            error = compiled.errors.get(target.platform) or _error(
                "NOT_STARTED", "Not deployed: another target of this all-or-nothing deployment cannot be."
            )
            updated = _replace(updated, target, status="failed", error=error)
        return _complete(updated, "failed", now)
    updated = deployment.model_copy(
        update={
            "phase": "deploying",
            "status": "running",
            "deadline": now + timedelta(seconds=deployment.timeout_seconds),
        }
    )
    commands: list[Command] = []
    for target in deployment.targets:
        if target.platform in compiled.errors:
            updated = _replace(updated, target, status="failed", error=compiled.errors[target.platform])
            continue
        command = compiled.commands[target.platform]
        updated = _replace(updated, target, status="running")
        commands.append(
            Command(command, command_id(deployment.deployment_id, command, target.account_external_id))
        )
    return Step(updated, commands)


def _advance(deployment: Deployment, now: datetime) -> Step:
    """Move on once nothing is awaited in the current phase."""
    if deployment.phase == "deploying":
        if any(t.status in ("pending", "running") for t in deployment.targets):
            return Step(deployment)
        succeeded = [t for t in deployment.targets if t.status == "succeeded"]
        if len(succeeded) == len(deployment.targets):
            return _launch(deployment, now)
        if not succeeded:
            return _complete(deployment, "failed", now)
        if deployment.policy == "best_effort":
            return _complete(deployment, "partially_failed", now)
        updated, commands = deployment, []
        for target in succeeded:
            updated, more = _request_rollback(updated, target, reason=_rollback_reason(deployment))
            commands += more
        updated = updated.model_copy(
            update={
                "phase": "rolling_back",
                "deadline": now + timedelta(seconds=deployment.timeout_seconds),
            }
        )
        return Step(updated, commands)
    if deployment.phase == "rolling_back":
        if any(t.rollback == "requested" for t in deployment.targets):
            return Step(deployment)
        failed = any(t.rollback == "failed" for t in deployment.targets)
        return _complete(deployment, "failed" if failed else "rolled_back", now)
    return Step(deployment)


def _launch(deployment: Deployment, now: datetime) -> Step:
    updated, commands = deployment, []
    for target in deployment.targets:
        launch_id = change_id(deployment.deployment_id, "launch", target.platform, target.account_external_id)
        command_type = GoogleAdsLaunchRequested if target.platform == "google_ads" else MetaLaunchRequested
        command = command_type(
            change_id=launch_id,
            deployment_id=deployment.deployment_id,
            account_external_id=target.account_external_id,
            platform_campaign_ids=target.platform_campaign_ids,
            reason="Every target of the deployment succeeded.",
        )
        commands.append(
            Command(command, command_id(deployment.deployment_id, command, target.account_external_id))
        )
        updated = _replace(updated, target, launch_change_id=launch_id)
    completed = _complete(updated, "succeeded", now)
    return Step(completed.deployment, commands + completed.commands)


def _request_rollback(
    deployment: Deployment, target: TargetState, *, reason: str
) -> tuple[Deployment, list[Command]]:
    rollback_id = change_id(deployment.deployment_id, "rollback", target.platform, target.account_external_id)
    command_type = GoogleAdsRollbackRequested if target.platform == "google_ads" else MetaRollbackRequested
    command = command_type(
        change_id=rollback_id,
        deployment_id=deployment.deployment_id,
        account_external_id=target.account_external_id,
        platform_campaign_ids=target.platform_campaign_ids,
        reason=reason,
    )
    updated = _replace(deployment, target, rollback="requested", rollback_change_id=rollback_id)
    return updated, [
        Command(command, command_id(deployment.deployment_id, command, target.account_external_id))
    ]


def _rollback_reason(deployment: Deployment) -> str:
    problems = [
        f"{t.platform} {t.status.replace('_', ' ')}" + (f": {t.error.message}" if t.error else "")
        for t in deployment.targets
        if t.status in ("failed", "timed_out")
    ]
    return "All-or-nothing deployment: " + "; ".join(problems)


def _fail_all(deployment: Deployment, error: PlatformError, now: datetime) -> Step:
    updated = deployment.model_copy(
        update={
            "failure": error,
            "targets": [
                t.model_copy(update={"status": "failed", "error": error}) for t in deployment.targets
            ],
        }
    )
    return _complete(updated, "failed", now)


def _complete(deployment: Deployment, status: DeploymentStatus, now: datetime) -> Step:
    updated = deployment.model_copy(
        update={"phase": "completed", "status": status, "deadline": None, "completed_at": now}
    )
    event = DeploymentCompleted(
        deployment_id=deployment.deployment_id,
        strategy_id=deployment.strategy_id,
        status=status,
        targets=updated.outcomes(),
    )
    return Step(updated, [Command(event, command_id(deployment.deployment_id, event))])


def _outcome(target: TargetState) -> TargetOutcome:
    status: str = target.status
    error = target.error
    if target.status == "succeeded":
        if target.rollback == "confirmed":
            status = "rolled_back"
        elif target.rollback == "unconfirmed":
            status = "rolled_back"
            error = _error(
                "ROLLBACK_UNCONFIRMED",
                "The rollback was requested but the platform did not confirm it in time; "
                "the campaigns were created paused.",
            )
        elif target.rollback == "failed":
            error = target.rollback_error
    return TargetOutcome(
        platform=target.platform,
        account_external_id=target.account_external_id,
        status=status,  # type: ignore[arg-type]
        platform_campaign_ids=target.platform_campaign_ids,
        error=error,
    )


def _replace(deployment: Deployment, target: TargetState, **changes: object) -> Deployment:
    updated = target.model_copy(update=changes)
    return deployment.model_copy(
        update={"targets": [updated if t is target or _same(t, target) else t for t in deployment.targets]}
    )


def _same(a: TargetState, b: TargetState) -> bool:
    return a.platform == b.platform and a.account_external_id == b.account_external_id


def _error(code: str, message: str) -> PlatformError:
    return PlatformError(code=code, message=message)
