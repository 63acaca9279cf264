"""Rules for strategy versions: identity, revisions, approval.

Version 1 of a brief's strategy is generated; every later version is a marketer's revision, which
must be newer than the latest stored version (two concurrent edits of version 2 cannot both become
version 3), belong to the same brief and project, and break no platform limit. A version is
immutable once stored; approval marks one version, and only an approved version can be deployed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from zamc_events.contracts.strategy import CampaignStrategy
from zamc_events.platform_limits import check_strategy

STRATEGY_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4d7b-9a55-2d0f7e1c9b30")


def strategy_id_for(brief_id: uuid.UUID) -> uuid.UUID:
    """The strategy of a brief has the same ID however often the brief is requested."""
    return uuid.uuid5(STRATEGY_NAMESPACE, str(brief_id))


@dataclass(frozen=True)
class StoredVersion:
    strategy_id: uuid.UUID
    version: int
    brief_id: uuid.UUID
    project_id: uuid.UUID
    approved: bool = False


@dataclass(frozen=True)
class RevisionDecision:
    outcome: Literal["accept", "duplicate", "reject"]
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def judge_revision(
    *, revised: CampaignStrategy, latest: StoredVersion | None, same_version: CampaignStrategy | None
) -> RevisionDecision:
    """Whether a revision becomes a new version; `same_version` is what is stored under its number."""
    if same_version is not None and same_version == revised:
        return RevisionDecision("duplicate")
    if latest is None:
        return RevisionDecision("reject", (f"There is no strategy {revised.strategy_id} to revise.",))
    reasons: list[str] = []
    if (revised.brief_id, revised.project_id) != (latest.brief_id, latest.project_id):
        reasons.append("The revision belongs to another brief or project than the strategy.")
    if revised.version <= latest.version:
        reasons.append(
            f"Version {revised.version} is not newer than the latest version {latest.version}; "
            "revise the latest version."
        )
    reasons += [f"{v}" for v in check_strategy(revised)]
    if reasons:
        return RevisionDecision("reject", tuple(reasons))
    return RevisionDecision("accept")


def revision_rejected_reason(revised: CampaignStrategy, decision: RevisionDecision, limit: int = 5) -> str:
    shown = "; ".join(decision.reasons[:limit])
    more = len(decision.reasons) - limit
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"Version {revised.version} of the strategy was not saved: {shown}{suffix}"
