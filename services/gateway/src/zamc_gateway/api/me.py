"""`/me`: who the caller is and the organizations they belong to."""

from __future__ import annotations

from zamc_gateway.api.deps import CurrentIdentity, ReadsDep
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import MePublic
from zamc_gateway.service_layer import identity

router = GatewayRouter(tags=["me"])


@router.get("/me")
async def me(reads: ReadsDep, caller: CurrentIdentity) -> MePublic:
    async with reads.connect() as connection:
        return await identity.me(session=connection, identity=caller)
