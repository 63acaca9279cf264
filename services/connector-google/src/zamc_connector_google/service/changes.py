"""Changes to deployed campaigns: rollback, launch, budget, status and bid target; each answered once per
change_id (bid targets with their own answer events, the others with `campaign.changed`)."""

from __future__ import annotations

from typing import Any, Literal

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_google.adapters import db
from zamc_connector_google.adapters.google_ads import (
    CampaignState,
    budget_operation,
    campaign_field_operation,
    status_operations,
)
from zamc_connector_google.domain.bidding import BidTarget, BidTargetRefused, target_field
from zamc_connector_google.domain.deployment import whole_units
from zamc_connector_google.domain.errors import PlatformCallError, to_platform_error
from zamc_connector_google.service.access import Account, AccountNotLinked, Connector, ReauthorizationNeeded
from zamc_events.contracts.base import Envelope, model_for
from zamc_events.contracts.campaign import (
    BidTargetUpdateRequested,
    BudgetUpdateRequested,
    CampaignBidTargetChanged,
    CampaignBidTargetChangeFailed,
    CampaignChanged,
    CampaignChangeFailed,
    LaunchRequested,
    PlatformChangeCommand,
    RollbackRequested,
    StatusUpdateRequested,
)
from zamc_events.contracts.common import PlatformError

log = structlog.get_logger("zamc.connector_google.changes")
Change = Literal["rollback", "launch", "budget", "status", "bid_target"]
Answer = CampaignChanged | CampaignChangeFailed | CampaignBidTargetChanged | CampaignBidTargetChangeFailed


class _Failed(Exception):
    def __init__(self, error: PlatformError) -> None:
        super().__init__(error.message)
        self.error = error


async def apply_change(
    *,
    connector: Connector,
    session: AsyncSession,
    command: PlatformChangeCommand,
    change: Change,
    caused_by: Envelope[Any],
) -> None:
    stored = (
        (await session.execute(select(db.changes).where(db.changes.c.change_id == command.change_id)))
        .mappings()
        .one_or_none()
    )
    if stored is not None:  # the same change again: the same answer, no calls
        answer = model_for(stored["answer_subject"]).model_validate(stored["answer"])
        await connector.emit(session, answer, caused_by=caused_by)
        return
    try:
        account = await _account(connector, session, command)
        changed = await _apply(connector, session, account, command, change, caused_by)
    except _Failed as failed:
        answer: Answer = _failure(command, change, failed.error)
        log.info("change failed", change=change, change_id=str(command.change_id), code=failed.error.code)
    else:
        answer = changed
        log.info("change applied", change=change, change_id=str(command.change_id))
    await session.execute(
        pg_insert(db.changes)
        .values(
            change_id=command.change_id,
            change=change,
            customer_id=command.account_external_id,
            answer_subject=answer.subject,
            answer=answer.model_dump(mode="json"),
        )
        .on_conflict_do_nothing()
    )
    await connector.emit(session, answer, caused_by=caused_by)


def _answer_fields(command: PlatformChangeCommand) -> dict[str, Any]:
    """What every answer to a change command repeats from it."""
    return {
        "change_id": command.change_id,
        "deployment_id": command.deployment_id,
        "platform": "google_ads",
        "account_external_id": command.account_external_id,
    }


def _failure(command: PlatformChangeCommand, change: Change, error: PlatformError) -> Answer:
    common = {**_answer_fields(command), "error": error}
    if isinstance(command, BidTargetUpdateRequested):
        return CampaignBidTargetChangeFailed(**common, platform_campaign_id=command.platform_campaign_id)
    return CampaignChangeFailed(**common, change=change)


