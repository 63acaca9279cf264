"""Seeded Google Ads customers: one manager account and its two clients."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GoogleCustomer:
    customer_id: str  # ten digits, no dashes
    descriptive_name: str
    currency_code: str
    time_zone: str
    manager: bool
    manager_id: str | None = None

    @property
    def resource_name(self) -> str:
        return f"customers/{self.customer_id}"


MANAGER_ID = "1000000001"
SEEDED_CUSTOMERS: tuple[GoogleCustomer, ...] = (
    GoogleCustomer(MANAGER_ID, "ZAMC Sandbox Manager", "EUR", "Europe/Berlin", manager=True),
    GoogleCustomer("2000000001", "Sandbox Client Berlin", "EUR", "Europe/Berlin", False, MANAGER_ID),
    GoogleCustomer("2000000002", "Sandbox Client New York", "USD", "America/New_York", False, MANAGER_ID),
)

# Smallest daily budget the sandbox accepts, per currency (micros).
MINIMUM_DAILY_BUDGET_MICROS = {"EUR": 1_000_000, "USD": 1_000_000}
MINIMUM_CURRENCY_UNIT_MICROS = 10_000
