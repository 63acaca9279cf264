"""Field-level fixes that bring one piece of a strategy within its platform limit.

Each function is idempotent: a value already within its limits comes back unchanged (apart from
whitespace), so the repair can run them over a whole strategy and touch only what breaks a limit.
"""

from __future__ import annotations

from collections.abc import Iterable

from zamc_events.platform_limits import COUNTRY_CODE, GOOGLE, META, URL, google_width
from zamc_orchestrator.domain.text import clean, fit, fit_words, slug, unique_texts


def _without(text: str, chars: str) -> str:
    for char in chars:
        text = text.replace(char, " ")
    return text


def keyword(text: str) -> str:
    text = fit_words(_without(text, GOOGLE.keyword_forbidden_chars), GOOGLE.keyword_words)
    return fit(text, GOOGLE.keyword_width, google_width)


def keywords(texts: Iterable[str]) -> list[str]:
    return unique_texts(keyword(text) for text in texts)


def headline(text: str) -> str:
    return fit(_without(text, GOOGLE.headline_forbidden_chars), GOOGLE.headline_width, google_width)


def headlines(texts: Iterable[str], padding: Iterable[str]) -> list[str]:
    """Fitted, unique, at most 15, and padded to at least 3 from `padding`."""
    fitted = unique_texts(headline(text) for text in texts)[: GOOGLE.headlines_max]
    if len(fitted) < GOOGLE.headlines_min:
        fitted = unique_texts([*fitted, *(headline(text) for text in padding)])[: GOOGLE.headlines_min]
    return fitted


def description(text: str) -> str:
    return fit(text, GOOGLE.description_width, google_width)


def descriptions(texts: Iterable[str], padding: Iterable[str]) -> list[str]:
    """Fitted, unique, at most 4, and padded to at least 2 from `padding`."""
    fitted = unique_texts(description(text) for text in texts)[: GOOGLE.descriptions_max]
    if len(fitted) < GOOGLE.descriptions_min:
        fitted = unique_texts([*fitted, *(description(text) for text in padding)])[: GOOGLE.descriptions_min]
    return fitted


def paths(path1: str | None, path2: str | None) -> tuple[str | None, str | None]:
    """Display paths without spaces or '/', within 15; path2 only after path1."""
    first = slug(path1) if path1 else None
    second = slug(path2) if path2 else None
    if first is None:
        return second, None
    return first, second


def name(text: str, fallback: str, limit: int = GOOGLE.name_length) -> str:
    return fit(text, limit) or fit(fallback, limit)


def unique_names(names: list[str], limit: int = GOOGLE.name_length) -> list[str]:
    """Names made unique (case-insensitive) by numbering repeats, each within `limit`."""
    seen: set[str] = set()
    out = []
    for original in names:
        candidate, n = original, 1
        while candidate.strip().casefold() in seen:
            n += 1
            suffix = f" {n}"
            candidate = fit(original, limit - len(suffix)) + suffix
        seen.add(candidate.strip().casefold())
        out.append(candidate)
    return out


def countries(codes: Iterable[str]) -> list[str]:
    out = []
    for code in codes:
        code = clean(code).upper()
        if COUNTRY_CODE.match(code) and code not in out:
            out.append(code)
    return out


def url(value: str | None, fallback: str) -> str | None:
    """`value` when it is an http(s) URL, else `fallback` when that is, else None."""
    for candidate in (value, fallback):
        if candidate and URL.match(candidate.strip()):
            return candidate.strip()
    return None


def meta_primary_text(text: str, fallback: str) -> str:
    return fit(text, META.primary_text_length) or fallback


def meta_headline(text: str, fallback: str) -> str:
    return fit(text, META.headline_length) or fallback


def meta_description(text: str | None) -> str | None:
    return (fit(text, META.description_length) or None) if text else None


def age(value: int) -> int:
    return min(max(value, META.age_min), META.age_max)
