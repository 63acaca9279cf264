"""Errors the service layer raises; the API renders each as RFC 9457 problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """One offending field: `field` is a JSON pointer into the request (e.g. `/targets/0/platform`)."""

    field: str
    message: str
    type: str = "invalid"
    extra: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(self, detail: str = "", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    type = "https://zamc.dev/problems/unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    type = "https://zamc.dev/problems/forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type = "https://zamc.dev/problems/not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type = "https://zamc.dev/problems/conflict"


class InvalidRequest(DomainError):
    status = 400
    title = "Invalid request"
    type = "https://zamc.dev/problems/invalid-request"


class InvalidFields(DomainError):
    """422: the request is well-formed but breaks a rule; names every offending field."""

    status = 422
    title = "Validation failed"
    type = "https://zamc.dev/problems/validation"

    def __init__(self, errors: list[FieldError], detail: str = "") -> None:
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def invalid(field: str, message: str, *, type: str = "invalid", **extra: Any) -> InvalidFields:
    return InvalidFields([FieldError(field=field, message=message, type=type, extra=extra)])


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"
    type = "https://zamc.dev/problems/rate-limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after
