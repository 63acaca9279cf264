"""Tables of the `connector_meta` schema and the queries on them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    and_,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

SCHEMA = "connector_meta"
metadata = MetaData(schema=SCHEMA)

connections = Table(
    "connections",
    metadata,
    Column("connection_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid),
    Column("status", String(40), nullable=False),  # active | reauthorization_required | removed
    Column("token_ciphertext", LargeBinary),
    Column("token_expires_at", DateTime(timezone=True)),
    Column("scopes", JSONB, nullable=False, server_default="[]"),
    Column("status_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ad_accounts = Table(
    "ad_accounts",
    metadata,
    Column(
        "connection_id", Uuid, ForeignKey(connections.c.connection_id, ondelete="CASCADE"), primary_key=True
    ),
    Column("account_id", String(64), primary_key=True),  # act_…
    Column("name", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

platform_objects = Table(
    "platform_objects",
    metadata,
    Column("idempotency_key", Text, primary_key=True),
    Column("deployment_id", Uuid, nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("strategy_key", Text, nullable=False),
    Column("platform_id", String(64)),
    Column("parent_platform_id", String(64)),
    Column("status", String(20), nullable=False),  # pending | created | deleted
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

metric_digests = Table(
    "metric_digests",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("object_id", String(64), primary_key=True),
    Column("hour_start", DateTime(timezone=True), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
)


# ----- connections ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Connection:
    connection_id: uuid.UUID
    tenant_id: uuid.UUID | None
    status: str
    token_ciphertext: bytes | None
    token_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    connection_id: uuid.UUID
    account_id: str
    currency: str
    time_zone: str


async def save_connection(
    session: AsyncSession,
    *,
    connection_id: uuid.UUID,
    tenant_id: uuid.UUID | None,
    token_ciphertext: bytes,
    token_expires_at: datetime | None,
    scopes: Sequence[str],
    accounts: Iterable[tuple[str, str, str, str]],
) -> None:
    """Insert or replace a connection and its accounts (`(account_id, name, currency, time_zone)`)."""
    values = {
        "tenant_id": tenant_id,
        "status": "active",
        "token_ciphertext": token_ciphertext,
        "token_expires_at": token_expires_at,
        "scopes": list(scopes),
        "status_reason": None,
        "updated_at": func.now(),
    }
    await session.execute(
        insert(connections)
        .values(connection_id=connection_id, **values)
        .on_conflict_do_update(index_elements=[connections.c.connection_id], set_=values)
    )
    await session.execute(ad_accounts.delete().where(ad_accounts.c.connection_id == connection_id))
    rows = [
        {"connection_id": connection_id, "account_id": a, "name": n, "currency": c, "time_zone": z}
        for a, n, c, z in accounts
    ]
    if rows:
        await session.execute(insert(ad_accounts), rows)


async def get_connection(session: AsyncSession, connection_id: uuid.UUID) -> Connection | None:
    row = (
        await session.execute(select(connections).where(connections.c.connection_id == connection_id))
    ).first()
    return _connection(row) if row else None


def _connection(row) -> Connection:
    return Connection(
        connection_id=row.connection_id,
        tenant_id=row.tenant_id,
        status=row.status,
        token_ciphertext=row.token_ciphertext,
        token_expires_at=row.token_expires_at,
    )


async def connection_for_account(
    session: AsyncSession, account_id: str, connection_id: uuid.UUID | None = None
) -> tuple[Connection, LinkedAccount] | None:
    """The connection to call an account with: the one named, else the newest active one."""
    query = (
        select(connections, ad_accounts.c.account_id, ad_accounts.c.currency, ad_accounts.c.time_zone)
        .join(ad_accounts, ad_accounts.c.connection_id == connections.c.connection_id)
        .where(ad_accounts.c.account_id == account_id, connections.c.status != "removed")
        .order_by((connections.c.status == "active").desc(), connections.c.updated_at.desc())
    )
    if connection_id is not None:
        query = query.where(connections.c.connection_id == connection_id)
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return _connection(row), LinkedAccount(row.connection_id, row.account_id, row.currency, row.time_zone)


async def syncable_accounts(session: AsyncSession) -> list[tuple[Connection, LinkedAccount]]:
    """One (active connection, account) per linked account."""
    rows = (
        await session.execute(
            select(connections, ad_accounts.c.account_id, ad_accounts.c.currency, ad_accounts.c.time_zone)
            .join(ad_accounts, ad_accounts.c.connection_id == connections.c.connection_id)
            .where(connections.c.status == "active")
            .order_by(ad_accounts.c.account_id, connections.c.updated_at.desc())
        )
    ).all()
    newest: dict[str, tuple[Connection, LinkedAccount]] = {}
    for r in rows:
        newest.setdefault(
            r.account_id,
            (_connection(r), LinkedAccount(r.connection_id, r.account_id, r.currency, r.time_zone)),
        )
    return list(newest.values())


async def active_connections(session: AsyncSession) -> list[Connection]:
    rows = (await session.execute(select(connections).where(connections.c.status == "active"))).all()
    return [_connection(r) for r in rows]


async def all_connection_tokens(session: AsyncSession) -> list[tuple[uuid.UUID, bytes]]:
    rows = (
        await session.execute(
            select(connections.c.connection_id, connections.c.token_ciphertext).where(
                connections.c.token_ciphertext.is_not(None)
            )
        )
    ).all()
    return [(r.connection_id, r.token_ciphertext) for r in rows]


async def update_token(
    session: AsyncSession,
    connection_id: uuid.UUID,
    *,
    ciphertext: bytes,
    expires_at: datetime | None = None,
    keep_expiry: bool = False,
) -> None:
    values: dict = {"token_ciphertext": ciphertext, "updated_at": func.now()}
    if not keep_expiry:
        values["token_expires_at"] = expires_at
    await session.execute(
        update(connections).where(connections.c.connection_id == connection_id).values(**values)
    )


async def set_status(
    session: AsyncSession, connection_id: uuid.UUID, status: str, *, reason: str | None, only_if: str | None
) -> bool:
    """Change a connection's status; with `only_if`, only from that status. True if it changed."""
    statement = update(connections).where(connections.c.connection_id == connection_id)
    if only_if is not None:
        statement = statement.where(connections.c.status == only_if)
    values: dict = {"status": status, "status_reason": reason, "updated_at": func.now()}
    if status == "removed":
        values["token_ciphertext"] = None
    result = await session.execute(statement.values(**values))
    return result.rowcount > 0


