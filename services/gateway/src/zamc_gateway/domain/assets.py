"""Creative assets: what may be uploaded, how it is named, and its review states.

The bytes decide the type: images are recognised by their signature (PNG, JPEG, GIF, WebP),
text must be UTF-8 without NUL bytes. A declared content type that contradicts the bytes is
refused, so a script cannot be stored as an image. Bytes are stored once, named by their sha256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from zamc_gateway.domain.errors import Conflict, DomainError, invalid

AssetKind = Literal["image", "text"]
AssetStatus = Literal["pending_review", "approved", "rejected"]

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TEXT_BYTES = 64 * 1024
MAX_NAME_LENGTH = 200

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
TEXT_TYPES = ("text/plain", "text/markdown")


class AssetTooLarge(DomainError):
    status = 413
    title = "Content too large"
    type = "https://zamc.dev/problems/too-large"


def _rejected(message: str, *, field: str = "/file", status: int = 422) -> DomainError:
    """The upload is not an acceptable asset: 413 when too large, else 422 naming the field."""
    return AssetTooLarge(message) if status == 413 else invalid(field, message)


@dataclass(frozen=True)
class CheckedUpload:
    kind: AssetKind
    content_type: str
    size_bytes: int
    sha256: str

    @property
    def object_name(self) -> str:
        return self.sha256


def sniff_image(content: bytes) -> str | None:
    """The image type the bytes' signature names, if any."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_upload(*, content: bytes, declared_type: str | None) -> CheckedUpload:
    """Decide kind and type from the bytes, check size, and name the bytes by their sha256."""
    declared = (declared_type or "").split(";")[0].strip().lower()
    if not content:
        raise _rejected("the file is empty")
    image_type = sniff_image(content)
    if image_type is not None:
        if declared and declared not in ("application/octet-stream", image_type):
            raise _rejected(f"the file is {image_type}, not {declared}", field="/file")
        if len(content) > MAX_IMAGE_BYTES:
            raise _rejected(f"images may be at most {MAX_IMAGE_BYTES} bytes", status=413)
        kind: AssetKind = "image"
        content_type = image_type
    else:
        if declared.startswith("image/"):
            raise _rejected(f"the file is not a {declared} image", field="/file")
        if declared and declared not in (*TEXT_TYPES, "application/octet-stream"):
            raise _rejected(f"unsupported type {declared}: images ({', '.join(IMAGE_TYPES)}) or text only")
        if len(content) > MAX_TEXT_BYTES:
            raise _rejected(f"text may be at most {MAX_TEXT_BYTES} bytes", status=413)
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise _rejected("text must be UTF-8") from None
        if b"\x00" in content:
            raise _rejected("text must not contain NUL bytes")
        kind = "text"
        content_type = (declared if declared in TEXT_TYPES else "text/plain") + "; charset=utf-8"
    return CheckedUpload(
        kind=kind,
        content_type=content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def clean_name(name: str | None, *, fallback: str) -> str:
    name = (name or "").strip() or fallback
    if len(name) > MAX_NAME_LENGTH:
        raise _rejected(f"the name may be at most {MAX_NAME_LENGTH} characters", field="/name")
    return name


def review(status: str, decision: Literal["approve", "reject"]) -> AssetStatus:
    """A pending asset is approved or rejected; a decision can be changed, not repeated."""
    target: AssetStatus = "approved" if decision == "approve" else "rejected"
    if status == target:
        raise Conflict(f"the asset is already {status}")
    return target
