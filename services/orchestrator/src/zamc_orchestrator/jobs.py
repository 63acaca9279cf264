"""Background jobs of the orchestrator: the strategy generation worker and the saga's time-outs.

Generation worker. `zamc.strategy.requested.v1` queues a brief (strategy_generations row); the
worker leases queued briefs (`FOR UPDATE SKIP LOCKED`, so replicas share them), drafts each in a
task of its own (at most `GENERATION_CONCURRENCY` at once), renews the lease while the model works,
and publishes `zamc.strategy.progress.v1` in a small committed transaction per step, so progress is
visible while the draft is being written. The result (version 1 of the strategy, the row marked
done and `zamc.strategy.generated.v1`, or `zamc.strategy.failed.v1`) commits in one transaction,
only while the lease is still this worker's. A worker that dies leaves its lease to run out; the
brief is then drafted again (the strategy ID is derived from the brief, the version row is
inserted once), at most `GENERATION_MAX_ATTEMPTS` times. A service that stops gives its leases back.

Saga time-outs. Every `SAGA_POLL_SECONDS` the deployments past their deadline are locked (skipping
those another replica holds) and timed out (domain/saga.py `time_out`), in one transaction with the
commands that follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref

import structlog

from zamc_events.contracts.base import utcnow
from zamc_events.contracts.strategy import StrategyFailed, StrategyGenerated, StrategyProgress
from zamc_events.runtime.faults import crash_point
from zamc_events.runtime.service import ServiceRuntime
from zamc_orchestrator import metrics
from zamc_orchestrator.adapters import repositories as repo
from zamc_orchestrator.adapters.llm import LiteLLMDrafter, _import_litellm
from zamc_orchestrator.config import Settings
from zamc_orchestrator.domain import saga
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.generation import StrategyDrafter, generate_strategy

log = structlog.get_logger("zamc.orchestrator.jobs")

GENERATION_CONCURRENCY = 4
GENERATION_LEASE_SECONDS = 60.0
GENERATION_POLL_SECONDS = 1.0
GENERATION_MAX_ATTEMPTS = 3
SAGA_POLL_SECONDS = 0.5

_wakers: weakref.WeakKeyDictionary[ServiceRuntime, asyncio.Event] = weakref.WeakKeyDictionary()


def _waker(runtime: ServiceRuntime) -> asyncio.Event:
    if runtime not in _wakers:
        _wakers[runtime] = asyncio.Event()
    return _wakers[runtime]


def wake_generation_worker(runtime: ServiceRuntime) -> None:
    """A brief was queued: look sooner than the next poll (it is visible once the handler commits)."""
    _waker(runtime).set()


# generation ---------------------------------------------------------------------------------------------
async def strategy_generation(runtime: ServiceRuntime) -> None:
    """Background job: draft queued briefs until the service stops."""
    settings: Settings = runtime.settings  # type: ignore[assignment]
    drafter = LiteLLMDrafter.from_settings(settings)
    if drafter is not None:
        await asyncio.to_thread(_import_litellm)  # seconds of imports, away from the event loop
        drafter.router  # noqa: B018  (built once, before the first brief)
    wake = _waker(runtime)
    running: set[asyncio.Task[None]] = set()
    try:
        while True:
            free = GENERATION_CONCURRENCY - len(running)
            if free > 0:
                try:
                    async with runtime.sessions() as session, session.begin():
                        claimed = await repo.claim_generations(
                            session, limit=free, lease_seconds=GENERATION_LEASE_SECONDS
                        )
                except Exception:
                    log.warning("could not claim briefs; retrying", exc_info=True)
                    claimed = []
                for generation in claimed:
                    task = asyncio.create_task(
                        _generate_one(runtime, settings, drafter, generation),
                        name=f"generate:{generation.brief.brief_id}",
                    )
                    running.add(task)
                    task.add_done_callback(running.discard)
                if len(claimed) == free:
                    continue  # there may be more waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=GENERATION_POLL_SECONDS)
            if wake.is_set():
                wake.clear()
                await asyncio.sleep(0.05)  # let the queuing handler's transaction commit
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


async def _generate_one(
    runtime: ServiceRuntime, settings: Settings, drafter: StrategyDrafter | None, generation: repo.Generation
) -> None:
    brief = generation.brief
    token = generation.lease_token
    assert token is not None
    bound = structlog.contextvars.bound_contextvars(
        brief_id=str(brief.brief_id), correlation_id=str(generation.cause.correlation_id)
    )
    heartbeat = asyncio.create_task(_keep_lease(runtime, generation))

    async def progress(step: str, percent: int, message: str) -> None:
        try:
            async with runtime.sessions() as session, session.begin():
                await repo.emit_caused(
                    session,
                    runtime.publisher,
                    StrategyProgress(brief_id=brief.brief_id, step=step, percent=percent, message=message),
                    cause=generation.cause,
                )
        except Exception:  # progress is a courtesy: never let it fail the generation
            log.warning("progress not published", step=step, exc_info=True)

    started = time.perf_counter()
    try:
        with bound:
            try:
                result = await generate_strategy(
                    brief=brief,
                    strategy_id=generation.strategy_id,
                    version=1,
                    drafter=drafter,
                    max_repairs=settings.llm_max_repairs,
                    on_progress=progress,
                )
            except StrategyRejected as rejected:
                await _finish_failed(runtime, generation, "; ".join(rejected.reasons))
                return
            except asyncio.CancelledError:
                await _release(runtime, generation)
                raise
            except Exception as error:
                await _retry_or_fail(runtime, generation, error)
                return
            crash_point("orchestrator.generation.before_result")
            async with runtime.sessions() as session, session.begin():
                if not await repo.hold_lease(session, brief_id=brief.brief_id, token=token):
                    log.warning("lease lost while drafting; another worker finishes this brief")
                    return
                await repo.insert_version(
                    session,
                    strategy=result.strategy,
                    tenant_id=generation.cause.tenant_id,
                    source="generated",
                )
                await repo.finish_generation(session, brief_id=brief.brief_id, status="done")
                await repo.emit_caused(
                    session,
                    runtime.publisher,
                    StrategyGenerated(strategy=result.strategy),
                    cause=generation.cause,
                )
            metrics.STRATEGY_GENERATION_SECONDS.labels(result.strategy.generator).observe(
                time.perf_counter() - started
            )
            log.info(
                "strategy generated",
                generator=result.strategy.generator,
                model=result.strategy.model,
                seconds=round(time.perf_counter() - started, 3),
                llm_calls=len(result.calls),
                repair_rounds=result.repair_rounds,
            )
    finally:
        heartbeat.cancel()
        with contextlib.suppress(BaseException):
            await heartbeat


async def _keep_lease(runtime: ServiceRuntime, generation: repo.Generation) -> None:
    assert generation.lease_token is not None
    while True:
        await asyncio.sleep(GENERATION_LEASE_SECONDS / 3)
        try:
            async with runtime.sessions() as session, session.begin():
                held = await repo.renew_lease(
                    session,
                    brief_id=generation.brief.brief_id,
                    token=generation.lease_token,
                    lease_seconds=GENERATION_LEASE_SECONDS,
                )
            if not held:
                return
        except Exception:
            log.warning("lease not renewed", exc_info=True)


async def _release(runtime: ServiceRuntime, generation: repo.Generation) -> None:
    assert generation.lease_token is not None
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0), runtime.sessions() as session, session.begin():
            await repo.release_generation(
                session, brief_id=generation.brief.brief_id, token=generation.lease_token
            )


async def _finish_failed(runtime: ServiceRuntime, generation: repo.Generation, reason: str) -> None:
    assert generation.lease_token is not None
    async with runtime.sessions() as session, session.begin():
        if not await repo.hold_lease(
            session, brief_id=generation.brief.brief_id, token=generation.lease_token
        ):
            return
        await repo.finish_generation(
            session, brief_id=generation.brief.brief_id, status="failed", error=reason
        )
        await repo.emit_caused(
            session,
            runtime.publisher,
            StrategyFailed(brief_id=generation.brief.brief_id, reason=reason),
            cause=generation.cause,
        )
    log.info("strategy generation failed", reason=reason)


async def _retry_or_fail(runtime: ServiceRuntime, generation: repo.Generation, error: Exception) -> None:
    """An unexpected error (the database went away, a bug): try again later, then give up loudly."""
    reason = f"{type(error).__name__}: {error}"[:500]
    log.error("strategy generation crashed", attempts=generation.attempts, exc_info=error)
    if generation.attempts >= GENERATION_MAX_ATTEMPTS:
        await _finish_failed(
            runtime,
            generation,
            "The strategy could not be generated because of an internal error; try again.",
        )
        return
    assert generation.lease_token is not None
    with contextlib.suppress(Exception):
        async with runtime.sessions() as session, session.begin():
            await repo.retry_generation_later(
                session,
                brief_id=generation.brief.brief_id,
                token=generation.lease_token,
                delay_seconds=2.0**generation.attempts,
                error=reason,
            )


# saga time-outs -----------------------------------------------------------------------------------------
async def deployment_timeouts(runtime: ServiceRuntime) -> None:
    """Background job: time out deployments whose targets (or rollbacks, or approval) never answered."""
    while True:
        try:
            await time_out_due_deployments(runtime)
        except Exception:
            log.warning("deployment time-outs not applied; retrying", exc_info=True)
        await asyncio.sleep(SAGA_POLL_SECONDS)


async def time_out_due_deployments(runtime: ServiceRuntime) -> int:
    """Apply `time_out` to every deployment past its deadline; returns how many changed."""
    now = utcnow()
    changed = 0
    async with runtime.sessions() as session, session.begin():
        for record in await repo.lock_due_deployments(session, now=now):
            step = saga.time_out(record.deployment, now=now)
            if step.deployment == record.deployment:
                continue
            changed += 1
            await repo.save_deployment(session, deployment=step.deployment)
            with record.cause.continued("time out deployment"):
                for command in step.commands:
                    await repo.emit_caused(
                        session,
                        runtime.publisher,
                        command.event,
                        cause=record.cause,
                        event_id=command.event_id,
                    )
            log.info(
                "deployment timed out",
                deployment_id=str(record.deployment.deployment_id),
                phase=record.deployment.phase,
            )
    return changed
