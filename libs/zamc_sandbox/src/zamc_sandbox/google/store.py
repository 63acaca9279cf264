"""Google Ads account state: customers and resources, atomic mutations, syncing delivery to the market."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from zamc_sandbox.google import rules
from zamc_sandbox.google.accounts import SEEDED_CUSTOMERS, GoogleCustomer
from zamc_sandbox.google.failures import AdsError, GoogleAdsRejection, PathElement
from zamc_sandbox.google.resources import (
    KINDS,
    ResourceKind,
    enum_name,
    last_id,
    parse_resource_name,
    set_enum,
)
from zamc_sandbox.market import Market, Platform

FIRST_ID = 20_000_000_001


@dataclass(frozen=True, slots=True)
class Operation:
    """One create/update/remove: `operation` is e.g. a CampaignOperation; `where` its error location."""

    kind: ResourceKind
    operation: Message
    where: tuple[PathElement, ...]


@dataclass(frozen=True, slots=True)
class OperationResult:
    kind: ResourceKind
    resource_name: str
    resource: Message


@dataclass(slots=True)
class _Transaction:
    committed: dict[str, Message]
    first_free_id: int
    staged: dict[str, Message] = field(default_factory=dict)
    temporary: dict[str, str] = field(default_factory=dict)
    allocated: int = 0

    def get(self, name: str) -> Message | None:
        return self.staged[name] if name in self.staged else self.committed.get(name)

    def new_id(self) -> int:
        self.allocated += 1
        return self.first_free_id + self.allocated - 1

    def resolve(self, name: str) -> str:
        return self.temporary.get(name, name)

    def view(self) -> Iterator[tuple[str, Message]]:
        yield from ((n, m) for n, m in self.committed.items() if n not in self.staged)
        yield from self.staged.items()


def _fill_output_fields(kind: ResourceKind, message: Message) -> None:
    """Output-only fields Google derives: a campaign's `bidding_strategy_type` names its standard bidding
    scheme (`maximize_conversion_value` → MAXIMIZE_CONVERSION_VALUE), so setting another scheme's field
    in an update switches the strategy, as on Google. Portfolio strategies are not simulated."""
    if kind.name != "campaign":
        return
    scheme = message.WhichOneof("campaign_bidding_strategy")
    if scheme and scheme != "bidding_strategy":
        set_enum(message, "bidding_strategy_type", scheme.upper())


def _is_removed(message: Message) -> bool:
    return "status" in message.DESCRIPTOR.fields_by_name and enum_name(message, "status") == "REMOVED"


class GoogleAdsStore:
    def __init__(self, market: Market, customers: tuple[GoogleCustomer, ...] = SEEDED_CUSTOMERS) -> None:
        self.market = market
        self.customers = {c.customer_id: c for c in customers}
        self._resources: dict[str, Message] = {}
        self._first_free_id = FIRST_ID
        self._lock = threading.RLock()

    def reset(self) -> None:
        with self._lock:
            self._resources.clear()
            self._first_free_id = FIRST_ID

    # ----- reads -------------------------------------------------------------------------------
    def resources(self, customer_id: str, kind: ResourceKind) -> list[Message]:
        prefix = f"customers/{customer_id}/{kind.collection}/"
        with self._lock:
            return [m for n, m in self._resources.items() if n.startswith(prefix)]

    def get(self, name: str) -> Message | None:
        with self._lock:
            return self._resources.get(name)

    def all_resources(self) -> dict[str, Message]:
        with self._lock:
            return dict(self._resources)

    # ----- writes ------------------------------------------------------------------------------
    def mutate(
        self, customer_id: str, operations: list[Operation], *, validate_only: bool
    ) -> list[OperationResult]:
        """Applies all operations or none; raises GoogleAdsRejection listing every error."""
        customer = self.customers[customer_id]
        with self._lock:
            txn = _Transaction(self._resources, self._first_free_id)
            results: list[OperationResult] = []
            errors: list[AdsError] = []
            for op in operations:
                try:
                    results.append(self._apply(txn, customer, op))
                except GoogleAdsRejection as rejection:
                    errors.extend(rejection.errors)
            if errors:
                raise GoogleAdsRejection(errors)
            if validate_only:
                return [OperationResult(r.kind, r.resource_name, r.resource) for r in results]
            self._resources.update(txn.staged)
            self._first_free_id += txn.allocated
            for result in results:
                self._sync_market(customer, result)
            return results

    def _apply(self, txn: _Transaction, customer: GoogleCustomer, op: Operation) -> OperationResult:
        which = op.operation.WhichOneof("operation")
        if which is None:
            raise GoogleAdsRejection(
                [
                    AdsError(
                        "request_error",
                        "OPERATION_REQUIRED",
                        "Mutate operations must have an operation.",
                        op.where,
                    )
                ]
            )
        where = (*op.where, (which, None))
        if which == "create":
            return self._create(txn, customer, op.kind, op.operation.create, where)
        name = txn.resolve(op.operation.remove if which == "remove" else op.operation.update.resource_name)
        existing = txn.get(name)
        if existing is None:
            raise GoogleAdsRejection(
                [AdsError("mutate_error", "RESOURCE_NOT_FOUND", "The resource was not found.", where, name)]
            )
        updated = type(existing)()
        updated.CopyFrom(existing)
        if which == "remove":
            if "status" in updated.DESCRIPTOR.fields_by_name:
                set_enum(updated, "status", "REMOVED")
        else:
            mask = field_mask_pb2.FieldMask(paths=list(op.operation.update_mask.paths))
            mask.MergeMessage(
                op.operation.update, updated, replace_message_field=True, replace_repeated_field=True
            )
            self._check(txn, customer, op.kind, updated, where, creating=False, name=name)
            _fill_output_fields(op.kind, updated)
        txn.staged[name] = updated
        return OperationResult(op.kind, name, updated)

    def _create(
        self,
        txn: _Transaction,
        customer: GoogleCustomer,
        kind: ResourceKind,
        requested: Message,
        where: tuple[PathElement, ...],
    ) -> OperationResult:
        created = type(requested)()
        created.CopyFrom(requested)
        errors: list[AdsError] = []
        parent_id = ""
        if kind.reference and getattr(created, kind.reference):
            parent_name = txn.resolve(getattr(created, kind.reference))
            setattr(created, kind.reference, parent_name)
            parent = txn.get(parent_name)
            if (
                parent is None
                or _is_removed(parent)
                or not parent_name.startswith(f"customers/{customer.customer_id}/")
            ):
                errors.append(
                    AdsError(
                        "mutate_error",
                        "RESOURCE_NOT_FOUND",
                        "The resource was not found.",
                        (*where, (kind.reference, None)),
                        parent_name,
                    )
                )
            parent_id = last_id(parent_name)
        try:
            self._check(txn, customer, kind, created, where, creating=True, name=None)
        except GoogleAdsRejection as rejection:
            errors.extend(rejection.errors)
        if errors:
            raise GoogleAdsRejection(errors)
        new_id = txn.new_id()
        base = f"customers/{customer.customer_id}/{kind.collection}/"
        if kind.name == "ad_group_ad":
            created.ad.id = new_id
            created.ad.resource_name = f"customers/{customer.customer_id}/ads/{new_id}"
            name = f"{base}{parent_id}~{new_id}"
        elif kind.id_field == "criterion_id":
            created.criterion_id = new_id
            name = f"{base}{parent_id}~{new_id}"
        else:
            created.id = new_id
            name = f"{base}{new_id}"
        if requested.resource_name:
            txn.temporary[requested.resource_name] = name
        created.resource_name = name
        if "status" in created.DESCRIPTOR.fields_by_name and enum_name(created, "status") == "UNSPECIFIED":
            set_enum(created, "status", "ENABLED")
        _fill_output_fields(kind, created)
        txn.staged[name] = created
        return OperationResult(kind, name, created)

    def _check(
        self,
        txn: _Transaction,
        customer: GoogleCustomer,
        kind: ResourceKind,
        message: Message,
        where: tuple[PathElement, ...],
        *,
        creating: bool,
        name: str | None,
    ) -> None:
        def names_in_use(scope: str | None = None) -> set[str]:
            prefix = f"customers/{customer.customer_id}/{kind.collection}/"
            return {
                m.name
                for n, m in txn.view()
                if n.startswith(prefix)
                and n != name
                and not _is_removed(m)
                and (scope is None or getattr(m, kind.reference or "") == scope)
            }

        if kind.name == "campaign_budget":
            errors = rules.check_budget(message, where, customer.currency_code, names_in_use(), creating)
        elif kind.name == "campaign":
            errors = rules.check_campaign(message, where, names_in_use(), creating)
        elif kind.name == "ad_group":
            errors = rules.check_ad_group(message, where, names_in_use(message.campaign), creating)
        elif kind.name == "ad_group_ad":
            errors = rules.check_ad_group_ad(message, where, creating)
        elif kind.name == "ad_group_criterion":
            errors = rules.check_ad_group_criterion(message, where, creating)
        else:
            errors = rules.check_campaign_criterion(message, where, creating)
        if errors:
            raise GoogleAdsRejection(errors)

    # ----- market ------------------------------------------------------------------------------
    def _sync_market(self, customer: GoogleCustomer, result: OperationResult) -> None:
        message, market = result.resource, self.market
        active = not _is_removed(message) and (
            "status" not in message.DESCRIPTOR.fields_by_name or enum_name(message, "status") == "ENABLED"
        )
        if result.kind.name == "campaign_budget":
            for campaign in self.resources(customer.customer_id, KINDS["campaign"]):
                if campaign.campaign_budget == result.resource_name and market.has_object(str(campaign.id)):
                    market.set_daily_budget(str(campaign.id), message.amount_micros)
        elif result.kind.name == "campaign":
            budget = self._resources.get(message.campaign_budget)
            settings = {
                "active": active,
                "daily_budget_micros": budget.amount_micros if budget is not None else 0,
                "start": _local_datetime(message.start_date_time, customer.time_zone),
                "end": _local_datetime(message.end_date_time, customer.time_zone),
            }
            if market.has_object(str(message.id)):
                market.update(str(message.id), **settings)
            else:
                market.add_campaign(
                    str(message.id),
                    platform=Platform.GOOGLE,
                    account_id=customer.customer_id,
                    currency=customer.currency_code,
                    time_zone=customer.time_zone,
                    **settings,
                )
        elif result.kind.name == "ad_group":
            settings = {"active": active, "max_cpc_micros": message.cpc_bid_micros or None}
            if market.has_object(str(message.id)):
                market.update(str(message.id), **settings)
            else:
                market.add_ad_group(str(message.id), campaign_id=last_id(message.campaign), **settings)
        elif result.kind.name == "ad_group_ad":
            if market.has_object(str(message.ad.id)):
                market.update(str(message.ad.id), active=active)
            else:
                market.add_ad(str(message.ad.id), ad_group_id=last_id(message.ad_group), active=active)


def _local_datetime(text: str, time_zone: str) -> datetime | None:
    if not text:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=ZoneInfo(time_zone))
        except ValueError:
            continue
    return None


def customer_of(name: str) -> str | None:
    parsed = parse_resource_name(name)
    return parsed[0] if parsed else None
