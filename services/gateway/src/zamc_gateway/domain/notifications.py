"""What a marketer is told, and in which words, when something happens to their campaigns.

Each function turns one event payload into a `NotificationDraft`; the projection writes one
notification per member of the organization (its id derived from the event and the user, so a
redelivered event never notifies twice).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

NotificationKind = Literal[
    "deployment_succeeded",
    "deployment_failed",
    "connection_reauthorization_required",
    "anomaly_detected",
    "recommendation_available",
    "recommendation_applied",
    "recommendation_failed",
    "recommendation_refused",
]
Severity = Literal["info", "success", "warning", "error"]

NOTIFICATION_NAMESPACE = uuid.UUID("6a4f5d1e-8f0b-4c59-9c11-2b7f5e0d9a31")

_PLATFORM_NAMES = {"google_ads": "Google Ads", "meta": "Meta"}
_ANOMALY_WORDS = {
    "spend_spike": "Spend spiked",
    "delivery_stopped": "Delivery stopped",
    "ctr_collapse": "Click-through rate collapsed",
}


@dataclass(frozen=True)
class NotificationDraft:
    kind: NotificationKind
    severity: Severity
    title: str
    body: str
    resource_type: str
    resource_id: str
    project_id: uuid.UUID | None = None


def notification_id(*, event_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID:
    """Stable per (event, user): projecting an event twice cannot notify a user twice."""
    return uuid.uuid5(NOTIFICATION_NAMESPACE, f"{event_id}:{user_id}")


def platform_name(platform: str) -> str:
    return _PLATFORM_NAMES.get(platform, platform)


def for_deployment_completed(
    *, deployment_id: uuid.UUID, status: str, targets: list[dict[str, Any]]
) -> NotificationDraft:
    """`zamc.campaign.deployment_completed.v1`: success is good news, anything else needs a look."""
    if status == "succeeded":
        names = ", ".join(sorted({platform_name(t["platform"]) for t in targets})) or "the platforms"
        return NotificationDraft(
            kind="deployment_succeeded",
            severity="success",
            title="Campaigns are live",
            body=f"Your deployment to {names} succeeded.",
            resource_type="deployment",
            resource_id=str(deployment_id),
        )
    failed = [t for t in targets if t.get("status") not in ("succeeded",)]
    reasons = "; ".join(
        f"{platform_name(t['platform'])}: {(t.get('error') or {}).get('message') or t.get('status')}"
        for t in failed
    )
    words = {
        "partially_failed": "Some campaigns could not be created",
        "rolled_back": "The deployment was rolled back",
        "failed": "The deployment failed",
    }
    return NotificationDraft(
        kind="deployment_failed",
        severity="error" if status in ("failed", "rolled_back") else "warning",
        title=words.get(status, f"Deployment {status}"),
        body=reasons or f"The deployment ended as {status}.",
        resource_type="deployment",
        resource_id=str(deployment_id),
    )


def for_reauthorization(*, connection_id: uuid.UUID, platform: str, reason: str) -> NotificationDraft:
    return NotificationDraft(
        kind="connection_reauthorization_required",
        severity="warning",
        title=f"Reconnect your {platform_name(platform)} account",
        body=f"ZAMC can no longer reach {platform_name(platform)}: {reason}. Sign in again to keep "
        "campaigns updated.",
        resource_type="platform_connection",
        resource_id=str(connection_id),
    )


def for_anomaly(
    *, platform: str, campaign_id: str, kind: str, campaign_name: str | None, project_id: uuid.UUID | None
) -> NotificationDraft:
    what = _ANOMALY_WORDS.get(kind, kind.replace("_", " "))
    return NotificationDraft(
        kind="anomaly_detected",
        severity="warning",
        title=f"{what} on {platform_name(platform)}",
        body=f"{what} for campaign {campaign_name or campaign_id}.",
        resource_type="platform_campaign",
        resource_id=campaign_id,
        project_id=project_id,
    )


def _about_recommendation(
    recommendation_id: uuid.UUID,
    project_id: uuid.UUID | None,
    kind: NotificationKind,
    severity: Severity,
    *,
    title: str,
    body: str,
) -> NotificationDraft:
    return NotificationDraft(
        kind=kind,
        severity=severity,
        title=title,
        body=body,
        resource_type="recommendation",
        resource_id=str(recommendation_id),
        project_id=project_id,
    )


def for_recommendation(
    *, recommendation_id: uuid.UUID, title: str, project_id: uuid.UUID | None, autopilot: bool
) -> NotificationDraft:
    return _about_recommendation(
        recommendation_id,
        project_id,
        "recommendation_available",
        "info",
        title="New recommendation" if not autopilot else "Autopilot recommendation",
        body=title,
    )


def for_recommendation_applied(
    *, recommendation_id: uuid.UUID, title: str, project_id: uuid.UUID | None, applied_by: str
) -> NotificationDraft:
    """`zamc.optimization.applied.v1`: the platforms took the change (by a member or autopilot)."""
    return _about_recommendation(
        recommendation_id,
        project_id,
        "recommendation_applied",
        "success",
        title="Autopilot applied a recommendation" if applied_by == "autopilot" else "Recommendation applied",
        body=title,
    )


def for_recommendation_failed(
    *,
    recommendation_id: uuid.UUID,
    title: str,
    project_id: uuid.UUID | None,
    platform: str,
    error: dict[str, Any],
) -> NotificationDraft:
    """A platform refused a change of an applied recommendation (`...change_failed.v1`)."""
    message = error.get("message") or error.get("code") or "no reason given"
    return _about_recommendation(
        recommendation_id,
        project_id,
        "recommendation_failed",
        "error",
        title=f"{platform_name(platform)} refused a recommended change",
        body=f"{title}: {message}. Nothing else was changed; check the campaign on {platform_name(platform)}.",
    )


def for_recommendation_refused(
    *, recommendation_id: uuid.UUID, title: str, project_id: uuid.UUID | None, reason: str
) -> NotificationDraft:
    """`zamc.optimization.closed.v1` (refused): a member asked to apply it; the optimiser did not."""
    return _about_recommendation(
        recommendation_id,
        project_id,
        "recommendation_refused",
        "warning",
        title="Recommendation not applied",
        body=f"{title}: {reason}. Nothing was changed on the platforms.",
    )
