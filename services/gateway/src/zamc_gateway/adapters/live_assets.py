"""Creative assets: metadata in PostgreSQL, bytes in the JetStream object store `zamc-assets`.

Bytes are stored under their sha256 before the metadata row commits, so a committed asset
always has its bytes; a failed commit leaves at most an unreferenced object that the next
upload of the same bytes reuses. Within a project an upload of bytes the project already has
returns the existing asset instead of creating a second one.
"""

from __future__ import annotations

import uuid
from typing import Any

import nats.js
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError
from sqlalchemy import and_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_gateway.adapters import live_tenancy as tenancy
from zamc_gateway.adapters.live import LiveChange, LiveHub, announce
from zamc_gateway.adapters.live_db import asset_versions, assets
from zamc_gateway.domain import assets as rules
from zamc_gateway.domain.errors import NotFound, invalid
from zamc_gateway.domain.principal import Principal

BUCKET = "zamc-assets"
a, v = assets, asset_versions


class AssetStore:
    """The object store bucket, created on first use."""

    def __init__(self, js: nats.js.JetStreamContext) -> None:
        self.js = js

    async def _bucket(self) -> Any:
        try:
            return await self.js.object_store(BUCKET)
        except (BucketNotFoundError, NotFoundError):
            return await self.js.create_object_store(
                BUCKET,
                config=ObjectStoreConfig(
                    description="ZAMC creative assets by sha256", storage=StorageType.FILE
                ),
            )

    async def put(self, *, sha256: str, content: bytes) -> None:
        bucket = await self._bucket()
        try:
            await bucket.get_info(sha256)
            return  # the same bytes are stored already
        except ObjectNotFoundError:
            pass
        await bucket.put(sha256, content)

    async def get(self, sha256: str) -> bytes:
        bucket = await self._bucket()
        try:
            return (await bucket.get(sha256)).data
        except ObjectNotFoundError:
            raise NotFound("asset content not found") from None


