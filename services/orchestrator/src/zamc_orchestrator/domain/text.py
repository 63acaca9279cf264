"""Fitting text into platform limits without cutting words in half."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from zamc_events.platform_limits import GOOGLE, google_width

Width = Callable[[str], int]

_TRAILING = " \t,;:-–—/&|+·.…(["
_STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or our the their this to with your you who "
    "we that those these all any more most very".split()
)


def clean(text: str) -> str:
    """One line of text: control characters and line breaks become spaces, runs of space collapse."""
    chars = []
    for c in text:
        category = unicodedata.category(c)
        if category == "Cf":
            continue
        chars.append(" " if category in ("Cc", "Zl", "Zp") else c)
    return " ".join("".join(chars).split())


def fit(text: str, limit: int, width: Width = len) -> str:
    """`text` cleaned and, when too wide, cut at the last word boundary that fits (else mid-word)."""
    text = clean(text)
    if width(text) <= limit:
        return text
    used, end = 0, 0
    for i, c in enumerate(text):
        w = width(c)
        if used + w > limit:
            break
        used += w
        end = i + 1
    cut = text[:end]
    if end < len(text) and not text[end].isspace() and " " in cut:
        head = cut.rsplit(" ", 1)[0]
        if width(head) * 2 >= limit:  # keep whole words unless that throws most of the room away
            cut = head
    return cut.rstrip(_TRAILING) or cut.strip()


def fit_words(text: str, max_words: int) -> str:
    return " ".join(clean(text).split()[:max_words])


def words(text: str) -> list[str]:
    """Meaningful words of `text` in order, without stop words or repeats."""
    seen: set[str] = set()
    out = []
    for word in re.findall(r"[^\W_]+", text):
        key = word.casefold()
        if key in _STOPWORDS or key in seen:
            continue
        seen.add(key)
        out.append(word)
    return out


def slug(text: str, limit: int = GOOGLE.path_width) -> str | None:
    """A display path for a Google ad: words joined by '-', within `limit`, or None."""
    parts = re.findall(r"[^\W_]+", text)
    result = ""
    for part in parts:
        candidate = f"{result}-{part}" if result else part
        if google_width(candidate) > limit:
            break
        result = candidate
    if not result and parts:
        result = fit(parts[0], limit, google_width)
    return result or None


def unique_texts(texts: Iterable[str]) -> list[str]:
    """Non-empty texts without repeats, compared as the platform compares them (case-insensitive)."""
    seen: set[str] = set()
    out = []
    for text in texts:
        key = text.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out
