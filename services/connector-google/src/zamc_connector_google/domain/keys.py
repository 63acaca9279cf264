"""Idempotency keys and the tag that carries them in platform object names.

Every object a deployment creates has a stable key `<key_prefix>:<strategy path>` (the command's
`key_prefix` is `<deployment_id>:google_ads`). Budgets, campaigns and ad groups carry a short hash
of their key in their name (`Spring sale [zamc:3f2a9c01d4e5b6a7]`), so that after a crash between
the platform call and our commit the objects can be found again instead of created twice.
"""

from __future__ import annotations

import hashlib
import re

TAG_LENGTH = 16
NAME_LIMIT = 255
_TAG = re.compile(r"\[zamc:([0-9a-f]{16})\]$")


def object_key(key_prefix: str, *parts: str) -> str:
    return ":".join([key_prefix, *parts])


def tag_for(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:TAG_LENGTH]


def tagged_name(name: str, idempotency_key: str, *, limit: int = NAME_LIMIT) -> str:
    """`name` shortened so that the tag suffix fits within the platform's name limit."""
    suffix = f" [zamc:{tag_for(idempotency_key)}]"
    return name.strip()[: limit - len(suffix)].rstrip() + suffix


def tag_in(name: str) -> str | None:
    match = _TAG.search(name)
    return match.group(1) if match else None


def gaql_name_ends_with_tag(field: str, tag: str) -> str:
    """A GAQL condition matching names that end in the tag (`[` and `]` escaped as GAQL LIKE wants)."""
    if not re.fullmatch(r"[0-9a-f]+", tag):
        raise ValueError("a tag is lowercase hex")
    return f"{field} LIKE '%[[]zamc:{tag}[]]'"