async def _account(connector: Connector, session: AsyncSession, command: PlatformChangeCommand) -> Account:
    try:
        return await connector.account(session, command.account_external_id)
    except AccountNotLinked:
        raise _Failed(
            PlatformError(
                code="ACCOUNT_NOT_LINKED",
                message=f"Google Ads account {command.account_external_id} is not linked to ZAMC.",
            )
        ) from None
    except ReauthorizationNeeded as needed:
        raise _Failed(PlatformError(code="REAUTHORIZATION_REQUIRED", message=needed.reason)) from None


async def _apply(
    connector: Connector,
    session: AsyncSession,
    account: Account,
    command: PlatformChangeCommand,
    change: Change,
    caused_by: Envelope[Any],
) -> CampaignChanged | CampaignBidTargetChanged:
    api = connector.api

    async def call(operation: str, fn):
        try:
            return await connector.call(session, account.connection_id, operation, fn, caused_by=caused_by)
        except PlatformCallError as error:
            raise _Failed(to_platform_error(error.failure)) from None
        except ReauthorizationNeeded as needed:
            raise _Failed(PlatformError(code="REAUTHORIZATION_REQUIRED", message=needed.reason)) from None

    async def states(ids: list[str], field: str = "platform_campaign_ids") -> dict[str, CampaignState]:
        invalid = [i for i in ids if not i.isdigit()]
        if invalid:
            raise _Failed(
                PlatformError(
                    code="INVALID_ID",
                    message=f"{', '.join(invalid)} is not a Google Ads campaign id.",
                    field=field,
                )
            )
        found = await call(
            "search",
            lambda token: api.campaign_states(
                access_token=token,
                login_customer_id=account.login_customer_id,
                customer_id=account.customer_id,
                campaign_ids=ids,
            ),
        )
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise _Failed(
                PlatformError(
                    code="CAMPAIGN_NOT_FOUND",
                    message=f"Campaign {', '.join(unknown)} does not exist in account {account.customer_id}.",
                    field=field,
                )
            )
        return found

    async def mutate(build) -> None:
        await call(
            "mutate",
            lambda token: api.mutate(
                access_token=token,
                login_customer_id=account.login_customer_id,
                customer_id=account.customer_id,
                build=build,
            ),
        )

    common = _answer_fields(command)
    base = {**common, "change": change}
    if isinstance(command, RollbackRequested):
        ids = list(
            dict.fromkeys([*command.platform_campaign_ids, *await _deployed_campaigns(session, command)])
        )
        current = await states(ids) if ids else {}
        live = [s for s in current.values() if s.status != "REMOVED"]
        if live:
            campaigns = [s.resource_name for s in live]
            budgets = list(dict.fromkeys(s.budget_resource_name for s in live if s.budget_resource_name))
            await mutate(lambda client: status_operations(client, "campaign", campaigns, "REMOVED"))
            if budgets:
                try:
                    await mutate(lambda client: status_operations(client, "budget", budgets, "REMOVED"))
                except _Failed as failed:  # a budget still shared elsewhere stays; the campaigns are gone
                    log.warning("budgets not removed", code=failed.error.code)
        if command.deployment_id is not None:
            await session.execute(
                update(db.deployments)
                .where(db.deployments.c.deployment_id == command.deployment_id)
                .values(status="rolled_back")
            )
        return CampaignChanged(**base, platform_campaign_ids=ids, status="REMOVED")
    if isinstance(command, LaunchRequested):
        current = await states(list(command.platform_campaign_ids))
        removed = [i for i, s in current.items() if s.status == "REMOVED"]
        if removed:
            raise _Failed(
                PlatformError(code="CAMPAIGN_REMOVED", message=f"Campaign {', '.join(removed)} was removed.")
            )
        paused = [s.resource_name for s in current.values() if s.status != "ENABLED"]
        if paused:
            await mutate(lambda client: status_operations(client, "campaign", paused, "ENABLED"))
        return CampaignChanged(
            **base, platform_campaign_ids=list(command.platform_campaign_ids), status="ENABLED"
        )
    if isinstance(command, BudgetUpdateRequested):
        state = (await states([command.platform_campaign_id], "platform_campaign_id"))[
            command.platform_campaign_id
        ]
        amount = whole_units(command.daily_budget_micros, account.currency)
        await mutate(lambda client: budget_operation(client, state.budget_resource_name, amount))
        return CampaignChanged(
            **base, platform_campaign_ids=[command.platform_campaign_id], daily_budget_micros=amount
        )
    if isinstance(command, StatusUpdateRequested):
        resource = await _resource_of(session, account, command)
        kind = command.object_kind
        await mutate(lambda client: status_operations(client, kind, [resource], command.status))
        campaign_ids = [command.platform_object_id] if kind == "campaign" else []
        return CampaignChanged(**base, platform_campaign_ids=campaign_ids, status=command.status)
    if isinstance(command, BidTargetUpdateRequested):
        campaign_id = command.platform_campaign_id
        state = (await states([campaign_id], "platform_campaign_id"))[campaign_id]
        if state.status == "REMOVED":
            raise _Failed(
                PlatformError(code="CAMPAIGN_REMOVED", message=f"Campaign {campaign_id} was removed.")
            )
        if command.target_roas is not None:
            target: BidTarget = "target_roas"
            value: float | int = command.target_roas
        else:
            target, value = "target_cpa_micros", whole_units(command.target_cpa_micros or 0, account.currency)
        try:
            path = target_field(
                campaign_id=campaign_id,
                target=target,
                bidding_strategy_type=state.bidding_strategy_type,
                portfolio_strategy=state.portfolio_strategy,
            )
        except BidTargetRefused as refused:
            raise _Failed(refused.error) from None
        await mutate(lambda client: campaign_field_operation(client, state.resource_name, path, value))
        return CampaignBidTargetChanged(**common, platform_campaign_id=campaign_id, **{target: value})
    raise _Failed(PlatformError(code="UNSUPPORTED_CHANGE", message=f"unsupported change {change}"))


