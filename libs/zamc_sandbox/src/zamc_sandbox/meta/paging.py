"""Cursor paging as the Graph API does it: paging.cursors.before/after plus `next` while more remain."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from zamc_sandbox.meta import errors

DEFAULT_LIMIT = 25


def _encode(index: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox:{index}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded).decode().removeprefix("sandbox:"))
    except ValueError as error:
        raise errors.invalid_parameter("(#100) Invalid cursor", blame_field="after") from error


def page(items: list, params: dict, url: str) -> dict:
    limit = int(params.get("limit") or DEFAULT_LIMIT)
    start = _decode(str(params["after"])) + 1 if params.get("after") else 0
    chunk = items[start : start + limit]
    body: dict = {"data": chunk}
    if chunk:
        paging: dict = {"cursors": {"before": _encode(start), "after": _encode(start + len(chunk) - 1)}}
        if start + len(chunk) < len(items):
            query = {k: v for k, v in params.items() if k not in ("after", "access_token")}
            query["after"] = paging["cursors"]["after"]
            paging["next"] = f"{url}?{urlencode({k: str(v) for k, v in query.items()})}"
        body["paging"] = paging
    return body
