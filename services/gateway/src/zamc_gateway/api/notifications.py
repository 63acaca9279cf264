"""`/notifications`: the caller's own notifications in the current organization."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query

from zamc_gateway.adapters import live_notifications as service
from zamc_gateway.api.deps import ReadPrincipal, SessionDep
from zamc_gateway.api.live import HubDep
from zamc_gateway.api.routing import GatewayRouter

router = GatewayRouter(prefix="/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(
    session: SessionDep,
    principal: ReadPrincipal,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Newest first: `{items, unread_count}`; page with `before=<id of the last item>`."""
    return await service.list_notifications(
        session=session, principal=principal, unread_only=unread, limit=limit, before=before
    )


@router.get("/unread-count")
async def unread_count(session: SessionDep, principal: ReadPrincipal) -> dict[str, int]:
    return {"unread_count": await service.unread_count(session=session, principal=principal)}


@router.post("/read-all")
async def mark_all_read(session: SessionDep, principal: ReadPrincipal, hub: HubDep) -> dict[str, Any]:
    return await service.mark_all_read(session=session, principal=principal, hub=hub)


@router.post("/{notification_id}/read")
async def mark_read(
    notification_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal, hub: HubDep
) -> dict[str, Any]:
    """Reading is not a change to the organization's resources, so viewers may do it too."""
    return await service.mark_read(
        session=session, principal=principal, hub=hub, notification_id=notification_id
    )
