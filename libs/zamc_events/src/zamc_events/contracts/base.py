"""The envelope every event travels in and the registry of subjects.

An event payload is a pydantic model bound to one subject `zamc.<context>.<event>.v<N>` by
its `subject` class variable; defining the class registers it. Payloads ignore unknown
fields so that a `vN` may grow optional fields without breaking older consumers.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

SUBJECT_PATTERN = re.compile(r"^zamc\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$")

_REGISTRY: dict[str, type[Event]] = {}


class UnknownSubjectError(ValueError):
    """No event model is registered for the subject."""


class InvalidEventError(ValueError):
    """The message is not a valid envelope for its subject."""


class Event(BaseModel):
    """Base of every event payload. Subclasses set `subject` and are registered on definition."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subject: ClassVar[str]
    examples: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is None:
            return
        if not SUBJECT_PATTERN.match(subject):
            raise ValueError(f"{cls.__name__}.subject {subject!r} does not match zamc.<context>.<event>.v<N>")
        if subject in _REGISTRY and _REGISTRY[subject].__qualname__ != cls.__qualname__:
            raise ValueError(
                f"subject {subject!r} is bound to both {_REGISTRY[subject].__name__} and {cls.__name__}"
            )
        _REGISTRY[subject] = cls


P = TypeVar("P", bound=Event)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[P]):
    """Metadata common to every event; `data` is the subject's payload."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    producer: str
    tenant_id: uuid.UUID | None = None
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    data: P

    @classmethod
    def wrap(
        cls,
        data: Event,
        *,
        producer: str,
        tenant_id: uuid.UUID | None = None,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Envelope[Any]:
        event_id = event_id or uuid.uuid4()
        return Envelope[type(data)](  # type: ignore[misc]
            event_id=event_id,
            type=data.subject,
            producer=producer,
            tenant_id=tenant_id,
            correlation_id=correlation_id or event_id,
            causation_id=causation_id,
            data=data,
        )

    def follow_up(self, data: Event, *, producer: str) -> Envelope[Any]:
        """An event caused by this one: same tenant and correlation, causation = this event."""
        return Envelope.wrap(
            data,
            producer=producer,
            tenant_id=self.tenant_id,
            correlation_id=self.correlation_id,
            causation_id=self.event_id,
        )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


def registry() -> dict[str, type[Event]]:
    """Subject -> payload model for every registered event."""
    import zamc_events.contracts  # noqa: F401  (defines and so registers every contract)

    return dict(_REGISTRY)


def model_for(subject: str) -> type[Event]:
    model = _REGISTRY.get(subject) or registry().get(subject)
    if model is None:
        raise UnknownSubjectError(f"no event is registered for subject {subject!r}")
    return model


@functools.cache
def envelope_of(model: type[Event]) -> type[Envelope[Any]]:
    """`Envelope[model]`, built once (pydantic's own lookup of a parametrised model costs more
    than validating a small event)."""
    return Envelope[model]  # type: ignore[valid-type]


def parse_envelope(subject: str, payload: bytes | str) -> Envelope[Any]:
    """Validate a message received on `subject`; raises UnknownSubjectError or InvalidEventError."""
    model = model_for(subject)
    try:
        envelope = envelope_of(model).model_validate_json(payload)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()[:5]
        )
        raise InvalidEventError(f"invalid {subject} event: {problems}") from error
    if envelope.type != subject:
        raise InvalidEventError(f"envelope type {envelope.type!r} does not match subject {subject!r}")
    return envelope
