"""`GET /stream`: server-sent events of everything that changes for the caller's organization.

Each event is `event: <topic>` (see `adapters.live.TOPICS`), `id: <change id>` and `data: <JSON>`
with `{id, organization_id, user_id, topic, at, data}`. The stream opens with `event: ready`,
sends a comment every `HEARTBEAT_SECONDS` to keep proxies from closing it, and ends with
`event: resync` when this client fell too far behind (re-read the resources, then reconnect).
Live events are hints: after a (re)connect, re-read what is on screen; nothing is replayed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import StreamingResponse

from zamc_gateway.adapters.live import TOPICS, LiveChange, LiveHub
from zamc_gateway.api.deps import stream_principal
from zamc_gateway.api.live import HubDep
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.domain.errors import invalid
from zamc_gateway.domain.principal import Principal

router = GatewayRouter(tags=["stream"])

HEARTBEAT_SECONDS = 15.0


def sse(event: str, data: object, *, id: str | None = None) -> bytes:
    lines = [f"event: {event}"]
    if id:
        lines.append(f"id: {id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), default=str))
    return ("\n".join(lines) + "\n\n").encode()


async def _events(
    hub: LiveHub, *, organization_id: uuid.UUID, user_id: uuid.UUID | None, topics: list[str] | None
) -> AsyncIterator[bytes]:
    subscription = hub.subscribe(organization_id=organization_id, user_id=user_id, topics=topics)
    try:
        yield b"retry: 3000\n\n"
        yield sse(
            "ready",
            {
                "organization_id": str(subscription.organization_id),
                "topics": sorted(subscription.topics or TOPICS),
            },
        )
        while True:
            item = await subscription.get(timeout=HEARTBEAT_SECONDS)
            if item is None:
                yield b": keep-alive\n\n"
            elif isinstance(item, LiveChange):
                yield sse(item.topic, item.payload(), id=item.id)
            else:  # RESYNC
                yield sse("resync", {"reason": "this stream fell behind; re-read and reconnect"})
                return
    finally:
        subscription.close()


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
    openapi_extra={
        "parameters": [
            {
                "name": "access_token",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "for EventSource, which cannot send headers: an access token (never an "
                "API key; use the Authorization header when you can)",
            }
        ]
    },
)
async def stream(
    principal: Annotated[Principal, Depends(stream_principal)],
    hub: HubDep,
    topics: Annotated[str | None, Query(description="comma-separated topics; default all")] = None,
    organization_id: Annotated[
        uuid.UUID | None,
        Query(description="with `access_token`: the organization to follow (as X-Organization-Id)"),
    ] = None,
) -> StreamingResponse:
    wanted = [t.strip() for t in topics.split(",") if t.strip()] if topics else None
    unknown = sorted(set(wanted or ()) - set(TOPICS))
    if unknown:
        raise invalid("topics", f"unknown topics: {', '.join(unknown)}", allowed=list(TOPICS))
    await hub.ensure_started()
    return StreamingResponse(
        _events(hub, organization_id=principal.organization_id, user_id=principal.user_id, topics=wanted),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"},
    )
