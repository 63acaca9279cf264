"""JetStream streams, declared in code and provisioned idempotently at start-up."""

from __future__ import annotations

from dataclasses import dataclass

import nats.js
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

DAY = 24 * 3600.0
DLQ_STREAM = "ZAMC_DLQ"
DLQ_SUBJECT_PREFIX = "zamc.dlq"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age_seconds: float = 14 * DAY
    duplicate_window_seconds: float = 10 * 60
    retention: RetentionPolicy = RetentionPolicy.LIMITS
    max_bytes: int = -1

    def config(self, replicas: int = 1) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            storage=StorageType.FILE,
            retention=self.retention,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_seconds,
            max_bytes=self.max_bytes,
            duplicate_window=self.duplicate_window_seconds,
            num_replicas=replicas,
        )


def _context(name: str) -> StreamSpec:
    return StreamSpec(name=f"ZAMC_{name.upper()}", subjects=(f"zamc.{name}.>",))


STREAMS: tuple[StreamSpec, ...] = (
    _context("strategy"),
    _context("campaign"),
    _context("google_ads"),
    _context("meta"),
    _context("metrics"),
    _context("analytics"),
    _context("optimization"),
    StreamSpec(name=DLQ_STREAM, subjects=(f"{DLQ_SUBJECT_PREFIX}.>",), max_age_seconds=30 * DAY),
)


def stream_for(subject: str) -> StreamSpec:
    context = subject.split(".")[1]
    for spec in STREAMS:
        if f"zamc.{context}.>" in spec.subjects:
            return spec
    raise LookupError(f"no stream holds subject {subject!r}")


async def provision_streams(
    js: nats.js.JetStreamContext, streams: tuple[StreamSpec, ...] = STREAMS, *, replicas: int = 1
) -> None:
    for spec in streams:
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(spec.config(replicas))
        else:
            await js.update_stream(spec.config(replicas))
