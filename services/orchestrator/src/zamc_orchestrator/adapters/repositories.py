"""Reads and writes of the orchestrator's tables; every function works in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opentelemetry import trace
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_events.contracts.base import Envelope, Event
from zamc_events.contracts.strategy import Brief, CampaignStrategy
from zamc_events.runtime.outbox import Publisher
from zamc_events.runtime.telemetry import context_from_headers, current_trace_headers
from zamc_orchestrator.adapters.db import deployments, strategy_generations, strategy_versions
from zamc_orchestrator.domain.saga import Deployment
from zamc_orchestrator.domain.strategies import StoredVersion

tracer = trace.get_tracer("zamc_orchestrator")


# causes: what a follow-up event published outside a handler is caused by -----------------------------
@dataclass(frozen=True)
class Cause:
    """The identity of the event that started a piece of work, kept so later events can follow it
    up: same tenant and correlation, caused by it, and (`continued`) in the trace of its handling."""

    event_id: uuid.UUID
    correlation_id: uuid.UUID
    tenant_id: uuid.UUID | None
    trace_headers: dict[str, str] | None = None

    @classmethod
    def of(cls, envelope: Envelope[Any]) -> Cause:
        """The envelope being handled now, in the current trace."""
        return cls(
            envelope.event_id, envelope.correlation_id, envelope.tenant_id, current_trace_headers() or None
        )

    @contextmanager
    def continued(self, name: str) -> Iterator[None]:
        """Run a later step of this work in the cause's trace (a span whose parent is the cause's
        handling), linked to whatever is current now (e.g. the approval that resumed it)."""
        if not self.trace_headers:
            yield
            return
        links = [trace.Link(trace.get_current_span().get_span_context())]
        with tracer.start_as_current_span(
            name, context=context_from_headers(self.trace_headers), links=links
        ):
            yield


async def emit_caused(
    session: AsyncSession,
    publisher: Publisher,
    data: Event,
    *,
    cause: Cause,
    event_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    """Write `data` to the outbox as a follow-up of `cause` (optionally with a fixed event ID)."""
    envelope = Envelope.wrap(
        data,
        producer=publisher.producer,
        tenant_id=cause.tenant_id,
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,
        event_id=event_id,
    )
    await publisher.emit_envelopes(session, [envelope])
    return envelope


async def lock_strategy(session: AsyncSession, *, strategy_id: uuid.UUID) -> None:
    """Serialise work on one strategy (approval vs. deployment) until the transaction ends."""
    key = strategy_id.int & 0x7FFF_FFFF_FFFF_FFFF
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# generations ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Generation:
    brief: Brief
    strategy_id: uuid.UUID
    cause: Cause
    attempts: int
    lease_token: uuid.UUID | None
    status: str


def _generation(row: Any) -> Generation:
    return Generation(
        brief=Brief.model_validate(row.brief),
        strategy_id=row.strategy_id,
        cause=Cause(row.request_event_id, row.correlation_id, row.tenant_id),
        attempts=row.attempts,
        lease_token=row.lease_token,
        status=row.status,
    )


async def request_generation(
    session: AsyncSession, *, brief: Brief, strategy_id: uuid.UUID, cause: Cause
) -> bool:
    """Queue a brief for generation; False when it is queued, running or done already.

    A brief whose generation failed is queued again by a new request.
    """
    values = {
        "brief_id": brief.brief_id,
        "strategy_id": strategy_id,
        "project_id": brief.project_id,
        "tenant_id": cause.tenant_id,
        "correlation_id": cause.correlation_id,
        "request_event_id": cause.event_id,
        "brief": brief.model_dump(mode="json"),
        "status": "pending",
        "attempts": 0,
    }
    table = strategy_generations
    statement = insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.brief_id],
        set_={
            **{k: statement.excluded[k] for k in values if k not in ("brief_id", "strategy_id")},
            "lease_token": None,
            "lease_until": None,
            "error": None,
            "updated_at": func.now(),
        },
        where=table.c.status == "failed",
    ).returning(table.c.brief_id)
    return (await session.execute(statement)).first() is not None


async def claim_generations(session: AsyncSession, *, limit: int, lease_seconds: float) -> list[Generation]:
    """Lease up to `limit` queued generations (or ones whose worker's lease ran out)."""
    table = strategy_generations
    due = (
        select(table.c.brief_id)
        .where(
            table.c.status.in_(("pending", "running")),
            or_(table.c.lease_until.is_(None), table.c.lease_until < func.now()),
        )
        .order_by(table.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(table)
        .where(table.c.brief_id.in_(due.scalar_subquery()))
        .values(
            status="running",
            attempts=table.c.attempts + 1,
            lease_token=func.gen_random_uuid(),
            lease_until=func.now() + timedelta(seconds=lease_seconds),
            updated_at=func.now(),
        )
        .returning(*table.c)
    )
    return [_generation(row) for row in (await session.execute(statement)).all()]


async def renew_lease(
    session: AsyncSession, *, brief_id: uuid.UUID, token: uuid.UUID, lease_seconds: float
) -> bool:
    table = strategy_generations
    result = await session.execute(
        update(table)
        .where(table.c.brief_id == brief_id, table.c.lease_token == token, table.c.status == "running")
        .values(lease_until=func.now() + timedelta(seconds=lease_seconds))
        .returning(table.c.brief_id)
    )
    return result.first() is not None


async def hold_lease(session: AsyncSession, *, brief_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Lock the generation if this worker still holds its lease (else another worker took it over)."""
    table = strategy_generations
    row = (
        await session.execute(
            select(table.c.brief_id)
            .where(table.c.brief_id == brief_id, table.c.lease_token == token, table.c.status == "running")
            .with_for_update()
        )
    ).first()
    return row is not None


async def finish_generation(
    session: AsyncSession, *, brief_id: uuid.UUID, status: str, error: str | None = None
) -> None:
    table = strategy_generations
    await session.execute(
        update(table)
        .where(table.c.brief_id == brief_id)
        .values(status=status, error=error, lease_token=None, lease_until=None, updated_at=func.now())
    )


async def release_generation(session: AsyncSession, *, brief_id: uuid.UUID, token: uuid.UUID) -> None:
    """Give a lease back unfinished (the service is stopping): the next worker starts it at once."""
    table = strategy_generations
    await session.execute(
        update(table)
        .where(table.c.brief_id == brief_id, table.c.lease_token == token, table.c.status == "running")
        .values(
            status="pending",
            attempts=func.greatest(table.c.attempts - 1, 0),
            lease_token=None,
            lease_until=None,
            updated_at=func.now(),
        )
    )


async def retry_generation_later(
    session: AsyncSession, *, brief_id: uuid.UUID, token: uuid.UUID, delay_seconds: float, error: str
) -> None:
    table = strategy_generations
    await session.execute(
        update(table)
        .where(table.c.brief_id == brief_id, table.c.lease_token == token)
        .values(
            status="pending",
            error=error,
            lease_token=None,
            lease_until=func.now() + timedelta(seconds=delay_seconds),
            updated_at=func.now(),
        )
    )


# strategy versions ------------------------------------------------------------------------------------
async def insert_version(
    session: AsyncSession,
    *,
    strategy: CampaignStrategy,
    tenant_id: uuid.UUID | None,
    source: str,
    revised_by: uuid.UUID | None = None,
) -> bool:
    statement = (
        insert(strategy_versions)
        .values(
            strategy_id=strategy.strategy_id,
            version=strategy.version,
            brief_id=strategy.brief_id,
            project_id=strategy.project_id,
            tenant_id=tenant_id,
            generator=strategy.generator,
            model=strategy.model,
            source=source,
            document=strategy.model_dump(mode="json"),
            revised_by=revised_by,
        )
        .on_conflict_do_nothing()
        .returning(strategy_versions.c.version)
    )
    return (await session.execute(statement)).first() is not None


def _stored(row: Any) -> StoredVersion:
    return StoredVersion(
        strategy_id=row.strategy_id,
        version=row.version,
        brief_id=row.brief_id,
        project_id=row.project_id,
        approved=row.approved_at is not None,
    )


async def latest_version(session: AsyncSession, *, strategy_id: uuid.UUID) -> StoredVersion | None:
    table = strategy_versions
    row = (
        await session.execute(
            select(table).where(table.c.strategy_id == strategy_id).order_by(table.c.version.desc()).limit(1)
        )
    ).first()
    return _stored(row) if row else None


@dataclass(frozen=True)
class VersionRecord:
    strategy: CampaignStrategy
    approved: bool
    source: str


async def get_version(session: AsyncSession, *, strategy_id: uuid.UUID, version: int) -> VersionRecord | None:
    table = strategy_versions
    row = (
        await session.execute(
            select(table).where(table.c.strategy_id == strategy_id, table.c.version == version)
        )
    ).first()
    if row is None:
        return None
    return VersionRecord(
        strategy=CampaignStrategy.model_validate(row.document),
        approved=row.approved_at is not None,
        source=row.source,
    )


async def versions_of(session: AsyncSession, *, brief_id: uuid.UUID) -> list[VersionRecord]:
    table = strategy_versions
    rows = (
        await session.execute(select(table).where(table.c.brief_id == brief_id).order_by(table.c.version))
    ).all()
    return [
        VersionRecord(CampaignStrategy.model_validate(r.document), r.approved_at is not None, r.source)
        for r in rows
    ]


async def approve_version(
    session: AsyncSession, *, strategy_id: uuid.UUID, version: int, approved_by: uuid.UUID, at: datetime
) -> bool:
    """Mark a version approved (the first approval stands); False when the version does not exist."""
    table = strategy_versions
    result = await session.execute(
        update(table)
        .where(table.c.strategy_id == strategy_id, table.c.version == version)
        .values(
            approved_by=func.coalesce(table.c.approved_by, approved_by),
            approved_at=func.coalesce(table.c.approved_at, at),
        )
        .returning(table.c.version)
    )
    return result.first() is not None


# deployments ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeploymentRecord:
    deployment: Deployment
    cause: Cause


def _deployment_values(deployment: Deployment) -> dict[str, Any]:
    return {
        "phase": deployment.phase,
        "status": deployment.status,
        "deadline_at": deployment.deadline,
        "state": deployment.model_dump(mode="json"),
        "completed_at": deployment.completed_at,
    }


async def insert_deployment(session: AsyncSession, *, deployment: Deployment, cause: Cause) -> bool:
    """Store a new deployment; False when one with this ID exists already."""
    statement = (
        insert(deployments)
        .values(
            deployment_id=deployment.deployment_id,
            strategy_id=deployment.strategy_id,
            version=deployment.version,
            tenant_id=cause.tenant_id,
            correlation_id=cause.correlation_id,
            request_event_id=cause.event_id,
            trace_headers=cause.trace_headers,
            policy=deployment.policy,
            **_deployment_values(deployment),
        )
        .on_conflict_do_nothing()
        .returning(deployments.c.deployment_id)
    )
    return (await session.execute(statement)).first() is not None


async def deployment_exists(session: AsyncSession, *, deployment_id: uuid.UUID) -> bool:
    row = (
        await session.execute(
            select(deployments.c.deployment_id).where(deployments.c.deployment_id == deployment_id)
        )
    ).first()
    return row is not None


def _record(row: Any) -> DeploymentRecord:
    return DeploymentRecord(
        deployment=Deployment.model_validate(row.state),
        cause=Cause(row.request_event_id, row.correlation_id, row.tenant_id, row.trace_headers),
    )


async def lock_deployment(session: AsyncSession, *, deployment_id: uuid.UUID) -> DeploymentRecord | None:
    row = (
        await session.execute(
            select(deployments).where(deployments.c.deployment_id == deployment_id).with_for_update()
        )
    ).first()
    return _record(row) if row else None


async def get_deployment(session: AsyncSession, *, deployment_id: uuid.UUID) -> Deployment | None:
    row = (
        await session.execute(select(deployments).where(deployments.c.deployment_id == deployment_id))
    ).first()
    return _record(row).deployment if row else None


async def save_deployment(session: AsyncSession, *, deployment: Deployment) -> None:
    await session.execute(
        update(deployments)
        .where(deployments.c.deployment_id == deployment.deployment_id)
        .values(**_deployment_values(deployment), updated_at=func.now())
    )


async def lock_due_deployments(
    session: AsyncSession, *, now: datetime, limit: int = 100
) -> list[DeploymentRecord]:
    """Unfinished deployments past their deadline, locked (others' locked rows are skipped)."""
    rows = (
        await session.execute(
            select(deployments)
            .where(and_(deployments.c.phase != "completed", deployments.c.deadline_at <= now))
            .order_by(deployments.c.deadline_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    return [_record(row) for row in rows]


async def lock_awaiting_approval(
    session: AsyncSession, *, strategy_id: uuid.UUID, version: int
) -> list[DeploymentRecord]:
    rows = (
        await session.execute(
            select(deployments)
            .where(
                deployments.c.phase == "awaiting_approval",
                deployments.c.strategy_id == strategy_id,
                deployments.c.version == version,
            )
            .with_for_update()
        )
    ).all()
    return [_record(row) for row in rows]