# ----- deployment objects ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ObjectRecord:
    idempotency_key: str
    deployment_id: uuid.UUID
    account_id: str
    kind: str
    strategy_key: str
    platform_id: str | None
    parent_platform_id: str | None
    status: str


def _record(row) -> ObjectRecord:
    return ObjectRecord(
        idempotency_key=row.idempotency_key,
        deployment_id=row.deployment_id,
        account_id=row.account_id,
        kind=row.kind,
        strategy_key=row.strategy_key,
        platform_id=row.platform_id,
        parent_platform_id=row.parent_platform_id,
        status=row.status,
    )


async def get_object(session: AsyncSession, key: str) -> ObjectRecord | None:
    row = (
        await session.execute(select(platform_objects).where(platform_objects.c.idempotency_key == key))
    ).first()
    return _record(row) if row else None


async def record_pending(
    session: AsyncSession,
    *,
    key: str,
    deployment_id: uuid.UUID,
    account_id: str,
    kind: str,
    strategy_key: str,
    parent_platform_id: str | None,
) -> None:
    values = {
        "deployment_id": deployment_id,
        "account_id": account_id,
        "kind": kind,
        "strategy_key": strategy_key,
        "platform_id": None,
        "parent_platform_id": parent_platform_id,
        "status": "pending",
        "updated_at": func.now(),
    }
    await session.execute(
        insert(platform_objects)
        .values(idempotency_key=key, **values)
        .on_conflict_do_update(index_elements=[platform_objects.c.idempotency_key], set_=values)
    )


async def record_created(session: AsyncSession, *, key: str, platform_id: str) -> None:
    await session.execute(
        update(platform_objects)
        .where(platform_objects.c.idempotency_key == key)
        .values(platform_id=platform_id, status="created", updated_at=func.now())
    )