def _version(row: Any) -> dict[str, Any]:
    return {
        "version": row.version,
        "sha256": row.sha256,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


async def _public(session: AsyncSession, row: Any) -> dict[str, Any]:
    versions = [
        _version(version)
        for version in await session.execute(select(v).where(v.c.asset_id == row.id).order_by(v.c.version))
    ]
    current = next((x for x in versions if x["version"] == row.current_version), None)
    return {
        "id": row.id,
        "project_id": row.project_id,
        "name": row.name,
        "kind": row.kind,
        "status": row.status,
        "current_version": row.current_version,
        "content_type": current["content_type"] if current else None,
        "sha256": current["sha256"] if current else None,
        "size_bytes": current["size_bytes"] if current else None,
        "object_name": current["sha256"] if current else None,
        "review_note": row.review_note,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": row.reviewed_at,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "versions": versions,
    }


async def _row(
    session: AsyncSession, principal: Principal, asset_id: uuid.UUID, *, lock: bool = False
) -> Any:
    query = select(a).where(a.c.id == asset_id, a.c.organization_id == principal.organization_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound("asset not found")
    return row


async def _lock_bytes(session: AsyncSession, project_id: uuid.UUID, sha256: str) -> None:
    """Serialise uploads of the same bytes into one project (so de-duplication holds under races)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"asset:{project_id}:{sha256}"},
    )


def _changed(organization_id: uuid.UUID, asset: dict[str, Any]) -> LiveChange:
    return LiveChange(
        organization_id=organization_id,
        topic="asset.changed",
        data={k: asset[k] for k in ("id", "project_id", "name", "kind", "status", "current_version")},
    )


async def upload_asset(
    *,
    session: AsyncSession,
    principal: Principal,
    store: AssetStore,
    hub: LiveHub,
    project_id: uuid.UUID,
    content: bytes,
    content_type: str | None,
    name: str | None,
) -> tuple[dict[str, Any], bool]:
    """Store a new asset; returns (asset, created). Known bytes in the project return the existing asset."""
    await tenancy.require_project(session, organization_id=principal.organization_id, project_id=project_id)
    checked = rules.check_upload(content=content, declared_type=content_type)
    asset_name = rules.clean_name(name, fallback=f"{checked.kind}-{checked.sha256[:12]}")
    await _lock_bytes(session, project_id, checked.sha256)
    existing = (
        await session.execute(
            select(a)
            .join(v, and_(v.c.asset_id == a.c.id))
            .where(
                v.c.project_id == project_id,
                v.c.sha256 == checked.sha256,
                a.c.organization_id == principal.organization_id,
            )
            .order_by(a.c.created_at)
            .limit(1)
        )
    ).first()
    if existing is not None:
        return await _public(session, existing), False
    await store.put(sha256=checked.sha256, content=content)
    asset_id = uuid.uuid4()
    row = (
        await session.execute(
            a.insert()
            .values(
                id=asset_id,
                organization_id=principal.organization_id,
                project_id=project_id,
                name=asset_name,
                kind=checked.kind,
                status="pending_review",
                current_version=1,
                created_by=principal.actor_id,
            )
            .returning(a)
        )
    ).one()
    await session.execute(
        v.insert().values(
            asset_id=asset_id,
            version=1,
            organization_id=principal.organization_id,
            project_id=project_id,
            sha256=checked.sha256,
            content_type=checked.content_type,
            size_bytes=checked.size_bytes,
            created_by=principal.actor_id,
        )
    )
    asset = await _public(session, row)
    announce(session, hub, _changed(principal.organization_id, asset))
    return asset, True


async def add_version(
    *,
    session: AsyncSession,
    principal: Principal,
    store: AssetStore,
    hub: LiveHub,
    asset_id: uuid.UUID,
    content: bytes,
    content_type: str | None,
) -> tuple[dict[str, Any], bool]:
    """A new version of the same kind goes back to review; the current bytes again change nothing."""
    row = await _row(session, principal, asset_id, lock=True)
    checked = rules.check_upload(content=content, declared_type=content_type)
    if checked.kind != row.kind:
        raise invalid("/file", f"a new version of a {row.kind} asset must be a {row.kind}")
    current = await session.scalar(
        select(v.c.sha256).where(v.c.asset_id == asset_id, v.c.version == row.current_version)
    )
    if current == checked.sha256:
        return await _public(session, row), False
    await store.put(sha256=checked.sha256, content=content)
    version = row.current_version + 1
    await session.execute(
        v.insert().values(
            asset_id=asset_id,
            version=version,
            organization_id=row.organization_id,
            project_id=row.project_id,
            sha256=checked.sha256,
            content_type=checked.content_type,
            size_bytes=checked.size_bytes,
            created_by=principal.actor_id,
        )
    )
    updated = (
        await session.execute(
            update(a)
            .where(a.c.id == asset_id)
            .values(
                current_version=version,
                status="pending_review",
                review_note=None,
                reviewed_by=None,
                reviewed_at=None,
                updated_at=func.now(),
            )
            .returning(a)
        )
    ).one()
    asset = await _public(session, updated)
    announce(session, hub, _changed(principal.organization_id, asset))
    return asset, True


async def get_asset(*, session: AsyncSession, principal: Principal, asset_id: uuid.UUID) -> dict[str, Any]:
    return await _public(session, await _row(session, principal, asset_id))


async def list_assets(
    *, session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> list[dict[str, Any]]:
    await tenancy.require_project(session, organization_id=principal.organization_id, project_id=project_id)
    rows = await session.execute(
        select(a)
        .where(a.c.organization_id == principal.organization_id, a.c.project_id == project_id)
        .order_by(a.c.created_at.desc())
    )
    return [await _public(session, row) for row in rows]


async def asset_content(
    *,
    session: AsyncSession,
    principal: Principal,
    store: AssetStore,
    asset_id: uuid.UUID,
    version: int | None = None,
) -> tuple[bytes, str, str]:
    """(bytes, content type, sha256) of the current or a given version."""
    row = await _row(session, principal, asset_id)
    found = (
        await session.execute(
            select(v.c.sha256, v.c.content_type).where(
                v.c.asset_id == asset_id, v.c.version == (version or row.current_version)
            )
        )
    ).first()
    if found is None:
        raise NotFound("asset version not found")
    return await store.get(found.sha256), found.content_type, found.sha256


async def review_asset(
    *,
    session: AsyncSession,
    principal: Principal,
    hub: LiveHub,
    asset_id: uuid.UUID,
    decision: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Approve or reject the current version; 409 when it already has that decision."""
    if note is not None and len(note) > 2000:
        raise invalid("/note", "the note may be at most 2000 characters")
    row = await _row(session, principal, asset_id, lock=True)
    status = rules.review(row.status, "approve" if decision == "approve" else "reject")
    updated = (
        await session.execute(
            update(a)
            .where(a.c.id == asset_id)
            .values(
                status=status,
                review_note=note,
                reviewed_by=principal.actor_id,
                reviewed_at=func.now(),
                updated_at=func.now(),
            )
            .returning(a)
        )
    ).one()
    asset = await _public(session, updated)
    announce(session, hub, _changed(principal.organization_id, asset))
    return asset
