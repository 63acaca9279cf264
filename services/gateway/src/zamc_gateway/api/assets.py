"""`/projects/{id}/assets` and `/assets/{id}`: creative assets, their versions and their review."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body, File, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from zamc_gateway.adapters import live_assets as service
from zamc_gateway.api.deps import ReadPrincipal, SessionDep, WritePrincipal
from zamc_gateway.api.live import AssetStoreDep, HubDep
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.domain import assets as rules

router = GatewayRouter(tags=["assets"])

READ_LIMIT = max(rules.MAX_IMAGE_BYTES, rules.MAX_TEXT_BYTES) + 1


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


async def _read(file: UploadFile) -> bytes:
    """At most one byte more than the largest asset allowed: enough to tell it is too large."""
    return await file.read(READ_LIMIT)


@router.post("/projects/{project_id}/assets", status_code=status.HTTP_201_CREATED, tags=["projects"])
async def upload_asset(
    project_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="an image (PNG, JPEG, GIF, WebP) or UTF-8 text")],
    session: SessionDep,
    principal: WritePrincipal,
    store: AssetStoreDep,
    hub: HubDep,
    response: Response,
    name: Annotated[str | None, Form(max_length=rules.MAX_NAME_LENGTH)] = None,
) -> dict[str, Any]:
    """201 with the new asset; 200 with the existing one when the project already has these bytes."""
    asset, created = await service.upload_asset(
        session=session,
        principal=principal,
        store=store,
        hub=hub,
        project_id=project_id,
        content=await _read(file),
        content_type=file.content_type,
        name=name or file.filename,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return asset


@router.get("/projects/{project_id}/assets", tags=["projects"])
async def list_assets(
    project_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> list[dict[str, Any]]:
    return await service.list_assets(session=session, principal=principal, project_id=project_id)


@router.get("/assets/{asset_id}")
async def get_asset(asset_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal) -> dict[str, Any]:
    return await service.get_asset(session=session, principal=principal, asset_id=asset_id)


@router.get("/assets/{asset_id}/content", response_class=Response)
async def asset_content(
    asset_id: uuid.UUID,
    session: SessionDep,
    principal: ReadPrincipal,
    store: AssetStoreDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The bytes of the current (or a given) version; `ETag` is their sha256."""
    content, content_type, sha256 = await service.asset_content(
        session=session, principal=principal, store=store, asset_id=asset_id, version=version
    )
    return Response(
        content,
        media_type=content_type,
        headers={
            "ETag": f'"{sha256}"',
            "Cache-Control": "private, max-age=31536000, immutable" if version else "private, no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


@router.post("/assets/{asset_id}/versions", status_code=status.HTTP_201_CREATED)
async def add_version(
    asset_id: uuid.UUID,
    file: Annotated[UploadFile, File()],
    session: SessionDep,
    principal: WritePrincipal,
    store: AssetStoreDep,
    hub: HubDep,
    response: Response,
) -> dict[str, Any]:
    """201 with the new version (back to review); 200 unchanged when the bytes equal the current ones."""
    asset, created = await service.add_version(
        session=session,
        principal=principal,
        store=store,
        hub=hub,
        asset_id=asset_id,
        content=await _read(file),
        content_type=file.content_type,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return asset


@router.post("/assets/{asset_id}/approve")
async def approve_asset(
    asset_id: uuid.UUID,
    session: SessionDep,
    principal: WritePrincipal,
    hub: HubDep,
    body: Annotated[Review | None, Body()] = None,
) -> dict[str, Any]:
    return await service.review_asset(
        session=session,
        principal=principal,
        hub=hub,
        asset_id=asset_id,
        decision="approve",
        note=body and body.note,
    )


@router.post("/assets/{asset_id}/reject")
async def reject_asset(
    asset_id: uuid.UUID,
    session: SessionDep,
    principal: WritePrincipal,
    hub: HubDep,
    body: Annotated[Review | None, Body()] = None,
) -> dict[str, Any]:
    return await service.review_asset(
        session=session,
        principal=principal,
        hub=hub,
        asset_id=asset_id,
        decision="reject",
        note=body and body.note,
    )
