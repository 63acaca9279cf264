"""Google Ads failures in plain data, what each means for ZAMC, and how a user reads it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from zamc_connector_google.domain.deployment import PlannedObject
from zamc_events.contracts.common import PlatformError

Outcome = Literal["auth", "rate_limited", "transient", "permanent"]

AUTH_CODES = frozenset(
    {"OAUTH_TOKEN_EXPIRED", "OAUTH_TOKEN_INVALID", "OAUTH_TOKEN_REVOKED", "OAUTH_TOKEN_DISABLED"}
)
RATE_CODES = frozenset({"RESOURCE_EXHAUSTED", "RESOURCE_TEMPORARILY_EXHAUSTED"})
TRANSIENT_CODES = frozenset(
    {
        "INTERNAL_ERROR",
        "TRANSIENT_ERROR",
        "DEADLINE_EXCEEDED",
        "CONCURRENT_MODIFICATION",
        "ERROR_CODE_NOT_PUBLISHED",
    }
)
TRANSIENT_STATUSES = frozenset({"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED", "UNKNOWN"})


@dataclass(frozen=True, slots=True)
class AdsErrorDetail:
    category: str  # the ErrorCode field, e.g. "field_error"
    code: str  # its enum name, e.g. "REQUIRED"
    message: str
    field_path: str = ""  # e.g. "mutate_operations[3].ad_group_ad_operation.create.ad.final_urls"
    trigger: str | None = None
    policy_topics: tuple[str, ...] = ()  # from policy finding details, e.g. "PUNCTUATION (PROHIBITED)"


@dataclass(frozen=True, slots=True)
class PlatformFailure:
    """A failed call: the gRPC status and the GoogleAdsFailure errors (if the platform sent any)."""

    status: str
    errors: tuple[AdsErrorDetail, ...] = ()
    request_id: str | None = None
    message: str = ""

    @property
    def code(self) -> str:
        """The most telling code: the first error's, else the gRPC status."""
        return self.errors[0].code if self.errors else self.status

    @property
    def outcome(self) -> Outcome:
        return classify(self)

    def __str__(self) -> str:
        if self.errors:
            return "; ".join(f"{e.category}.{e.code}: {e.message}" for e in self.errors)
        return f"{self.status}: {self.message}"


