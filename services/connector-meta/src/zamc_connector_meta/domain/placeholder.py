"""A generated placeholder image, so an ad without an asset still gets a valid creative."""

from __future__ import annotations

import struct
import zlib
from functools import cache

WIDTH, HEIGHT = 1200, 628  # Meta's recommended 1.91:1 link ad size
COLOUR = (0x1F, 0x4E, 0x79)  # ZAMC blue


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def placeholder_png(width: int = WIDTH, height: int = HEIGHT, colour: tuple[int, int, int] = COLOUR) -> bytes:
    """A solid-colour RGB PNG (deterministic bytes, so its Meta image hash is stable)."""
    row = b"\x00" + bytes(colour) * width
    pixels = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")
