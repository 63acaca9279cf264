"""Live fan-out: what changed for an organization, pushed to its open streams in every replica.

How a change travels
--------------------
1. A projection (an event handler) or a service function changes the read model and calls
   `announce(session, hub, change)`. Nothing is sent yet: the change waits on the session.
2. When that transaction COMMITS, the change is published on core NATS (not JetStream) at
   `zamc_live.<organization_id>`; a rolled-back transaction announces nothing. A client told
   "deployment X changed" that re-reads X therefore always finds the new state.
3. Every gateway replica holds ONE core-NATS subscription on `zamc_live.>` and hands each
   change to the in-process subscribers of that organization (SSE `/stream`, GraphQL
   subscriptions), filtered per user where the change is personal (notifications).
4. Watchers (`hub.watch(callback)`, e.g. `adapters.read_cache`) hear of every change: in the
   committing replica at once on commit, in the others when the message arrives.

Why not each replica consuming `zamc.>` itself: the gateway's durable JetStream consumer is
shared by its replicas, so an event is projected by exactly ONE replica, whose clients would be
the only ones to hear of it. A per-replica core-NATS subscription on `zamc.>` (or an ephemeral
JetStream consumer) would reach every replica, but it races the projection (a client could
re-read before the commit), and the raw event does not say what the projection decided (which
users were notified, which project a platform campaign belongs to). Announcing after commit from
the replica that projected, over a per-replica core-NATS subscription, gives every replica the
projected outcome, in commit order per replica, at the cost of at-most-once delivery: a replica
that dies between commit and publish loses that one live message, and NATS drops messages to a
slow replica. Live messages are hints, never the record: clients re-read the REST/GraphQL
resources after (re)connecting, and a subscriber that falls behind is told to `resync`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = structlog.get_logger("zamc.gateway.live")

LIVE_SUBJECT_PREFIX = "zamc_live"
SUBSCRIBER_QUEUE_SIZE = 512
_PENDING_KEY = "zamc_live_pending"

# Topics a client may receive (the SSE `event:` name and GraphQL subscription filters).
TOPICS = (
    "project.changed",
    "brief.progress",
    "brief.status",
    "strategy.changed",
    "deployment.status",
    "campaign.changed",
    "metrics.updated",
    "anomaly.detected",
    "recommendation.changed",
    "notification.created",
    "notification.read",
    "asset.changed",
    "connection.changed",
)


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID | datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


@dataclass(frozen=True)
class LiveChange:
    """Something that changed for an organization; `user_id` set means only that user sees it."""

    organization_id: uuid.UUID
    topic: str
    data: dict[str, Any]
    user_id: uuid.UUID | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "id": self.id,
                "organization_id": str(self.organization_id),
                "user_id": str(self.user_id) if self.user_id else None,
                "topic": self.topic,
                "at": self.at.isoformat(),
                "data": self.data,
            },
            default=_json_default,
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_json(cls, payload: bytes) -> LiveChange:
        raw = json.loads(payload)
        return cls(
            id=raw["id"],
            organization_id=uuid.UUID(raw["organization_id"]),
            user_id=uuid.UUID(raw["user_id"]) if raw.get("user_id") else None,
            topic=raw["topic"],
            at=datetime.fromisoformat(raw["at"]),
            data=raw["data"],
        )

    def payload(self) -> dict[str, Any]:
        """What a client receives."""
        return json.loads(self.to_json())


class LiveSubscription:
    """One open stream: an organization, a user, optionally a set of topics."""

    RESYNC = "resync"

    def __init__(
        self,
        hub: LiveHub,
        *,
        organization_id: uuid.UUID,
        user_id: uuid.UUID | None,
        topics: Iterable[str] | None,
    ) -> None:
        self.hub = hub
        self.organization_id = organization_id
        self.user_id = user_id
        self.topics = frozenset(topics) if topics else None
        self.queue: asyncio.Queue[LiveChange | str] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE_SIZE)
        self.lagged = False

    def wants(self, change: LiveChange) -> bool:
        if change.user_id is not None and change.user_id != self.user_id:
            return False
        return self.topics is None or change.topic in self.topics

    def offer(self, change: LiveChange) -> None:
        if self.lagged:
            return
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            # A client that does not read is told to re-read everything, once, and is then dropped.
            self.lagged = True
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(self.RESYNC)

    async def get(self, timeout: float | None = None) -> LiveChange | str | None:
        """The next change, `RESYNC`, or None when `timeout` passes first."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    async def __aiter__(self) -> AsyncIterator[LiveChange]:
        while True:
            item = await self.queue.get()
            if item == self.RESYNC:
                return
            yield item  # type: ignore[misc]

    def close(self) -> None:
        self.hub._remove(self)


