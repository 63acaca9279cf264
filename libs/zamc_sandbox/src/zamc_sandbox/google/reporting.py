"""Runs a parsed GAQL query against the store and the market: GoogleAdsRows with the selected fields."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow
from google.protobuf import field_mask_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from zamc_sandbox.google.accounts import GoogleCustomer
from zamc_sandbox.google.gaql import Condition, GaqlError, Query
from zamc_sandbox.google.resources import KINDS, last_id
from zamc_sandbox.google.store import GoogleAdsStore
from zamc_sandbox.market import Totals

ROW = GoogleAdsRow.pb()
METRIC_RESOURCES = {"customer", "campaign", "ad_group", "ad_group_ad"}
SEARCHABLE = METRIC_RESOURCES | {"customer_client", *KINDS}
PARENTS = {  # attributed resources joined onto each row, child to parent
    "campaign": ("campaign_budget",),
    "ad_group": ("campaign", "campaign_budget"),
    "ad_group_ad": ("ad_group", "campaign", "campaign_budget"),
    "ad_group_criterion": ("ad_group", "campaign"),
    "campaign_criterion": ("campaign",),
}


def _proto_path(path: str) -> list[str]:
    """GAQL names → descriptor names (proto-plus renames `type` to `type_`); raises on unknown fields."""
    out: list[str] = []
    descriptor = ROW.DESCRIPTOR
    parts = path.split(".")
    for i, part in enumerate(parts):
        if descriptor is None:
            raise GaqlError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{path}'.")
        fields = descriptor.fields_by_name
        name = part if part in fields else f"{part}_" if f"{part}_" in fields else None
        if name is None:
            raise GaqlError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{path}'.")
        out.append(name)
        field = fields[name]
        descriptor = field.message_type if field.type == FieldDescriptor.TYPE_MESSAGE else None
        if i < len(parts) - 1 and descriptor is None:
            raise GaqlError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{path}'.")
    return out


def _value(row: Message, path: list[str]) -> object:
    current: object = row
    for name in path:
        message = current
        current = getattr(message, name)
        field = message.DESCRIPTOR.fields_by_name[name]  # type: ignore[attr-defined]
        if field.enum_type is not None and isinstance(current, int):
            current = field.enum_type.values_by_number[current].name
    return current


def _matches(value: object, condition: Condition) -> bool:
    def same(a: object, b: object) -> bool:
        return str(a) == str(b) if isinstance(a, str) or isinstance(b, str) else a == b

    op, values = condition.operator, condition.values
    if op == "=":
        return same(value, values[0])
    if op == "!=":
        return not same(value, values[0])
    if op == "IN":
        return any(same(value, v) for v in values)
    if op == "NOT IN":
        return not any(same(value, v) for v in values)
    if op in ("LIKE", "NOT LIKE"):
        pattern = str(values[0]).replace("%", "*").replace("_", "?")
        return fnmatch.fnmatchcase(str(value), pattern) == (op == "LIKE")
    if op == "BETWEEN":
        return values[0] <= value <= values[1]  # type: ignore[operator]
    if op == "IS NULL":
        return not value
    if op == "IS NOT NULL":
        return bool(value)
    comparisons = {"<": value < values[0], "<=": value <= values[0], ">": value > values[0]}  # type: ignore[operator]
    return comparisons.get(op, value >= values[0])  # type: ignore[operator]


def during_dates(name: str, today: date) -> tuple[date, date]:
    if name == "TODAY":
        return today, today
    if name == "YESTERDAY":
        return today - timedelta(days=1), today - timedelta(days=1)
    if name.startswith("LAST_") and name.endswith("_DAYS"):
        days = int(name.removeprefix("LAST_").removesuffix("_DAYS"))
        return today - timedelta(days=days), today - timedelta(days=1)
    if name == "THIS_MONTH":
        return today.replace(day=1), today
    if name == "LAST_MONTH":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    raise GaqlError("INVALID_VALUE_WITH_DURING_OPERATOR", f"Unsupported DURING value {name}.")


def _date_bounds(query: Query, today: date) -> tuple[date | None, date | None]:
    low: date | None = None
    high: date | None = None
    for c in query.conditions:
        if c.field != "segments.date":
            continue
        try:
            values = [date.fromisoformat(str(v)) for v in c.values] if c.operator != "DURING" else []
        except ValueError as error:
            raise GaqlError("INVALID_DATE_FORMAT", f"Invalid date in {c.field}.") from error
        if c.operator == "DURING":
            values = list(during_dates(str(c.values[0]), today))
            c_low, c_high = values
        elif c.operator in ("BETWEEN", "IN", "="):
            c_low, c_high = min(values), max(values)
        elif c.operator in (">", ">="):
            c_low, c_high = values[0] + timedelta(days=c.operator == ">"), None
        elif c.operator in ("<", "<="):
            c_low, c_high = None, values[0] - timedelta(days=c.operator == "<")
        else:
            continue
        low = c_low if low is None or (c_low and c_low > low) else low
        high = c_high if high is None or (c_high and c_high < high) else high
    return low, high


class Reporter:
    def __init__(self, store: GoogleAdsStore) -> None:
        self.store = store

    def run(self, customer: GoogleCustomer, query: Query) -> tuple[list[Message], list[str]]:
        if query.resource not in SEARCHABLE:
            raise GaqlError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"Unsupported resource '{query.resource}'.")
        mask_paths = [".".join(_proto_path(f)) for f in query.fields]
        condition_paths = {c.field: _proto_path(c.field) for c in query.conditions}
        order_paths = {o.field: _proto_path(o.field) for o in query.orderings}
        uses_metrics = any(
            f.startswith(("metrics.", "segments.")) for f in (*query.fields, *condition_paths, *order_paths)
        )
        if uses_metrics and query.resource not in METRIC_RESOURCES:
            raise GaqlError(
                "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE",
                f"Metrics are not available on {query.resource}.",
            )
        rows = list(self._base_rows(customer, query.resource))
        if uses_metrics:
            rows = list(self._with_metrics(customer, query, rows))
        # The date range is applied when metrics are read; rows carry a date only when it is selected.
        row_conditions = [
            c
            for c in query.conditions
            if c.operator != "DURING" and (c.field != "segments.date" or "segments.date" in query.selected)
        ]
        rows = [
            r for r in rows if all(_matches(_value(r, condition_paths[c.field]), c) for c in row_conditions)
        ]
        for ordering in reversed(query.orderings):
            rows.sort(key=lambda r, o=ordering: _value(r, order_paths[o.field]), reverse=ordering.descending)
        if query.limit is not None:
            if query.limit <= 0:
                raise GaqlError("LIMIT_VALUE_TOO_LOW", "LIMIT must be positive.")
            rows = rows[: query.limit]
        mask = field_mask_pb2.FieldMask(paths=mask_paths)
        selected = []
        for row in rows:
            out = type(row)()
            mask.MergeMessage(row, out)
            selected.append(out)
        return selected, list(query.fields)

    # ----- rows --------------------------------------------------------------------------------
    def _base_rows(self, customer: GoogleCustomer, resource: str) -> Iterable[Message]:
        if resource == "customer":
            row = ROW()
            self._fill_customer(row, customer)
            yield row
            return
        if resource == "customer_client":
            for client in self.store.customers.values():
                if client.customer_id == customer.customer_id or client.manager_id == customer.customer_id:
                    row = ROW()
                    self._fill_customer(row, customer)
                    cc = row.customer_client
                    cc.resource_name = (
                        f"customers/{customer.customer_id}/customerClients/{client.customer_id}"
                    )
                    cc.client_customer = client.resource_name
                    cc.id = int(client.customer_id)
                    cc.descriptive_name = client.descriptive_name
                    cc.currency_code = client.currency_code
                    cc.time_zone = client.time_zone
                    cc.manager = client.manager
                    cc.level = 0 if client.customer_id == customer.customer_id else 1
                    yield row
            return
        for message in self.store.resources(customer.customer_id, KINDS[resource]):
            row = ROW()
            self._fill_customer(row, customer)
            getattr(row, resource).CopyFrom(message)
            self._join_parents(row, resource, message)
            yield row

    def _join_parents(self, row: Message, resource: str, message: Message) -> None:
        """Walks up the chain (ad → ad group → campaign → budget) copying each parent into the row."""
        current = message
        for parent in PARENTS.get(resource, ()):
            name = getattr(current, parent) if parent in current.DESCRIPTOR.fields_by_name else ""
            found = self.store.get(name) if name else None
            if found is None:
                return
            getattr(row, parent).CopyFrom(found)
            current = found

    @staticmethod
    def _fill_customer(row: Message, customer: GoogleCustomer) -> None:
        row.customer.resource_name = customer.resource_name
        row.customer.id = int(customer.customer_id)
        row.customer.descriptive_name = customer.descriptive_name
        row.customer.currency_code = customer.currency_code
        row.customer.time_zone = customer.time_zone
        row.customer.manager = customer.manager

    def _with_metrics(self, customer: GoogleCustomer, query: Query, rows: list[Message]) -> Iterable[Message]:
        market = self.store.market
        zone = ZoneInfo(customer.time_zone)
        now = market.clock.now()
        today = now.astimezone(zone).date()
        low, high = _date_bounds(query, today)
        start = (
            datetime.combine(low, time(), zone).astimezone(UTC)
            if low
            else market.clock.now() - timedelta(days=3650)
        )
        end = datetime.combine(high + timedelta(days=1), time(), zone).astimezone(UTC) if high else now
        by_date = "segments.date" in query.selected
        by_hour = "segments.hour" in query.selected or any(
            c.field == "segments.hour" for c in query.conditions
        )
        for row in rows:
            object_id = self._market_id(row, query.resource, customer)
            if object_id is None or not (market.has_object(object_id) or object_id.startswith("account:")):
                continue
            buckets: dict[tuple[str, int], Totals] = {}
            for hour, totals in market.reported_by_hour(object_id, start, end).items():
                local = hour.astimezone(zone)
                key = (local.date().isoformat() if by_date else "", local.hour if by_hour else -1)
                buckets[key] = buckets.get(key, Totals()) + totals
            if not (by_date or by_hour) and not buckets:
                buckets[("", -1)] = Totals()
            for (day, hour_of_day), totals in sorted(buckets.items()):
                if (by_date or by_hour) and totals.is_empty():
                    continue
                out = type(row)()
                out.CopyFrom(row)
                if day:
                    out.segments.date = day
                if hour_of_day >= 0:
                    out.segments.hour = hour_of_day
                m = out.metrics
                m.impressions = totals.impressions
                m.clicks = totals.clicks
                m.cost_micros = totals.cost_micros
                m.conversions = float(totals.conversions)
                m.all_conversions = float(totals.conversions)
                m.conversions_value = totals.conversions_value_micros / 1_000_000
                m.all_conversions_value = totals.conversions_value_micros / 1_000_000
                m.ctr = totals.clicks / totals.impressions if totals.impressions else 0.0
                m.average_cpc = totals.cost_micros / totals.clicks if totals.clicks else 0.0
                yield out

    @staticmethod
    def _market_id(row: Message, resource: str, customer: GoogleCustomer) -> str | None:
        if resource == "customer":
            return f"account:{customer.customer_id}"
        if resource == "ad_group_ad":
            return str(row.ad_group_ad.ad.id) or last_id(row.ad_group_ad.resource_name)
        return str(getattr(row, resource).id)
