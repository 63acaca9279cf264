"""A marketer's edit of a strategy: a JSON merge patch (RFC 7396) producing the next version,
validated as a `CampaignStrategy` and against platform limits, every problem named by field.

The patch may be the whole document as read: identity fields equal to the current ones are
fine, `version` names the version the edit was made to (another one is a conflict)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from zamc_events.contracts.strategy import CampaignStrategy
from zamc_events.platform_limits import check_strategy
from zamc_gateway.domain.errors import Conflict, FieldError, InvalidFields

# Identity and provenance of a version: set by the gateway, never by an edit.
FIXED_FIELDS = ("strategy_id", "brief_id", "project_id", "version", "generator", "model")

_INDEX = re.compile(r"\[(\d+)\]")


def pointer(path: str | tuple[Any, ...] | list[Any]) -> str:
    """JSON pointer of a platform-limits path (`a.b[0].c`) or a pydantic location (("a", 0))."""
    parts = _INDEX.sub(r".\1", path).split(".") if isinstance(path, str) else [str(p) for p in path]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts if p != "")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, `null` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def revise(current: CampaignStrategy, patch: dict[str, Any]) -> CampaignStrategy:
    """The next version of `current` with `patch` applied; raises InvalidFields naming each field."""
    original = current.model_dump(mode="json")
    if "version" in patch and patch["version"] != current.version:
        # a whole document sent back carries the version it was edited from
        raise Conflict(
            f"The edit was made to version {patch['version']}; the strategy is at version {current.version}."
        )
    fixed = [
        FieldError(field=f"/{name}", message="cannot be changed by an edit", type="read_only")
        for name in FIXED_FIELDS
        if name in patch and name != "version" and patch[name] != original.get(name)
    ]
    if fixed:
        raise InvalidFields(fixed)
    document = merge_patch(original, patch)
    document["version"] = current.version + 1
    try:
        revised = CampaignStrategy.model_validate(document, extra="forbid")
    except ValidationError as error:
        raise InvalidFields(
            [
                FieldError(field=pointer(e["loc"]), message=e["msg"], type=e["type"])
                for e in error.errors(include_url=False)
            ]
        ) from None
    violations = check_strategy(revised)
    if violations:
        raise InvalidFields(
            [
                FieldError(
                    field=pointer(v.path),
                    message=v.message,
                    type=v.rule,
                    extra={"rule": v.rule, "limit": v.limit, "actual": v.actual},
                )
                for v in violations
            ],
            detail="The edit breaks platform limits: "
            + "; ".join(f"{pointer(v.path)}: {v.message}" for v in violations[:5]),
        )
    return revised
