"""The Google Ads rules ZAMC must respect: RSA limits, required fields, names, budgets, keywords."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from google.protobuf.message import Message

from zamc_sandbox.google.accounts import MINIMUM_CURRENCY_UNIT_MICROS, MINIMUM_DAILY_BUDGET_MICROS
from zamc_sandbox.google.failures import AdsError, PathElement
from zamc_sandbox.google.resources import enum_name

HEADLINES = (3, 15, 30)  # min count, max count, max width
DESCRIPTIONS = (2, 4, 90)
PATH_WIDTH = 15
KEYWORD_WIDTH, KEYWORD_WORDS = 80, 10


def display_width(text: str) -> int:
    """Google counts double-width (CJK, full-width) characters as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def required(value: object, where: tuple[PathElement, ...], field: str) -> list[AdsError]:
    if value:
        return []
    return [
        AdsError("field_error", "REQUIRED", "The required field was not present.", (*where, (field, None)))
    ]


def check_budget(
    budget: Message,
    where: tuple[PathElement, ...],
    currency: str,
    names_in_use: Iterable[str],
    creating: bool,
) -> list[AdsError]:
    errors = required(budget.amount_micros, where, "amount_micros") if creating else []
    if budget.amount_micros:
        at = (*where, ("amount_micros", None))
        if budget.amount_micros < 0:
            errors.append(AdsError("campaign_budget_error", "NEGATIVE_MONEY_AMOUNT", "Negative amount.", at))
        elif budget.amount_micros < MINIMUM_DAILY_BUDGET_MICROS.get(currency, 1_000_000):
            errors.append(
                AdsError(
                    "campaign_budget_error",
                    "BUDGET_BELOW_PER_DAY_MINIMUM",
                    f"The budget is below the minimum daily budget for {currency}.",
                    at,
                )
            )
        elif budget.amount_micros % MINIMUM_CURRENCY_UNIT_MICROS:
            errors.append(
                AdsError(
                    "campaign_budget_error",
                    "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                    "The amount is not a multiple of the minimum currency unit.",
                    at,
                )
            )
    if budget.name and budget.name in names_in_use:
        errors.append(
            AdsError(
                "campaign_budget_error",
                "DUPLICATE_NAME",
                "Budget name already in use.",
                (*where, ("name", None)),
                budget.name,
            )
        )
    return errors


def check_campaign(
    campaign: Message, where: tuple[PathElement, ...], names_in_use: Iterable[str], creating: bool
) -> list[AdsError]:
    errors: list[AdsError] = []
    if creating:
        errors += required(campaign.name, where, "name")
        errors += required(campaign.campaign_budget, where, "campaign_budget")
        errors += required(campaign.advertising_channel_type, where, "advertising_channel_type")
        errors += required(
            campaign.contains_eu_political_advertising, where, "contains_eu_political_advertising"
        )
    if campaign.name and campaign.name in names_in_use:
        errors.append(
            AdsError(
                "campaign_error",
                "DUPLICATE_CAMPAIGN_NAME",
                "Campaign with this name already exists.",
                (*where, ("name", None)),
                campaign.name,
            )
        )
    return errors


def check_ad_group(
    group: Message, where: tuple[PathElement, ...], names_in_use: Iterable[str], creating: bool
) -> list[AdsError]:
    errors: list[AdsError] = []
    if creating:
        errors += required(group.name, where, "name")
        errors += required(group.campaign, where, "campaign")
    if group.name and group.name in names_in_use:
        errors.append(
            AdsError(
                "ad_group_error",
                "DUPLICATE_ADGROUP_NAME",
                "AdGroup with the same name already exists for the campaign.",
                (*where, ("name", None)),
                group.name,
            )
        )
    return errors


# Editorial policy the sandbox enforces on ad text: repeated or gimmicky punctuation ("Sale!!", "Why?!")
# is disapproved, as Google's punctuation and symbols policy does. A PROHIBITED topic disapproves the ad,
# so creating (or validating) it fails with policy_finding_error.POLICY_FINDING and the topic in the
# error's policy finding details.
GIMMICKY_PUNCTUATION = re.compile(r"[!?]{2,}")
PUNCTUATION_TOPIC = "PUNCTUATION"


