"""Graph API errors: what a failure means for the caller (retry, back off, re-authorise, report).

Codes from Meta's Marketing API error reference: 190 = the access token is invalid or expired;
4, 17, 32, 613 and 80000–80014 = rate limits (the call was not executed); 1, 2 and HTTP 5xx or
`is_transient` = transient; everything else is permanent and reported to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zamc_events.contracts.common import PlatformError

REAUTHORIZE_CODES = frozenset({190, 102})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
# subcodes whose problem sits in a field the user can edit (blame field when Meta gives none)
SUBCODE_FIELDS = {
    1885621: "daily_budget",  # budget on both the campaign and the ad set
    1885272: "daily_budget",  # budget too low
    1487694: "targeting",  # invalid targeting spec
}


class FailureKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    REAUTHORIZE = "reauthorize"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class GraphFailure:
    """A Graph API error response, independent of the SDK's exception class."""

    code: int | None
    message: str
    subcode: int | None = None
    type: str | None = None
    user_title: str | None = None
    user_message: str | None = None
    blame_field: str | None = None
    transient: bool = False
    http_status: int | None = None
    local_code: str | None = None  # set for failures raised before calling Meta ("throttled", "network")

    @classmethod
    def from_body(cls, body: Any, *, http_status: int | None = None) -> GraphFailure:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(
                code=None, message=f"unexpected response (HTTP {http_status})", http_status=http_status
            )
        data = error.get("error_data")
        blame = None
        if isinstance(data, dict):
            specs = data.get("blame_field_specs") or []
            if specs and isinstance(specs[0], list) and specs[0]:
                blame = str(specs[0][0])
            elif specs and isinstance(specs[0], str):
                blame = specs[0]
        return cls(
            code=_int(error.get("code")),
            subcode=_int(error.get("error_subcode")),
            message=str(error.get("message", "")),
            type=error.get("type"),
            user_title=error.get("error_user_title"),
            user_message=error.get("error_user_msg"),
            blame_field=blame,
            transient=bool(error.get("is_transient", False)),
            http_status=http_status,
        )

    @property
    def kind(self) -> FailureKind:
        return classify(self)

    @property
    def field(self) -> str | None:
        return self.blame_field or SUBCODE_FIELDS.get(self.subcode or 0)

    @property
    def code_text(self) -> str:
        """`code` or `code/subcode`, e.g. "100/1885621"."""
        if self.code is None:
            return self.local_code or (f"http_{self.http_status}" if self.http_status else "unknown")
        return f"{self.code}/{self.subcode}" if self.subcode else str(self.code)

    @property
    def metric_code(self) -> str:
        """The top-level code only (a bounded label for the error metric)."""
        return str(self.code) if self.code is not None else self.code_text

    def user_text(self) -> str:
        """The message a marketer can act on: Meta's user message when it gives one."""
        parts = [self.user_title, self.user_message] if self.user_message else [self.message]
        return ": ".join(p for p in parts if p)

    def to_platform_error(self) -> PlatformError:
        return PlatformError(
            code=self.code_text,
            message=self.user_text() if self.user_message else self.message,
            field=self.field,
            retryable=self.kind in (FailureKind.RATE_LIMITED, FailureKind.TRANSIENT),
        )


def classify(failure: GraphFailure) -> FailureKind:
    if failure.code in REAUTHORIZE_CODES:
        return FailureKind.REAUTHORIZE
    if failure.code in RATE_LIMIT_CODES or failure.local_code == "throttled":
        return FailureKind.RATE_LIMITED
    if (
        failure.transient
        or failure.code in TRANSIENT_CODES
        or (failure.http_status is not None and failure.http_status >= 500)
    ):
        return FailureKind.TRANSIENT
    return FailureKind.PERMANENT


def is_unsupported_request(failure: GraphFailure) -> bool:
    """Graph's answer for an edge or node the server does not support (100/33)."""
    return failure.code == 100 and failure.subcode == 33


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