async def record_deleted(session: AsyncSession, *, key: str) -> None:
    await session.execute(
        update(platform_objects)
        .where(platform_objects.c.idempotency_key == key)
        .values(status="deleted", updated_at=func.now())
    )


async def deployment_objects(session: AsyncSession, deployment_id: uuid.UUID) -> list[ObjectRecord]:
    rows = (
        await session.execute(
            select(platform_objects)
            .where(platform_objects.c.deployment_id == deployment_id)
            .order_by(platform_objects.c.created_at)
        )
    ).all()
    return [_record(r) for r in rows]


async def objects_under_campaigns(
    session: AsyncSession, account_id: str, campaign_ids: Sequence[str]
) -> list[ObjectRecord]:
    """The live objects recorded under these campaigns: their ad sets, ads and the ads' creatives."""
    deployments = (
        select(platform_objects.c.deployment_id)
        .where(
            platform_objects.c.account_id == account_id,
            platform_objects.c.kind == "campaign",
            platform_objects.c.platform_id.in_(list(campaign_ids)),
        )
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(platform_objects).where(
                platform_objects.c.deployment_id.in_(deployments),
                platform_objects.c.status == "created",
            )
        )
    ).all()
    return tree_under(campaign_ids, [_record(r) for r in rows])


def tree_under(campaign_ids: Sequence[str], records: Sequence[ObjectRecord]) -> list[ObjectRecord]:
    """Campaigns, their ad sets, those ad sets' ads and the ads' creatives (same deployment)."""
    campaigns = [r for r in records if r.kind == "campaign" and r.platform_id in set(campaign_ids)]
    ad_sets = [
        r
        for r in records
        if r.kind == "ad_set" and r.parent_platform_id in {c.platform_id for c in campaigns}
    ]
    ads = [r for r in records if r.kind == "ad" and r.parent_platform_id in {a.platform_id for a in ad_sets}]
    ad_keys = {(a.deployment_id, a.strategy_key) for a in ads}
    creatives = [r for r in records if r.kind == "creative" and (r.deployment_id, r.strategy_key) in ad_keys]
    return campaigns + ad_sets + ads + creatives


async def mark_deleted_by_platform_ids(session: AsyncSession, account_id: str, ids: Sequence[str]) -> None:
    if ids:
        await session.execute(
            update(platform_objects)
            .where(platform_objects.c.account_id == account_id, platform_objects.c.platform_id.in_(list(ids)))
            .values(status="deleted", updated_at=func.now())
        )


# ----- metric digests ----------------------------------------------------------------------------
async def known_digests(
    session: AsyncSession, account_id: str, keys: Sequence[tuple[str, datetime]]
) -> dict[tuple[str, datetime], str]:
    if not keys:
        return {}
    rows = (
        await session.execute(
            select(metric_digests.c.object_id, metric_digests.c.hour_start, metric_digests.c.digest).where(
                metric_digests.c.account_id == account_id,
                tuple_(metric_digests.c.object_id, metric_digests.c.hour_start).in_(list(keys)),
            )
        )
    ).all()
    return {(r.object_id, r.hour_start): r.digest for r in rows}


async def save_digests(
    session: AsyncSession, account_id: str, rows: Sequence[tuple[str, datetime, str, datetime]]
) -> None:
    """Upsert `(object_id, hour_start, digest, reported_at)`."""
    if not rows:
        return
    statement = insert(metric_digests).values(
        [
            {"account_id": account_id, "object_id": o, "hour_start": h, "digest": d, "reported_at": r}
            for o, h, d, r in rows
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[
                metric_digests.c.account_id,
                metric_digests.c.object_id,
                metric_digests.c.hour_start,
            ],
            set_={"digest": statement.excluded.digest, "reported_at": statement.excluded.reported_at},
        )
    )


async def prune_digests(session: AsyncSession, account_id: str, before: datetime) -> None:
    await session.execute(
        metric_digests.delete().where(
            and_(metric_digests.c.account_id == account_id, metric_digests.c.hour_start < before)
        )
    )