class LiveHub:
    """Per-process registry of live subscribers, fed by one core-NATS subscription."""

    def __init__(self, nc: Any = None) -> None:
        self.nc = nc
        self._subscribers: dict[uuid.UUID, set[LiveSubscription]] = defaultdict(set)
        self._subscription: Any = None
        self._start_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watchers: list[Callable[[LiveChange], None]] = []
        self.delivered = 0

    def watch(self, callback: Callable[[LiveChange], None]) -> None:
        """Call `callback(change)` for every change of any organization (it must not block)."""
        self._watchers.append(callback)

    def _tell_watchers(self, changes: Iterable[LiveChange]) -> None:
        for change in changes:
            for watcher in self._watchers:
                watcher(change)

    async def ensure_started(self) -> None:
        """Subscribe to `zamc_live.>` once; without NATS changes are delivered in-process only."""
        if self._subscription is not None or self.nc is None:
            return
        async with self._start_lock:
            if self._subscription is None:
                self._subscription = await self.nc.subscribe(f"{LIVE_SUBJECT_PREFIX}.>", cb=self._receive)
                await self.nc.flush()

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None
        for subscribers in list(self._subscribers.values()):
            for subscriber in list(subscribers):
                subscriber.offer(subscriber.RESYNC)  # type: ignore[arg-type]

    def subscribe(
        self,
        *,
        organization_id: uuid.UUID,
        user_id: uuid.UUID | None = None,
        topics: Iterable[str] | None = None,
    ) -> LiveSubscription:
        subscription = LiveSubscription(self, organization_id=organization_id, user_id=user_id, topics=topics)
        self._subscribers[organization_id].add(subscription)
        return subscription

    @contextlib.asynccontextmanager
    async def subscription(self, **kwargs: Any) -> AsyncIterator[LiveSubscription]:
        await self.ensure_started()
        subscription = self.subscribe(**kwargs)
        try:
            yield subscription
        finally:
            subscription.close()

    def subscriber_count(self, organization_id: uuid.UUID | None = None) -> int:
        if organization_id is not None:
            return len(self._subscribers.get(organization_id, ()))
        return sum(len(s) for s in self._subscribers.values())

    def _remove(self, subscription: LiveSubscription) -> None:
        subscribers = self._subscribers.get(subscription.organization_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                self._subscribers.pop(subscription.organization_id, None)

    def deliver(self, change: LiveChange) -> None:
        """Hand a change to this process's subscribers of its organization."""
        for subscriber in list(self._subscribers.get(change.organization_id, ())):
            if subscriber.wants(change):
                subscriber.offer(change)
                self.delivered += 1

    async def _receive(self, message: Any) -> None:
        try:
            change = LiveChange.from_json(message.data)
        except (ValueError, KeyError):
            log.warning("unreadable live change dropped", subject=message.subject)
            return
        self._tell_watchers((change,))
        self.deliver(change)

    async def publish(self, changes: Iterable[LiveChange]) -> None:
        """Send committed changes to every replica (this one included, through NATS)."""
        changes = list(changes)
        try:
            await self.ensure_started()
            if self.nc is None or not self.nc.is_connected:
                raise ConnectionError("NATS is not connected")
            for change in changes:
                await self.nc.publish(f"{LIVE_SUBJECT_PREFIX}.{change.organization_id}", change.to_json())
        except Exception:
            # Other replicas miss these hints; this replica's clients still get them.
            log.warning("live changes not published; delivering locally", count=len(changes), exc_info=True)
            for change in changes:
                self.deliver(change)

    def committed(self, changes: list[LiveChange]) -> None:
        """Changes whose transaction just committed in this process: watchers now, NATS soon."""
        self._tell_watchers(changes)
        self.publish_soon(changes)

    def publish_soon(self, changes: list[LiveChange]) -> None:
        task = asyncio.get_running_loop().create_task(self.publish(changes))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for pending publications (tests and shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self.nc is not None and self.nc.is_connected:
            with contextlib.suppress(Exception):
                await self.nc.flush()


def announce(session: AsyncSession, hub: LiveHub, *changes: LiveChange) -> None:
    """Queue `changes` on the session's transaction; they are published only if it commits."""
    session.sync_session.info.setdefault(_PENDING_KEY, []).extend((hub, change) for change in changes)


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending: list[tuple[LiveHub, LiveChange]] = session.info.pop(_PENDING_KEY, [])
    by_hub: dict[int, tuple[LiveHub, list[LiveChange]]] = {}
    for hub, change in pending:
        by_hub.setdefault(id(hub), (hub, []))[1].append(change)
    for hub, changes in by_hub.values():
        hub.committed(changes)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(_PENDING_KEY, None)


def live_hub(runtime: Any) -> LiveHub:
    """The process's hub, created on first use and bound to the runtime's NATS connection."""
    hub: LiveHub | None = getattr(runtime, "live_hub", None)
    if hub is None:
        hub = LiveHub(getattr(runtime, "nc", None))
        runtime.live_hub = hub
    elif hub.nc is None and getattr(runtime, "nc", None) is not None:
        hub.nc = runtime.nc
    return hub


async def live_fanout(runtime: Any) -> None:
    """Background job (`ServiceDefinition.background`): subscribe at start-up, unsubscribe at stop."""
    hub = live_hub(runtime)
    await hub.ensure_started()
    try:
        await asyncio.Event().wait()
    finally:
        await hub.stop()