def policy_findings(text: str, where: tuple[PathElement, ...]) -> list[AdsError]:
    if not GIMMICKY_PUNCTUATION.search(text):
        return []
    return [
        AdsError(
            "policy_finding_error",
            "POLICY_FINDING",
            "The resource has been disapproved since the policy summary includes policy topics of type "
            "PROHIBITED.",
            where,
            text,
            ((PUNCTUATION_TOPIC, "PROHIBITED"),),
        )
    ]


def _check_texts(
    assets: list[Message],
    limits: tuple[int, int, int],
    at: tuple[PathElement, ...],
) -> list[AdsError]:
    low, high, width = limits
    errors: list[AdsError] = []
    if len(assets) < low:
        errors.append(AdsError("collection_size_error", "TOO_FEW", "Too few.", at))
    elif len(assets) > high:
        errors.append(AdsError("collection_size_error", "TOO_MANY", "Too many.", at))
    name, _ = at[-1]
    for i, asset in enumerate(assets):
        where = (*at[:-1], (name, i), ("text", None))
        if not asset.text.strip():
            errors.append(AdsError("ad_error", "EMPTY_FIELD", "The field must not be empty.", where))
        elif display_width(asset.text) > width:
            errors.append(AdsError("ad_error", "TOO_LONG", f"Too long (maximum {width}).", where, asset.text))
        else:
            errors += policy_findings(asset.text, where)
    return errors


def check_ad_group_ad(ad_group_ad: Message, where: tuple[PathElement, ...], creating: bool) -> list[AdsError]:
    errors: list[AdsError] = []
    if creating:
        errors += required(ad_group_ad.ad_group, where, "ad_group")
    ad = ad_group_ad.ad
    ad_at = (*where, ("ad", None))
    if creating:
        errors += required(list(ad.final_urls), ad_at, "final_urls")
    if ad.HasField("responsive_search_ad"):
        rsa = ad.responsive_search_ad
        rsa_at = (*ad_at, ("responsive_search_ad", None))
        errors += _check_texts(list(rsa.headlines), HEADLINES, (*rsa_at, ("headlines", None)))
        errors += _check_texts(list(rsa.descriptions), DESCRIPTIONS, (*rsa_at, ("descriptions", None)))
        for path in ("path1", "path2"):
            if display_width(getattr(rsa, path)) > PATH_WIDTH:
                errors.append(
                    AdsError(
                        "ad_error",
                        "TOO_LONG",
                        f"Too long (maximum {PATH_WIDTH}).",
                        (*rsa_at, (path, None)),
                        getattr(rsa, path),
                    )
                )
        if rsa.path2 and not rsa.path1:
            errors.append(
                AdsError(
                    "ad_error",
                    "CANNOT_SET_PATH2_WITHOUT_PATH1",
                    "path2 set without path1.",
                    (*rsa_at, ("path2", None)),
                )
            )
    elif creating:
        errors.append(
            AdsError("ad_error", "INVALID_AD_TYPE", "The sandbox accepts responsive search ads.", ad_at)
        )
    return errors


def check_ad_group_criterion(
    criterion: Message, where: tuple[PathElement, ...], creating: bool
) -> list[AdsError]:
    errors: list[AdsError] = []
    if creating:
        errors += required(criterion.ad_group, where, "ad_group")
    if criterion.HasField("keyword"):
        text = criterion.keyword.text
        at = (*where, ("keyword", None), ("text", None))
        if len(text) > KEYWORD_WIDTH:
            errors.append(
                AdsError("criterion_error", "KEYWORD_TEXT_TOO_LONG", "Keyword text too long.", at, text)
            )
        elif len(text.split()) > KEYWORD_WORDS:
            errors.append(
                AdsError("criterion_error", "KEYWORD_HAS_TOO_MANY_WORDS", "Too many words.", at, text)
            )
        elif creating and enum_name(criterion.keyword, "match_type") in ("UNSPECIFIED", "UNKNOWN"):
            errors += required(0, (*where, ("keyword", None)), "match_type")
    return errors


def check_campaign_criterion(
    criterion: Message, where: tuple[PathElement, ...], creating: bool
) -> list[AdsError]:
    return required(criterion.campaign, where, "campaign") if creating else []


Check = Callable[..., list[AdsError]]
