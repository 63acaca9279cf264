"""Graph API errors: {"error": {message, type, code, error_subcode, is_transient, error_user_msg, fbtrace_id}}."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(slots=True)
class GraphError(Exception):
    message: str
    code: int
    error_subcode: int | None = None
    type: str = "OAuthException"
    is_transient: bool = False
    error_user_title: str | None = None
    error_user_msg: str | None = None
    http_status: int = 400
    blame_field: str | None = None

    def body(self) -> dict:
        error: dict[str, object] = {
            "message": self.message,
            "type": self.type,
            "code": self.code,
            "is_transient": self.is_transient,
            "fbtrace_id": "A" + secrets.token_urlsafe(16),
        }
        if self.error_subcode is not None:
            error["error_subcode"] = self.error_subcode
        if self.error_user_title:
            error["error_user_title"] = self.error_user_title
        if self.error_user_msg:
            error["error_user_msg"] = self.error_user_msg
        if self.blame_field:
            error["error_data"] = {"blame_field_specs": [[self.blame_field]]}
        return {"error": error}


def invalid_parameter(
    message: str, *, subcode: int | None = None, user_msg: str | None = None, blame_field: str | None = None
) -> GraphError:
    return GraphError(
        f"Invalid parameter: {message}" if not message.startswith("(#") else message,
        100,
        subcode,
        error_user_title="Invalid parameter" if user_msg else None,
        error_user_msg=user_msg,
        blame_field=blame_field,
    )


def not_found(object_id: str) -> GraphError:
    return GraphError(
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation.",
        100,
        33,
        type="GraphMethodException",
    )


# Subcodes used by the sandbox (100 = invalid parameter)
SUBCODE_BUDGET_ON_CAMPAIGN_AND_AD_SET = 1885621
SUBCODE_BUDGET_TOO_LOW = 1885272
SUBCODE_INVALID_TARGETING = 1487694
SUBCODE_TOKEN_EXPIRED = 463
SUBCODE_TOKEN_INVALID = 467
SUBCODE_RATE_LIMITED = 2446079
SUBCODE_TOO_MANY_CALLS_HOUR = 1996
