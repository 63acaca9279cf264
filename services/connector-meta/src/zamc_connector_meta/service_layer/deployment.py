"""Deploying a Meta plan object by object, recording each, cleaning up after a failure part-way.

Every object's key and platform id are committed in their own transaction as soon as Meta
answers; an object is first recorded as `pending`, so after a crash between Meta's answer and
that commit the next attempt looks the object up by the tag in its name instead of creating a
second one. The outcome event is written in the handler's transaction, with its inbox row.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from zamc_connector_meta.adapters import db
from zamc_connector_meta.adapters.assets import AssetUnavailable, read_asset
from zamc_connector_meta.adapters.graph import GraphCallFailed, GraphClient, ReauthorizationNeeded
from zamc_connector_meta.domain.deployment import (
    DELETE_ORDER,
    DeploymentPlan,
    PlannedObject,
    plan_deployment,
    platform_objects,
    resolve_params,
    tag_for,
)
from zamc_connector_meta.domain.errors import FailureKind
from zamc_connector_meta.domain.linking import graph_account_id, token_rejected_reason
from zamc_connector_meta.domain.placeholder import placeholder_png
from zamc_connector_meta.service_layer.context import Connector
from zamc_events.contracts.base import Envelope
from zamc_events.contracts.campaign import CampaignDeployed, CampaignDeployFailed, MetaDeployRequested
from zamc_events.contracts.common import PlatformError
from zamc_events.runtime.faults import crash_point

log = structlog.get_logger("zamc.connector_meta.deployment")


class DeployStepFailed(Exception):
    def __init__(self, error: PlatformError, *, reauthorize: str | None = None) -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.error = error
        self.reauthorize = reauthorize


def _step_error(obj: PlannedObject, failure_error: PlatformError) -> PlatformError:
    fault = failure_error.field
    return failure_error.model_copy(
        update={
            "message": f"{obj.kind.replace('_', ' ')} {obj.strategy_key}: {failure_error.message}",
            "field": f"{obj.strategy_key}.{fault}" if fault else obj.strategy_key,
        }
    )


@dataclass
class DeploymentRun:
    connector: Connector
    client: GraphClient
    command: MetaDeployRequested
    account_id: str
    plan: DeploymentPlan
    ids: dict[str, str] = field(default_factory=dict)

    async def execute(self) -> dict[str, str]:
        for obj in self.plan.objects:
            try:
                self.ids[obj.key] = await self._ensure(obj)
            except ReauthorizationNeeded as error:
                raise DeployStepFailed(
                    _step_error(obj, error.failure.to_platform_error()),
                    reauthorize=token_rejected_reason(error.failure.user_text()),
                ) from None
            except GraphCallFailed as error:
                raise DeployStepFailed(_step_error(obj, error.failure.to_platform_error())) from None
            except AssetUnavailable as error:
                raise DeployStepFailed(
                    PlatformError(
                        code="asset_unavailable", message=str(error), field=f"{obj.strategy_key}.image"
                    )
                ) from None
        return self.ids

    async def _ensure(self, obj: PlannedObject) -> str:
        sessions = self.connector.sessions
        async with sessions() as session:
            record = await db.get_object(session, obj.key)
        if record is not None and record.status == "created" and record.platform_id:
            return record.platform_id
        parent_id = self.ids.get(obj.parent_key) if obj.parent_key else None
        if obj.kind == "image":
            image_hash = await self._upload(obj)
            await self._record(obj, parent_id, image_hash)
            return image_hash
        if record is not None and record.status == "pending":
            found = await self.client.find_tagged(obj.kind, self.account_id, parent_id, obj.tag)
            if found:
                log.info("found an object created before a crash", key=obj.key, platform_id=found)
                await self._record(obj, parent_id, found)
                return found
        else:
            async with sessions() as session, session.begin():
                await db.record_pending(
                    session,
                    key=obj.key,
                    deployment_id=self.command.deployment_id,
                    account_id=self.account_id,
                    kind=obj.kind,
                    strategy_key=obj.strategy_key,
                    parent_platform_id=parent_id,
                )
        platform_id = await self._create(obj, parent_id)
        crash_point("connector_meta.deploy.after_platform_call")
        await self._record(obj, parent_id, platform_id)
        return platform_id

    async def _create(self, obj: PlannedObject, parent_id: str | None) -> str:
        """Create; after a transient failure the call may have succeeded, so look before retrying."""
        attempts = self.connector.settings.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return await self.client.create(obj.kind, self.account_id, resolve_params(obj, self.ids))
            except GraphCallFailed as error:
                transient = error.failure.kind is FailureKind.TRANSIENT
                if isinstance(error, ReauthorizationNeeded) or not transient or attempt == attempts:
                    raise
            await asyncio.sleep(self.client._backoff(attempt))
            found = await self.client.find_tagged(obj.kind, self.account_id, parent_id, obj.tag)
            if found:
                return found
        raise AssertionError("unreachable")

    async def _upload(self, obj: PlannedObject) -> str:
        if obj.asset is None:
            data, name = placeholder_png(), "zamc-placeholder.png"
        else:
            assert self.connector.runtime.js is not None
            data = await read_asset(
                self.connector.runtime.js, self.connector.settings.assets_bucket, obj.asset
            )
            extension = obj.asset.content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
            name = f"{obj.asset.sha256[:32]}.{extension}"
        return await self.client.upload_image(self.account_id, name=name, data=data)

    async def _record(self, obj: PlannedObject, parent_id: str | None, platform_id: str) -> None:
        async with self.connector.sessions() as session, session.begin():
            await db.record_pending(
                session,
                key=obj.key,
                deployment_id=self.command.deployment_id,
                account_id=self.account_id,
                kind=obj.kind,
                strategy_key=obj.strategy_key,
                parent_platform_id=parent_id,
            )
            await db.record_created(session, key=obj.key, platform_id=platform_id)

    async def clean_up(self) -> bool:
        """Delete what this deployment created (children first); True when nothing is left."""
        return await delete_recorded(
            connector=self.connector,
            client=self.client,
            account_id=self.account_id,
            records=await self._records(),
        )

    async def _records(self) -> list[db.ObjectRecord]:
        async with self.connector.sessions() as session:
            return await db.deployment_objects(session, self.command.deployment_id)


async def delete_recorded(
    *, connector: Connector, client: GraphClient, account_id: str, records: list[db.ObjectRecord]
) -> bool:
    clean = True
    for kind in DELETE_ORDER:
        for record in [r for r in records if r.kind == kind and r.status in ("created", "pending")]:
            try:
                platform_id = record.platform_id
                if record.status == "pending":
                    platform_id = await client.find_tagged(
                        kind, account_id, record.parent_platform_id, tag_for(record.idempotency_key)
                    )
                if platform_id:
                    await client.delete(kind, platform_id, account=account_id)
            except GraphCallFailed as error:
                clean = False
                log.warning(
                    "could not delete a meta object", key=record.idempotency_key, code=error.failure.code_text
                )
                continue
            async with connector.sessions() as session, session.begin():
                await db.record_deleted(session, key=record.idempotency_key)
    return clean


async def deploy(
    *, connector: Connector, session: AsyncSession, command: MetaDeployRequested, caused_by: Envelope | None
) -> None:
    account_id = graph_account_id(command.account_external_id)

    async def fail(error: PlatformError, *, cleaned_up: bool = True) -> None:
        log.warning("meta deployment failed", deployment_id=str(command.deployment_id), code=error.code)
        await connector.runtime.publisher.emit(
            session,
            CampaignDeployFailed(
                deployment_id=command.deployment_id,
                platform="meta",
                account_external_id=command.account_external_id,
                error=error,
                cleaned_up=cleaned_up,
            ),
            caused_by=caused_by,
        )

    found = await db.connection_for_account(session, account_id, command.connection_id)
    if found is None:
        await fail(
            PlatformError(
                code="account_not_linked",
                message=f"The Meta ad account {account_id} is not linked to ZAMC. Connect Meta and pick it.",
                field="account_external_id",
            )
        )
        return
    connection, account = found
    if connection.status != "active":
        await fail(
            PlatformError(
                code="reauthorization_required",
                message="Meta no longer accepts this connection's token. Connect Meta again, then retry.",
                field="connection_id",
            )
        )
        return
    client = connector.client(connection)
    settings = connector.settings
    try:
        page_id = (
            settings.page_ids.get(account_id) or settings.page_id or await client.promote_page(account_id)
        )
    except GraphCallFailed:
        page_id = None
    if not page_id:
        await fail(
            PlatformError(
                code="page_not_configured",
                message="No Facebook Page to publish the ads as: set ZAMC_CONNECTOR_META_PAGE_ID "
                "or give the ad account a page it can promote.",
                field="page_id",
            )
        )
        return
    plan = plan_deployment(command, currency=account.currency, page_id=page_id)
    run = DeploymentRun(connector=connector, client=client, command=command, account_id=account_id, plan=plan)
    try:
        ids = await run.execute()
    except DeployStepFailed as failure:
        cleaned_up = await run.clean_up()
        if failure.reauthorize:
            await connector.require_reauthorization(
                session, connection, reason=failure.reauthorize, caused_by=caused_by
            )
        await fail(failure.error, cleaned_up=cleaned_up)
        return
    objects = platform_objects(plan, ids)
    await connector.runtime.publisher.emit(
        session,
        CampaignDeployed(
            deployment_id=command.deployment_id,
            platform="meta",
            account_external_id=command.account_external_id,
            platform_campaign_ids=[o.platform_id for o in objects if o.kind == "campaign"],
            objects=objects,
            policy_findings=list(plan.findings),
        ),
        caused_by=caused_by,
    )
    log.info("meta deployment succeeded", deployment_id=str(command.deployment_id), objects=len(objects))
