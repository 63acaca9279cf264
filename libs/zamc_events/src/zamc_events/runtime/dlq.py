"""Dead letters: the original message plus who failed it and why, in the ZAMC_DLQ stream."""

from __future__ import annotations

from dataclasses import dataclass

import nats.js
from nats.aio.msg import Msg

from zamc_events.runtime.streams import DLQ_STREAM, DLQ_SUBJECT_PREFIX

ORIGINAL_SUBJECT = "Zamc-Original-Subject"
CONSUMER = "Zamc-Consumer"
REASON = "Zamc-Failure-Reason"
ORIGINAL_SEQUENCE = "Zamc-Original-Sequence"
ORIGINAL_HEADERS_PREFIX = "Zamc-Orig-"


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    original_subject: str
    consumer: str
    reason: str
    payload: bytes
    headers: dict[str, str]


async def dead_letter(js: nats.js.JetStreamContext, *, message: Msg, consumer: str, reason: str) -> None:
    original_headers = {k: v for k, v in (message.headers or {}).items() if k != "Nats-Msg-Id"}
    sequence = message.metadata.sequence.stream if message.reply else 0
    headers = {
        ORIGINAL_SUBJECT: message.subject,
        CONSUMER: consumer,
        REASON: reason[:2000].replace("\r", " ").replace("\n", " "),
        ORIGINAL_SEQUENCE: str(sequence),
        "Nats-Msg-Id": f"dlq:{consumer}:{message.subject}:{sequence}",
        **{f"{ORIGINAL_HEADERS_PREFIX}{k}": v for k, v in original_headers.items()},
    }
    await js.publish(f"{DLQ_SUBJECT_PREFIX}.{consumer}", message.data, headers=headers, stream=DLQ_STREAM)


async def read_dead_letter(js: nats.js.JetStreamContext, sequence: int) -> DeadLetter | None:
    try:
        raw = await js.get_msg(DLQ_STREAM, seq=sequence)
    except nats.js.errors.NotFoundError:
        return None
    headers = raw.headers or {}
    return DeadLetter(
        sequence=sequence,
        original_subject=headers.get(ORIGINAL_SUBJECT, ""),
        consumer=headers.get(CONSUMER, ""),
        reason=headers.get(REASON, ""),
        payload=raw.data or b"",
        headers={
            k[len(ORIGINAL_HEADERS_PREFIX) :]: v
            for k, v in headers.items()
            if k.startswith(ORIGINAL_HEADERS_PREFIX)
        },
    )


async def list_dead_letters(js: nats.js.JetStreamContext, *, limit: int = 100) -> list[DeadLetter]:
    state = (await js.stream_info(DLQ_STREAM)).state
    letters: list[DeadLetter] = []
    for sequence in range(state.first_seq, state.last_seq + 1):
        if len(letters) >= limit:
            break
        if (letter := await read_dead_letter(js, sequence)) is not None:
            letters.append(letter)
    return letters


async def replay_dead_letter(js: nats.js.JetStreamContext, sequence: int) -> DeadLetter:
    """Publish a dead letter back to its original subject and remove it from the DLQ.

    The replayed message gets a new `Nats-Msg-Id` so JetStream does not drop it as a duplicate;
    the envelope's event_id is unchanged, so consumers that already handled it still skip it.
    """
    letter = await read_dead_letter(js, sequence)
    if letter is None:
        raise LookupError(f"no dead letter with sequence {sequence}")
    headers = {**letter.headers, "Nats-Msg-Id": f"replay:{sequence}:{letter.original_subject}"}
    await js.publish(letter.original_subject, letter.payload, headers=headers)
    await js.delete_msg(DLQ_STREAM, sequence)
    return letter


async def count_dead_letters(js: nats.js.JetStreamContext) -> int:
    return (await js.stream_info(DLQ_STREAM)).state.messages
