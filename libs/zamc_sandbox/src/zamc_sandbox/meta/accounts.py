"""Seeded Meta ad accounts reachable with any sandbox token."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MetaAdAccount:
    account_id: str  # digits, without "act_"
    name: str
    currency: str
    timezone_name: str
    business_id: str = "900000000000001"

    @property
    def graph_id(self) -> str:
        return f"act_{self.account_id}"

    def fields(self) -> dict[str, object]:
        return {
            "id": self.graph_id,
            "account_id": self.account_id,
            "name": self.name,
            "currency": self.currency,
            "timezone_name": self.timezone_name,
            "account_status": 1,
            "business": {"id": self.business_id, "name": "ZAMC Sandbox Business"},
        }


SEEDED_AD_ACCOUNTS: tuple[MetaAdAccount, ...] = (
    MetaAdAccount("100000000000001", "Sandbox Ad Account Berlin", "EUR", "Europe/Berlin"),
    MetaAdAccount("100000000000002", "Sandbox Ad Account Los Angeles", "USD", "America/Los_Angeles"),
)

MINIMUM_DAILY_BUDGET_MINOR_UNITS = 100  # 1.00 in the account currency
MICROS_PER_MINOR_UNIT = 10_000  # EUR/USD budgets are in cents
