"""`/campaigns`: live platform campaigns; pause, resume and budget changes go to the connectors."""

from __future__ import annotations

import uuid

from fastapi import status

from zamc_gateway.api.deps import PublisherDep, ReadPrincipal, SessionDep, WritePrincipal
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.schemas import CampaignChangeAccepted, CampaignPatch, CampaignPublic
from zamc_gateway.service_layer import campaigns

router = GatewayRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("")
async def list_campaigns(
    session: SessionDep, principal: ReadPrincipal, project_id: uuid.UUID | None = None
) -> list[CampaignPublic]:
    return await campaigns.list_campaigns(session=session, principal=principal, project_id=project_id)


@router.get("/{campaign_id}")
async def get_campaign(
    campaign_id: uuid.UUID, session: SessionDep, principal: ReadPrincipal
) -> CampaignPublic:
    return await campaigns.get_campaign(session=session, principal=principal, campaign_id=campaign_id)


@router.post("/{campaign_id}/pause", status_code=status.HTTP_202_ACCEPTED)
async def pause_campaign(
    campaign_id: uuid.UUID, session: SessionDep, publisher: PublisherDep, principal: WritePrincipal
) -> CampaignChangeAccepted:
    return await campaigns.request_status(
        session=session, principal=principal, publisher=publisher, campaign_id=campaign_id, status="PAUSED"
    )


@router.post("/{campaign_id}/resume", status_code=status.HTTP_202_ACCEPTED)
async def resume_campaign(
    campaign_id: uuid.UUID, session: SessionDep, publisher: PublisherDep, principal: WritePrincipal
) -> CampaignChangeAccepted:
    return await campaigns.request_status(
        session=session, principal=principal, publisher=publisher, campaign_id=campaign_id, status="ENABLED"
    )


@router.patch("/{campaign_id}", status_code=status.HTTP_202_ACCEPTED)
async def update_campaign(
    campaign_id: uuid.UUID,
    body: CampaignPatch,
    session: SessionDep,
    publisher: PublisherDep,
    principal: WritePrincipal,
) -> CampaignChangeAccepted:
    """`{"daily_budget": 25.5}` (currency units) or `{"daily_budget_micros": 25500000}`."""
    return await campaigns.request_budget(
        session=session, principal=principal, publisher=publisher, campaign_id=campaign_id, patch=body
    )
