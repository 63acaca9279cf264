"""Changes to deployed Meta campaigns: launch, budget, status, rollback."""

from __future__ import annotations

from typing import Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_meta.adapters import db
from zamc_connector_meta.adapters.graph import GraphCallFailed, GraphClient, ReauthorizationNeeded
from zamc_connector_meta.domain.budget import split_budget
from zamc_connector_meta.domain.linking import graph_account_id, token_rejected_reason
from zamc_connector_meta.domain.money import micros_to_minor_units
from zamc_connector_meta.service_layer.context import Connector
from zamc_connector_meta.service_layer.deployment import delete_recorded
from zamc_events.contracts.base import Envelope
from zamc_events.contracts.campaign import (
    BudgetUpdateRequested,
    CampaignChanged,
    CampaignChangeFailed,
    LaunchRequested,
    PlatformChangeCommand,
    RollbackRequested,
    StatusUpdateRequested,
)
from zamc_events.contracts.common import PlatformError

log = structlog.get_logger("zamc.connector_meta.changes")

Change = Literal["rollback", "launch", "budget", "status"]
STATUS_TO_META = {"ENABLED": "ACTIVE", "PAUSED": "PAUSED"}
KIND_TO_NODE = {"campaign": "campaign", "ad_set": "ad_set", "ad_group": "ad_set", "ad": "ad"}


class ChangeRejected(Exception):
    def __init__(self, error: PlatformError) -> None:
        super().__init__(error.message)
        self.error = error


async def apply_change(
    *,
    connector: Connector,
    session: AsyncSession,
    command: PlatformChangeCommand,
    change: Change,
    caused_by: Envelope | None,
) -> None:
    account_id = graph_account_id(command.account_external_id)

    async def failed(error: PlatformError) -> None:
        log.warning("meta change failed", change=change, change_id=str(command.change_id), code=error.code)
        await connector.runtime.publisher.emit(
            session,
            CampaignChangeFailed(
                change_id=command.change_id,
                deployment_id=command.deployment_id,
                platform="meta",
                account_external_id=command.account_external_id,
                change=change,
                error=error,
            ),
            caused_by=caused_by,
        )

    found = await db.connection_for_account(session, account_id)
    if found is None or found[0].status != "active":
        code = "account_not_linked" if found is None else "reauthorization_required"
        await failed(
            PlatformError(code=code, message=f"Meta ad account {account_id} cannot be called: {code}")
        )
        return
    connection, account = found
    client = connector.client(connection)
    try:
        changed = await _CHANGES[change](
            connector=connector, session=session, client=client, account=account, command=command
        )
    except ReauthorizationNeeded as error:
        reason = token_rejected_reason(error.failure.user_text())
        await connector.require_reauthorization(session, connection, reason=reason, caused_by=caused_by)
        await failed(error.failure.to_platform_error())
        return
    except GraphCallFailed as error:
        await failed(error.failure.to_platform_error())
        return
    except ChangeRejected as error:
        await failed(error.error)
        return
    await connector.runtime.publisher.emit(
        session,
        CampaignChanged(
            change_id=command.change_id,
            deployment_id=command.deployment_id,
            platform="meta",
            account_external_id=command.account_external_id,
            change=change,
            **changed,
        ),
        caused_by=caused_by,
    )


def _changed(ids: list[str], **extra: object) -> dict:
    return {"platform_campaign_ids": ids, **extra}


async def _launch(
    *,
    connector: Connector,
    session: AsyncSession,
    client: GraphClient,
    account: db.LinkedAccount,
    command: LaunchRequested,
) -> dict:
    records = await db.objects_under_campaigns(session, account.account_id, command.platform_campaign_ids)
    # children first, so nothing starts delivering before its whole tree is live
    for kind in ("ad", "ad_set"):
        for record in [r for r in records if r.kind == kind and r.platform_id]:
            await client.update(kind, record.platform_id, {"status": "ACTIVE"}, account=account.account_id)
    for campaign_id in command.platform_campaign_ids:
        await client.update("campaign", campaign_id, {"status": "ACTIVE"}, account=account.account_id)
    return _changed(list(command.platform_campaign_ids), status="ENABLED")


async def _rollback(
    *,
    connector: Connector,
    session: AsyncSession,
    client: GraphClient,
    account: db.LinkedAccount,
    command: RollbackRequested,
) -> dict:
    records = await db.objects_under_campaigns(session, account.account_id, command.platform_campaign_ids)
    if not await delete_recorded(
        connector=connector, client=client, account_id=account.account_id, records=records
    ):
        raise ChangeRejected(
            PlatformError(
                code="rollback_incomplete", message="some objects could not be deleted", retryable=True
            )
        )
    recorded = {r.platform_id for r in records if r.kind == "campaign"}
    for campaign_id in [c for c in command.platform_campaign_ids if c not in recorded]:
        await client.delete("campaign", campaign_id, account=account.account_id)
    await db.mark_deleted_by_platform_ids(session, account.account_id, command.platform_campaign_ids)
    return _changed(list(command.platform_campaign_ids), status="REMOVED")


async def _budget(
    *,
    connector: Connector,
    session: AsyncSession,
    client: GraphClient,
    account: db.LinkedAccount,
    command: BudgetUpdateRequested,
) -> dict:
    total = micros_to_minor_units(command.daily_budget_micros, account.currency)
    campaign_id = command.platform_campaign_id
    campaign = await client.read(
        "campaign", campaign_id, ["daily_budget", "lifetime_budget"], account=account.account_id
    )
    if campaign.get("daily_budget"):  # a campaign budget (Advantage+): change it there
        await client.update("campaign", campaign_id, {"daily_budget": total}, account=account.account_id)
    else:
        ad_sets = [
            a
            for a in await client.ad_sets_of(
                campaign_id, ["id", "daily_budget", "status"], account=account.account_id
            )
            if a.get("status") not in ("DELETED", "ARCHIVED")
        ]
        if not ad_sets:
            raise ChangeRejected(
                PlatformError(
                    code="no_ad_sets",
                    message=f"campaign {campaign_id} has no ad set to carry a daily budget",
                    field="platform_campaign_id",
                )
            )
        shares = split_budget(total, {str(a["id"]): int(a.get("daily_budget") or 0) for a in ad_sets})
        for ad_set_id, amount in shares.items():
            await client.update("ad_set", ad_set_id, {"daily_budget": amount}, account=account.account_id)
    return _changed([campaign_id], daily_budget_micros=command.daily_budget_micros)


async def _status(
    *,
    connector: Connector,
    session: AsyncSession,
    client: GraphClient,
    account: db.LinkedAccount,
    command: StatusUpdateRequested,
) -> dict:
    kind = KIND_TO_NODE[command.object_kind]
    if command.status == "REMOVED":
        await client.delete(kind, command.platform_object_id, account=account.account_id)
        await db.mark_deleted_by_platform_ids(session, account.account_id, [command.platform_object_id])
    else:
        await client.update(
            kind,
            command.platform_object_id,
            {"status": STATUS_TO_META[command.status]},
            account=account.account_id,
        )
    return _changed([command.platform_object_id], status=command.status)


_CHANGES = {"launch": _launch, "rollback": _rollback, "budget": _budget, "status": _status}
