"""Event handlers of the orchestrator: subject -> handler. Handlers parse, call the domain, return.

Strategy generation does not run inside a handler: `zamc.strategy.requested.v1` only queues the
brief (idempotent on brief_id) and the generation worker (jobs.py) drafts it, publishing progress
in small transactions of its own, so a slow model never holds up this consumer.

The deployment saga's rules are in domain/saga.py; a handler here loads the deployment (locked),
applies one transition, stores the new state and emits the commands the transition returned, all
in the handler's transaction with the inbox row: a redelivered event is skipped by the inbox, and
a replayed transition returns no commands.

`handlers(runtime)` is a merge of registries (`merge_registries`): another part of the service
adds its own registry, and two handlers for one subject both run, in order, in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import structlog

from zamc_events.contracts.base import utcnow
from zamc_events.contracts.campaign import (
    CampaignChanged,
    CampaignChangeFailed,
    CampaignDeployed,
    CampaignDeployFailed,
    DeployRequested,
)
from zamc_events.contracts.strategy import (
    StrategyApproved,
    StrategyFailed,
    StrategyProgress,
    StrategyRequested,
    StrategyRevised,
)
from zamc_events.runtime.consumer import Handler, HandlerContext, PermanentError
from zamc_events.runtime.faults import crash_point
from zamc_events.runtime.service import ServiceRuntime
from zamc_orchestrator import jobs
from zamc_orchestrator.adapters import repositories as repo
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain import saga
from zamc_orchestrator.domain.strategies import judge_revision, revision_rejected_reason, strategy_id_for
from zamc_orchestrator.optimizer.handlers import optimizer_handlers

log = structlog.get_logger("zamc.orchestrator")

APPROVAL_WAIT_SECONDS = 60.0
"""How long a deployment of a version waits for that version's approval to arrive (capped by the
deployment timeout): the gateway may publish the approval and the deployment moments apart, and
they travel on different streams."""


def merge_registries(*registries: Mapping[str, Handler]) -> dict[str, Handler]:
    """One registry from several; handlers of a shared subject run in order in one transaction."""
    merged: dict[str, list[Handler]] = {}
    for registry in registries:
        for subject, handler in registry.items():
            merged.setdefault(subject, []).append(handler)
    return {subject: chain[0] if len(chain) == 1 else _chain(chain) for subject, chain in merged.items()}


def _chain(chain: list[Handler]) -> Handler:
    async def handle(ctx: HandlerContext) -> None:
        for handler in chain:
            await handler(ctx)

    return handle


def handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    return merge_registries(
        strategy_handlers(runtime), deployment_handlers(runtime), optimizer_handlers(runtime)
    )


# strategies ---------------------------------------------------------------------------------------------
def strategy_handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    async def strategy_requested(ctx: HandlerContext) -> None:
        event: StrategyRequested = ctx.data
        brief = event.brief
        queued = await repo.request_generation(
            ctx.session,
            brief=brief,
            strategy_id=strategy_id_for(brief.brief_id),
            cause=repo.Cause.of(ctx.envelope),
        )
        if not queued:
            log.info("brief already requested; ignored", brief_id=str(brief.brief_id))
            return
        await ctx.emit(
            StrategyProgress(
                brief_id=brief.brief_id,
                step="queued",
                percent=0,
                message="Your brief is queued for drafting…",
            )
        )
        jobs.wake_generation_worker(runtime)

    async def strategy_revised(ctx: HandlerContext) -> None:
        event: StrategyRevised = ctx.data
        revised = event.strategy
        await repo.lock_strategy(ctx.session, strategy_id=revised.strategy_id)
        latest = await repo.latest_version(ctx.session, strategy_id=revised.strategy_id)
        same = await repo.get_version(ctx.session, strategy_id=revised.strategy_id, version=revised.version)
        decision = judge_revision(
            revised=revised, latest=latest, same_version=same.strategy if same else None
        )
        if decision.outcome == "duplicate":
            return
        if decision.outcome == "reject":
            log.info("revision rejected", strategy_id=str(revised.strategy_id), reasons=decision.reasons)
            await ctx.emit(
                StrategyFailed(brief_id=revised.brief_id, reason=revision_rejected_reason(revised, decision))
            )
            return
        await repo.insert_version(
            ctx.session,
            strategy=revised,
            tenant_id=ctx.envelope.tenant_id,
            source="revised",
            revised_by=event.revised_by,
        )

    async def strategy_approved(ctx: HandlerContext) -> None:
        event: StrategyApproved = ctx.data
        await repo.lock_strategy(ctx.session, strategy_id=event.strategy_id)
        approved = await repo.approve_version(
            ctx.session,
            strategy_id=event.strategy_id,
            version=event.version,
            approved_by=event.approved_by,
            at=ctx.envelope.occurred_at,
        )
        if not approved:
            latest = await repo.latest_version(ctx.session, strategy_id=event.strategy_id)
            if latest is None:
                raise PermanentError(f"there is no strategy {event.strategy_id} to approve")
            await ctx.emit(
                StrategyFailed(
                    brief_id=latest.brief_id,
                    reason=f"Version {event.version} of the strategy does not exist, so it cannot be "
                    f"approved; the latest version is {latest.version}.",
                )
            )
            return
        record = await repo.get_version(ctx.session, strategy_id=event.strategy_id, version=event.version)
        assert record is not None
        for waiting in await repo.lock_awaiting_approval(
            ctx.session, strategy_id=event.strategy_id, version=event.version
        ):
            # the deployment goes on as a follow-up of its own request, in that request's trace
            with waiting.cause.continued("resume deployment on approval"):
                step = saga.approve(waiting.deployment, strategy=record.strategy, now=utcnow())
                await _apply(ctx, waiting.deployment, step, cause=waiting.cause)

    return {
        StrategyRequested.subject: strategy_requested,
        StrategyRevised.subject: strategy_revised,
        StrategyApproved.subject: strategy_approved,
    }


# deployments --------------------------------------------------------------------------------------------
def deployment_handlers(runtime: ServiceRuntime) -> Mapping[str, Handler]:
    settings: Settings = runtime.settings  # type: ignore[assignment]
    timeout = settings.deploy_timeout_seconds

    async def deploy_requested(ctx: HandlerContext) -> None:
        event: DeployRequested = ctx.data
        if await repo.deployment_exists(ctx.session, deployment_id=event.deployment_id):
            log.info("deployment requested again; ignored", deployment_id=str(event.deployment_id))
            return
        strategy_id, version = event.strategy.strategy_id, event.strategy.version
        await repo.lock_strategy(ctx.session, strategy_id=strategy_id)
        stored = await repo.get_version(ctx.session, strategy_id=strategy_id, version=version)
        step = saga.start(
            deployment_id=event.deployment_id,
            strategy_id=strategy_id,
            version=version,
            targets=event.targets,
            policy=event.policy,
            approved=stored.strategy if stored and stored.approved else None,
            now=utcnow(),
            timeout_seconds=timeout,
            approval_wait_seconds=min(APPROVAL_WAIT_SECONDS, timeout),
        )
        await repo.insert_deployment(
            ctx.session, deployment=step.deployment, cause=repo.Cause.of(ctx.envelope)
        )
        await _emit(ctx, step)

    async def deployed(ctx: HandlerContext) -> None:
        event: CampaignDeployed = ctx.data
        await _transition(
            ctx,
            event.deployment_id,
            lambda d: saga.deployed(
                d,
                platform=event.platform,
                account_external_id=event.account_external_id,
                platform_campaign_ids=event.platform_campaign_ids,
                now=utcnow(),
            ),
        )

    async def deploy_failed(ctx: HandlerContext) -> None:
        event: CampaignDeployFailed = ctx.data
        await _transition(
            ctx,
            event.deployment_id,
            lambda d: saga.deploy_failed(
                d,
                platform=event.platform,
                account_external_id=event.account_external_id,
                error=event.error,
                now=utcnow(),
            ),
        )

    async def changed(ctx: HandlerContext) -> None:
        event: CampaignChanged = ctx.data
        if event.deployment_id is None or event.change not in ("rollback", "launch"):
            return
        await _transition(
            ctx,
            event.deployment_id,
            lambda d: saga.change_confirmed(d, change_id=event.change_id, change=event.change, now=utcnow()),
        )

    async def change_failed(ctx: HandlerContext) -> None:
        event: CampaignChangeFailed = ctx.data
        if event.deployment_id is None or event.change not in ("rollback", "launch"):
            return
        await _transition(
            ctx,
            event.deployment_id,
            lambda d: saga.change_failed(
                d, change_id=event.change_id, change=event.change, error=event.error, now=utcnow()
            ),
        )

    return {
        DeployRequested.subject: deploy_requested,
        CampaignDeployed.subject: deployed,
        CampaignDeployFailed.subject: deploy_failed,
        CampaignChanged.subject: changed,
        CampaignChangeFailed.subject: change_failed,
    }


async def _transition(ctx: HandlerContext, deployment_id: uuid.UUID, transition) -> None:
    record = await repo.lock_deployment(ctx.session, deployment_id=deployment_id)
    if record is None:
        log.warning("answer for an unknown deployment; ignored", deployment_id=str(deployment_id))
        return
    await _apply(ctx, record.deployment, transition(record.deployment))


async def _apply(
    ctx: HandlerContext, before: saga.Deployment, step: saga.Step, *, cause: repo.Cause | None = None
) -> None:
    if step.deployment != before:
        await repo.save_deployment(ctx.session, deployment=step.deployment)
    await _emit(ctx, step, cause=cause)


async def _emit(ctx: HandlerContext, step: saga.Step, *, cause: repo.Cause | None = None) -> None:
    """Write the step's commands, as follow-ups of `cause` (default: the event being handled)."""
    cause = cause or repo.Cause.of(ctx.envelope)
    for command in step.commands:
        await repo.emit_caused(
            ctx.session, ctx.publisher, command.event, cause=cause, event_id=command.event_id
        )
    if step.commands:
        # fault tests: the process dies after a saga step's commands are written, before the commit
        crash_point("orchestrator.saga.step")
