"""GoogleAdsFailure built from the library's own messages, carried in trailing metadata."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.ads.googleads.v26.common.types.policy import PolicyTopicEntry, PolicyTopicEvidence
from google.ads.googleads.v26.enums.types.policy_topic_entry_type import PolicyTopicEntryTypeEnum
from google.ads.googleads.v26.errors.types.errors import ErrorCode, GoogleAdsError, GoogleAdsFailure

FAILURE_KEY = "google.ads.googleads.v26.errors.googleadsfailure-bin"

PathElement = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class AdsError:
    """One error: `category` is an ErrorCode field (e.g. "field_error"), `reason` its enum name."""

    category: str
    reason: str
    message: str
    location: tuple[PathElement, ...] = ()
    trigger: str | None = None
    # policy findings: (topic, PolicyTopicEntryType name) with the offending texts as evidence
    policy_topics: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class GoogleAdsRejection(Exception):
    """Raised inside a handler; the server turns it into a status plus GoogleAdsFailure."""

    errors: list[AdsError]
    status: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
    details: str = field(default="")

    def __post_init__(self) -> None:
        if not self.details:
            self.details = "Request contains an invalid argument."


def failure_bytes(errors: list[AdsError], request_id: str) -> bytes:
    failure = GoogleAdsFailure(request_id=request_id)
    for error in errors:
        category_enum = type(getattr(ErrorCode(), error.category))
        code = ErrorCode(**{error.category: category_enum[error.reason]})
        item = GoogleAdsError(error_code=code, message=error.message)
        if error.trigger is not None:
            item.trigger.string_value = error.trigger
        for topic, entry_type in error.policy_topics:
            entry = PolicyTopicEntry(
                topic=topic, type_=PolicyTopicEntryTypeEnum.PolicyTopicEntryType[entry_type]
            )
            if error.trigger is not None:
                entry.evidences.append(
                    PolicyTopicEvidence(text_list=PolicyTopicEvidence.TextList(texts=[error.trigger]))
                )
            item.details.policy_finding_details.policy_topic_entries.append(entry)
        for name, index in error.location:
            item.location.field_path_elements.append(
                GoogleAdsError.meta.fields["location"].message.FieldPathElement(
                    field_name=name, **({"index": index} if index is not None else {})
                )
            )
        failure.errors.append(item)
    return GoogleAdsFailure.serialize(failure)


def reject(
    *errors: AdsError, status: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> GoogleAdsRejection:
    return GoogleAdsRejection(list(errors), status)
