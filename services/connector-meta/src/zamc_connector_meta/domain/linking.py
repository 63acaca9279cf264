"""Account linking: which ad accounts a token reaches, and reasons a marketer can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from zamc_events.contracts.common import AdAccount

ACTIVE_ACCOUNT_STATUS = 1  # 1 = active; 2 disabled, 3 unsettled, 7 pending review, 101 closed…

PERMISSION_LABELS = {
    "ads_management": "Manage your ads (ads_management)",
    "ads_read": "Read your ads performance (ads_read)",
    "business_management": "Manage your business (business_management)",
}


def graph_account_id(external_id: str) -> str:
    """`act_<digits>` whichever form it was given in."""
    value = external_id.strip()
    return value if value.startswith("act_") else f"act_{value}"


def ad_accounts(rows: Iterable[Mapping[str, Any]]) -> list[AdAccount]:
    """Active ad accounts (`/me/adaccounts` rows) as ZAMC accounts, external id = `act_…`."""
    accounts = []
    for row in rows:
        status = row.get("account_status", ACTIVE_ACCOUNT_STATUS)
        if int(status) != ACTIVE_ACCOUNT_STATUS:
            continue
        accounts.append(
            AdAccount(
                external_id=graph_account_id(str(row.get("id") or row["account_id"])),
                name=str(row.get("name") or row.get("account_id") or row["id"]),
                currency=str(row.get("currency", "USD")).upper(),
                time_zone=str(row.get("timezone_name") or "UTC"),
                manager_external_id=str(row["business"]["id"])
                if isinstance(row.get("business"), dict) and row["business"].get("id")
                else None,
            )
        )
    return sorted(accounts, key=lambda a: a.external_id)


def granted_permissions(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(str(r["permission"]) for r in rows if r.get("status") == "granted" and "permission" in r)


def missing_permissions(granted: Sequence[str], required: Sequence[str]) -> list[str]:
    return [p for p in required if p not in set(granted)]


def missing_permissions_reason(missing: Sequence[str]) -> str:
    labels = ", ".join(PERMISSION_LABELS.get(p, p) for p in missing)
    return (
        f"Meta did not grant the permissions ZAMC needs: {labels}. Connect Meta again and keep "
        "these permissions switched on in the Facebook dialog."
    )


NO_ACCOUNTS_REASON = (
    "This Facebook login cannot reach any active ad account. Ask an admin of your Business Manager "
    "to give you (or the system user) access to an ad account, then connect Meta again."
)
CODE_REJECTED_REASON = (
    "Meta rejected the sign-in code (it expired or was already used). Start connecting Meta again."
)


def token_rejected_reason(message: str) -> str:
    return f"Meta refused the access token ({message}). Connect Meta again to give ZAMC a new token."


def exchange_failed_reason(message: str) -> str:
    return f"Meta's token endpoint refused the exchange: {message}. Check the app id and secret, then retry."