async def _deployed_campaigns(session: AsyncSession, command: RollbackRequested) -> list[str]:
    if command.deployment_id is None:
        return []
    rows = await session.execute(
        select(db.platform_objects.c.platform_id).where(
            db.platform_objects.c.deployment_id == command.deployment_id,
            db.platform_objects.c.kind == "campaign",
        )
    )
    return [r for (r,) in rows]


async def _resource_of(session: AsyncSession, account: Account, command: StatusUpdateRequested) -> str:
    customer, object_id = account.customer_id, command.platform_object_id.strip()
    if command.object_kind in ("campaign", "ad_group") and not object_id.isdigit():
        raise _Failed(
            PlatformError(
                code="INVALID_ID",
                message=f"{object_id!r} is not a Google Ads id.",
                field="platform_object_id",
            )
        )
    if command.object_kind == "campaign":
        return f"customers/{customer}/campaigns/{object_id}"
    if command.object_kind == "ad_group":
        return f"customers/{customer}/adGroups/{object_id}"
    if command.object_kind == "ad":
        recorded = (
            await session.execute(
                select(db.platform_objects.c.resource_name).where(
                    db.platform_objects.c.customer_id == customer,
                    db.platform_objects.c.kind == "ad",
                    db.platform_objects.c.platform_id == object_id,
                )
            )
        ).scalar_one_or_none()
        if recorded:
            return recorded
        if "~" in object_id:
            return f"customers/{customer}/adGroupAds/{object_id}"
        raise _Failed(
            PlatformError(
                code="AD_NOT_FOUND",
                message=f"Ad {object_id} was not deployed by ZAMC; give it as <ad group id>~<ad id>.",
                field="platform_object_id",
            )
        )
    raise _Failed(
        PlatformError(
            code="UNSUPPORTED_OBJECT_KIND",
            message=f"Google Ads has no {command.object_kind}; use campaign, ad_group or ad.",
            field="object_kind",
        )
    )
