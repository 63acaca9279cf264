"""`/organizations/{org_id}/members`: who belongs to an organization, with which role."""

from __future__ import annotations

import uuid

from fastapi import Request, Response, status

from zamc_gateway.api.deps import MembersAdmin, ReadPrincipal, SessionDep, forget_principals
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import MemberCreate, MemberPublic
from zamc_gateway.service_layer import organizations

router = GatewayRouter(prefix="/organizations/{org_id}", tags=["organizations"])


@router.get("/members")
async def list_members(
    org_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> list[MemberPublic]:
    return await organizations.list_members(session=session, principal=principal)


@router.post("/members", status_code=status.HTTP_201_CREATED)
async def add_member(
    org_id: uuid.UUID, body: MemberCreate, session: SessionDep, principal: MembersAdmin
) -> MemberPublic:
    return await organizations.add_member(
        session=session, principal=principal, email=body.email, role=body.role
    )


@router.delete("/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    org_id: uuid.UUID, user_id: uuid.UUID, request: Request, session: SessionDep, principal: MembersAdmin
) -> Response:
    await organizations.remove_member(session=session, principal=principal, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=forget_principals(request))
