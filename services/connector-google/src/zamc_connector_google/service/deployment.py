"""Deploying a strategy's Google campaigns: look up before create, validate, one atomic mutate, record.

Idempotency: a repeated command (same deployment) is answered from the `deployments` table. After a
crash between the platform call and the commit, the redelivered command finds each campaign by the
tag in its name and maps the existing tree onto the plan instead of creating it again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_google.adapters import db
from zamc_connector_google.adapters.google_ads import plan_operations, status_operations
from zamc_connector_google.domain.deployment import (
    CampaignPlan,
    CreatedObject,
    DeploymentPlan,
    DeploymentResult,
    IncompleteTreeError,
    PlannedObject,
    match_existing,
    plan_deployment,
)
from zamc_connector_google.domain.errors import (
    PlatformCallError,
    has_duplicate_name,
    policy_findings,
    to_platform_error,
)
from zamc_connector_google.domain.targeting import UnknownTargetError
from zamc_connector_google.service.access import Account, AccountNotLinked, Connector, ReauthorizationNeeded
from zamc_events.contracts.base import Envelope, model_for
from zamc_events.contracts.campaign import CampaignDeployed, CampaignDeployFailed, GoogleAdsDeployRequested
from zamc_events.contracts.common import PlatformError
from zamc_events.runtime.faults import crash_point

log = structlog.get_logger("zamc.connector_google.deployment")
CRASH_AFTER_MUTATE = "connector_google.deploy.after_mutate"


class _Failed(Exception):
    def __init__(self, error: PlatformError) -> None:
        super().__init__(error.message)
        self.error = error


async def deploy(
    *,
    connector: Connector,
    session: AsyncSession,
    command: GoogleAdsDeployRequested,
    caused_by: Envelope[Any],
) -> None:
    if await _answer_again(
        connector=connector, session=session, deployment_id=command.deployment_id, caused_by=caused_by
    ):
        return
    result = DeploymentResult()
    account: Account | None = None
    try:
        account = await _account(connector, session, command)
        plan = _plan(command, account)
        await _create(
            connector=connector,
            session=session,
            account=account,
            plans=plan.campaigns,
            result=result,
            caused_by=caused_by,
        )
    except _Failed as failed:
        cleaned_up = True
        if result.created and account is not None:  # found from an earlier attempt: all or nothing
            cleaned_up = await _remove_created(connector, session, account, result, caused_by)
        await _answer(
            connector=connector,
            session=session,
            command=command,
            caused_by=caused_by,
            event=CampaignDeployFailed(
                deployment_id=command.deployment_id,
                platform="google_ads",
                account_external_id=command.account_external_id,
                error=failed.error,
                cleaned_up=cleaned_up,
            ),
        )
        log.info("deployment failed", deployment_id=str(command.deployment_id), code=failed.error.code)
        return
    await _record(session, command.deployment_id, account.customer_id, result.created)
    await _answer(
        connector=connector,
        session=session,
        command=command,
        caused_by=caused_by,
        event=CampaignDeployed(
            deployment_id=command.deployment_id,
            platform="google_ads",
            account_external_id=command.account_external_id,
            platform_campaign_ids=result.campaign_ids(),
            objects=result.platform_objects(),
        ),
    )
    log.info("deployed", deployment_id=str(command.deployment_id), campaigns=result.campaign_ids())


async def _account(connector: Connector, session: AsyncSession, command: GoogleAdsDeployRequested) -> Account:
    try:
        return await connector.account(
            session, command.account_external_id, connection_id=command.connection_id
        )
    except AccountNotLinked:
        raise _Failed(
            PlatformError(
                code="ACCOUNT_NOT_LINKED",
                message=f"Google Ads account {command.account_external_id} is not linked to ZAMC. Connect it first.",
            )
        ) from None
    except ReauthorizationNeeded as needed:
        raise _Failed(PlatformError(code="REAUTHORIZATION_REQUIRED", message=needed.reason)) from None


def _plan(command: GoogleAdsDeployRequested, account: Account) -> DeploymentPlan:
    if not command.campaigns:
        raise _Failed(
            PlatformError(code="NOTHING_TO_DEPLOY", message="The command holds no Google campaign.")
        )
    try:
        return plan_deployment(
            campaigns=command.campaigns,
            key_prefix=command.key_prefix,
            currency=account.currency,
            start_date=getattr(command, "start_date", None),  # optional fields a later command may carry
            end_date=getattr(command, "end_date", None),
        )
    except UnknownTargetError as unknown:
        raise _Failed(
            PlatformError(
                code=f"UNSUPPORTED_{unknown.kind.upper()}",
                message=f"ZAMC cannot target the {unknown.kind} {unknown.code!r} on Google Ads yet.",
                field=f"{unknown.kind}s",
            )
        ) from None


async def _create(
    *,
    connector: Connector,
    session: AsyncSession,
    account: Account,
    plans: tuple[CampaignPlan, ...],
    result: DeploymentResult,
    caused_by: Envelope[Any],
) -> None:
    api, settings = connector.api, connector.settings
    found: set[str] = set()
    attempt = 0
    looked_again = False
    while True:
        items: list[PlannedObject] = []
        try:
            pending = []
            for plan in plans:
                if plan.idempotency_key in found:
                    continue
                tree = await connector.call(
                    session,
                    account.connection_id,
                    "search",
                    lambda token, plan=plan: api.find_campaign_tree(
                        access_token=token,
                        login_customer_id=account.login_customer_id,
                        customer_id=account.customer_id,
                        tag=plan.tag,
                    ),
                    caused_by=caused_by,
                )
                if tree is None:
                    pending.append(plan)
                    continue
                try:
                    result.created.extend(match_existing(plan, tree))
                except IncompleteTreeError as incomplete:
                    raise _Failed(
                        PlatformError(code="DEPLOYMENT_EDITED_ON_PLATFORM", message=str(incomplete))
                    ) from None
                found.add(plan.idempotency_key)
                log.info("found campaign created before a restart", campaign=plan.campaign_key)
            if not pending:
                return
            items = [o for plan in pending for o in plan.objects]

            def mutate(token, validate_only: bool, items: list[PlannedObject] = items) -> list[str]:
                return api.mutate(
                    access_token=token,
                    login_customer_id=account.login_customer_id,
                    customer_id=account.customer_id,
                    build=lambda client: plan_operations(client, account.customer_id, items),
                    validate_only=validate_only,
                )

            await connector.call(
                session,
                account.connection_id,
                "mutate_validate_only",
                lambda t: mutate(t, True),
                caused_by=caused_by,
            )
            names = await connector.call(
                session,
                account.connection_id,
                "mutate",
                lambda t: mutate(t, False),
                retry=False,
                caused_by=caused_by,
            )
            crash_point(CRASH_AFTER_MUTATE)
            result.created.extend(CreatedObject(item, name) for item, name in zip(items, names, strict=True))
            return
        except PlatformCallError as error:
            failure = error.failure
            if failure.outcome in ("rate_limited", "transient") and attempt + 1 < settings.max_attempts:
                # the mutate may have been applied before the error reached us: look up again first
                await connector.back_off(
                    attempt, rate_limited=failure.outcome == "rate_limited", operation="deploy"
                )
                attempt += 1
                continue
            if has_duplicate_name(failure) and not looked_again:
                # names carry the deployment's tags: a name taken since the look-up is most likely this
                # deployment's own campaign (a concurrent delivery of the command) — look up once more
                log.info("names already taken: looking the campaigns up again", codes=failure.code)
                looked_again = True
                continue
            platform_error = to_platform_error(failure, operations=items)
            findings = policy_findings(failure, operations=items)
            if findings:
                platform_error = platform_error.model_copy(
                    update={"message": platform_error.message + " Policy findings: " + "; ".join(findings)}
                )
            raise _Failed(platform_error) from None
        except ReauthorizationNeeded as needed:
            raise _Failed(PlatformError(code="REAUTHORIZATION_REQUIRED", message=needed.reason)) from None


async def _remove_created(
    connector: Connector,
    session: AsyncSession,
    account: Account,
    result: DeploymentResult,
    caused_by: Envelope[Any],
) -> bool:
    campaigns = [c.resource_name for c in result.created if c.item.kind == "campaign"]
    budgets = [c.resource_name for c in result.created if c.item.kind == "budget"]
    try:
        await connector.call(
            session,
            account.connection_id,
            "mutate",
            lambda token: connector.api.mutate(
                access_token=token,
                login_customer_id=account.login_customer_id,
                customer_id=account.customer_id,
                build=lambda client: (
                    status_operations(client, "campaign", campaigns, "REMOVED")
                    + status_operations(client, "budget", budgets, "REMOVED")
                ),
            ),
            caused_by=caused_by,
        )
    except (PlatformCallError, ReauthorizationNeeded):
        log.warning("could not remove campaigns of a failed deployment", campaigns=campaigns)
        return False
    return True


async def _record(
    session: AsyncSession, deployment_id: uuid.UUID, customer_id: str, created: list[CreatedObject]
) -> None:
    objects = DeploymentResult(created).platform_objects()
    rows = [
        {
            "idempotency_key": o.idempotency_key,
            "deployment_id": deployment_id,
            "customer_id": customer_id,
            "kind": o.kind,
            "strategy_key": o.strategy_key,
            "platform_id": o.platform_id,
            "parent_platform_id": o.parent_platform_id,
            "resource_name": c.resource_name,
        }
        for o, c in zip(objects, created, strict=True)
    ]
    if rows:
        await session.execute(pg_insert(db.platform_objects).on_conflict_do_nothing(), rows)


async def _answer(
    *,
    connector: Connector,
    session: AsyncSession,
    command: GoogleAdsDeployRequested,
    caused_by: Envelope[Any],
    event: CampaignDeployed | CampaignDeployFailed,
) -> None:
    status = "deployed" if isinstance(event, CampaignDeployed) else "failed"
    values = {
        "customer_id": command.account_external_id,
        "status": status,
        "answer_subject": event.subject,
        "answer": event.model_dump(mode="json"),
        "updated_at": datetime.now(UTC),
    }
    await session.execute(
        pg_insert(db.deployments)
        .values(deployment_id=command.deployment_id, **values)
        .on_conflict_do_update(index_elements=[db.deployments.c.deployment_id], set_=values)
    )
    await connector.emit(session, event, caused_by=caused_by)


async def _answer_again(
    *, connector: Connector, session: AsyncSession, deployment_id: uuid.UUID, caused_by: Envelope[Any]
) -> bool:
    row = (
        (await session.execute(select(db.deployments).where(db.deployments.c.deployment_id == deployment_id)))
        .mappings()
        .one_or_none()
    )
    if row is None or row["status"] == "failed":  # a failed deployment may be retried
        return False
    await connector.emit(
        session, model_for(row["answer_subject"]).model_validate(row["answer"]), caused_by=caused_by
    )
    return True
