"""`/me`: who the caller is and the organizations they belong to."""

from __future__ import annotations

from fastapi import APIRouter

from zamc_gateway.api.deps import CurrentIdentity, SessionDep
from zamc_gateway.schemas import MePublic
from zamc_gateway.service_layer import identity

router = APIRouter(tags=["me"])


@router.get("/me")
async def me(session: SessionDep, caller: CurrentIdentity) -> MePublic:
    return await identity.me(session=session, identity=caller)