class PlatformCallError(Exception):
    """Raised by the SDK adapter for every failed Google Ads call."""

    def __init__(self, failure: PlatformFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def classify(failure: PlatformFailure) -> Outcome:
    """The platform's error codes decide; the gRPC status only when no GoogleAdsFailure came."""
    if failure.errors:
        codes = {e.code for e in failure.errors}
        if codes & AUTH_CODES:
            return "auth"
        if codes & RATE_CODES:
            return "rate_limited"
        if codes & TRANSIENT_CODES or {e.category for e in failure.errors} <= {"internal_error"}:
            return "transient"
        return "permanent"
    if failure.status == "UNAUTHENTICATED":
        return "auth"
    if failure.status == "RESOURCE_EXHAUSTED":
        return "rate_limited"
    if failure.status in TRANSIENT_STATUSES:
        return "transient"
    return "permanent"


_OPERATION = re.compile(
    r"^(?:mutate_operations|operations)\[(\d+)\]\.?(?:[a-z_]+_operation\.)?(?:create|update|remove)?\.?"
)


def locate(field_path: str, operations: Sequence[PlannedObject]) -> str | None:
    """Turns a platform field path into words: which strategy object, which of its fields."""
    if not field_path:
        return None
    match = _OPERATION.match(field_path)
    if match is None:
        return field_path
    index = int(match.group(1))
    rest = field_path[match.end() :] or "(the whole object)"
    if index < len(operations):
        item = operations[index]
        return f"{item.kind} {item.strategy_key}: {rest}"
    return field_path


DUPLICATE_NAME_CODES = frozenset({"DUPLICATE_CAMPAIGN_NAME", "DUPLICATE_NAME", "DUPLICATE_ADGROUP_NAME"})

# What the user (or the ZAMC administrator) can do about a refused call, by platform error code.
ACTION_REASONS = {
    "DEVELOPER_TOKEN_PARAMETER_MISSING": "ZAMC has no Google Ads developer token configured. Ask your ZAMC "
    "administrator to set ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN, then try again.",
    "DEVELOPER_TOKEN_INVALID": "ZAMC's Google Ads developer token is not valid. Ask your ZAMC administrator "
    "to check ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN, then try again.",
    "DEVELOPER_TOKEN_NOT_APPROVED": "ZAMC's Google Ads developer token is not approved for this account. "
    "Ask your ZAMC administrator to apply for Basic access.",
    "USER_PERMISSION_DENIED": "ZAMC may not access this Google Ads account with the linked Google login: the "
    "manager account it is reached through (login-customer-id) is missing or no longer grants access. Ask an "
    "admin of the account (or its manager account) to grant access, then connect Google Ads again.",
    "LOGIN_CUSTOMER_ID_PARAMETER_MISSING": "Google Ads wants this account called through its manager account "
    "(login-customer-id), and ZAMC has none for it. Connect Google Ads again with a login of the manager "
    "account.",
    "INVALID_LOGIN_CUSTOMER_ID": "The manager account ZAMC calls this Google Ads account through "
    "(login-customer-id) does not exist. Connect Google Ads again, or ask your ZAMC administrator to check "
    "ZAMC_CONNECTOR_GOOGLE_LOGIN_CUSTOMER_ID.",
    "POLICY_FINDING": "Google Ads' advertising policies refuse this ad text. Edit the text named in the "
    "policy findings, then deploy again.",
    "DUPLICATE_CAMPAIGN_NAME": "Google Ads already holds a campaign with this name that this deployment did "
    "not create. Give each campaign of the strategy its own key, or remove the other campaign in Google Ads, "
    "then deploy again.",
    "DUPLICATE_NAME": "Google Ads already holds a campaign budget with this name that this deployment did not "
    "create. Give each campaign of the strategy its own key, or remove the other campaign in Google Ads, then "
    "deploy again.",
}
NO_ANSWER = "Google Ads did not answer in time ({detail}). Try again in a few minutes."


def has_duplicate_name(failure: PlatformFailure) -> bool:
    """A create refused because the name is taken: with tagged names, maybe by this deployment itself."""
    return any(e.code in DUPLICATE_NAME_CODES for e in failure.errors)


def to_platform_error(failure: PlatformFailure, *, operations: Sequence[PlannedObject] = ()) -> PlatformError:
    """What a user reads: the first error's code and message (led by what to do about it, where ZAMC
    knows), where it is, whether a retry can help."""
    outcome = classify(failure)
    retryable = outcome in ("rate_limited", "transient")
    if failure.errors:
        first = failure.errors[0]
        message = first.message
        if first.code in ACTION_REASONS:
            message = f"{ACTION_REASONS[first.code]} (Google Ads: {first.message})"
        if len(failure.errors) > 1:
            message += (
                f" (and {len(failure.errors) - 1} more: "
                + "; ".join(
                    f"{e.code} at {locate(e.field_path, operations) or 'request'}"
                    for e in failure.errors[1:6]
                )
                + ")"
            )
        return PlatformError(
            code=f"{first.category}.{first.code}",
            message=message,
            field=locate(first.field_path, operations),
            retryable=retryable,
        )
    message = failure.message or failure.status
    if outcome == "transient":
        message = NO_ANSWER.format(detail=message)
    return PlatformError(code=failure.status, message=message, retryable=retryable)


POLICY_CATEGORIES = ("policy_finding_error", "policy_violation_error", "policy_validation_parameter_error")


def policy_findings(failure: PlatformFailure, *, operations: Sequence[PlannedObject] = ()) -> list[str]:
    """Policy violations named by a validate-only call, one line each: the policy topics (else the
    code and message), the offending text, where it is."""
    findings = []
    for e in failure.errors:
        if e.category not in POLICY_CATEGORIES:
            continue
        line = ", ".join(e.policy_topics) if e.policy_topics else f"{e.code}: {e.message}"
        if e.trigger:
            line += f" {e.trigger!r}"
        if where := locate(e.field_path, operations):
            line += f" ({where})"
        findings.append(line)
    return findings


# ----- linking: reasons a user can act on ----------------------------------------------------------
LINK_REASONS = {
    "NOT_ADS_USER": "This Google account has no Google Ads account. Sign in with the Google account that "
    "manages your ads, or create a Google Ads account first.",
    "USER_PERMISSION_DENIED": "This Google account may not access the Google Ads account. Ask an admin of the "
    "account (or its manager account) to grant access, then connect again.",
    "CUSTOMER_NOT_ENABLED": "The Google Ads account is not enabled (cancelled or not set up). Finish setting it "
    "up in Google Ads, then connect again.",
    "DEVELOPER_TOKEN_NOT_APPROVED": "ZAMC's Google Ads developer token is not approved for this account. "
    "Ask your ZAMC administrator to apply for Basic access.",
    "DEVELOPER_TOKEN_PROHIBITED": "ZAMC's Google Ads developer token may not be used with this OAuth client. "
    "Ask your ZAMC administrator to check the developer token and OAuth client configuration.",
    "OAUTH_TOKEN_REVOKED": "Access was revoked while linking. Connect again and grant access.",
    "TWO_STEP_VERIFICATION_NOT_ENROLLED": "Google requires 2-step verification on this Google account for the "
    "Google Ads API. Turn it on, then connect again.",
    "DEVELOPER_TOKEN_PARAMETER_MISSING": "ZAMC has no Google Ads developer token configured. Ask your ZAMC "
    "administrator to set ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN, then connect again.",
}


def link_failure_reason(failure: PlatformFailure) -> str:
    reason = LINK_REASONS.get(failure.code)
    if reason:
        return reason
    if classify(failure) in ("rate_limited", "transient"):
        return "Google Ads did not answer in time. Try connecting again in a few minutes."
    return f"Google Ads refused to list the accounts ({failure.code}). Connect again, or contact support."
