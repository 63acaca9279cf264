"""`/strategies/{id}`: read a version, edit (new version, platform limits checked), approve."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body, Header, Query

from zamc_gateway.api.deps import PublisherDep, ReadPrincipal, SessionDep, WritePrincipal
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.domain.errors import invalid
from zamc_gateway.schemas import ApproveRequest, StrategyPublic
from zamc_gateway.service_layer import strategies

router = GatewayRouter(prefix="/strategies", tags=["strategies"])


@router.get("/{strategy_id}")
async def get_strategy(
    strategy_id: uuid.UUID,
    session: SessionDep,
    principal: ReadPrincipal,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> StrategyPublic:
    return await strategies.get_strategy(
        session=session, principal=principal, strategy_id=strategy_id, version=version
    )


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise invalid("If-Match", 'must be the version being edited, e.g. "3"') from None


@router.patch("/{strategy_id}")
async def revise_strategy(
    strategy_id: uuid.UUID,
    session: SessionDep,
    publisher: PublisherDep,
    principal: WritePrincipal,
    patch: Annotated[
        dict[str, Any],
        Body(
            description="JSON merge patch (RFC 7396) of the CampaignStrategy; lists are replaced whole.",
            examples=[{"rationale": "Focus on city runners"}],
        ),
    ],
    if_match: Annotated[str | None, Header(max_length=20)] = None,
) -> StrategyPublic:
    """Creates the next version; 422 names each field that breaks a platform limit; `If-Match: "<version>"`
    makes the edit conditional (409 if someone else edited first)."""
    return await strategies.revise_strategy(
        session=session,
        principal=principal,
        publisher=publisher,
        strategy_id=strategy_id,
        patch=patch,
        expected_version=_version(if_match),
    )


@router.post("/{strategy_id}/approve")
async def approve_strategy(
    strategy_id: uuid.UUID,
    session: SessionDep,
    publisher: PublisherDep,
    principal: WritePrincipal,
    body: ApproveRequest | None = None,
) -> StrategyPublic:
    return await strategies.approve_strategy(
        session=session,
        principal=principal,
        publisher=publisher,
        strategy_id=strategy_id,
        version=body.version if body else None,
    )
