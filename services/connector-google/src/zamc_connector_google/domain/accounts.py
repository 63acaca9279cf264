"""Which Google Ads customers a login reaches and how each must be called."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zamc_events.contracts.common import AdAccount

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str  # ten digits, no dashes
    name: str
    currency: str
    time_zone: str
    manager: bool
    login_customer_id: str | None  # the manager to name in `login-customer-id`, or None (direct access)

    @property
    def manager_external_id(self) -> str | None:
        return self.login_customer_id if self.login_customer_id != self.customer_id else None


def customer_id_of(resource_name: str) -> str:
    return resource_name.rsplit("/", 1)[-1].replace("-", "")


def deployable(customers: Iterable[Customer]) -> list[Customer]:
    """Client (non-manager) accounts, each once; direct access preferred over a manager's."""
    chosen: dict[str, Customer] = {}
    for customer in customers:
        if customer.manager:
            continue
        known = chosen.get(customer.customer_id)
        if known is None or (known.manager_external_id and not customer.manager_external_id):
            chosen[customer.customer_id] = customer
    return sorted(chosen.values(), key=lambda c: c.customer_id)


def as_ad_account(customer: Customer) -> AdAccount:
    return AdAccount(
        external_id=customer.customer_id,
        name=customer.name,
        currency=customer.currency,
        time_zone=customer.time_zone,
        manager_external_id=customer.manager_external_id,
    )


def missing_scope(scopes: Iterable[str]) -> bool:
    granted = set(scopes)
    return bool(granted) and ADWORDS_SCOPE not in granted
