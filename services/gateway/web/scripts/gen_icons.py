"""Rasterise public/icon.svg's shapes into the PNG icons the web app manifest lists (no image library).

Run: python3 scripts/gen_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

INDIGO = (0x4F, 0x46, 0xE5)
WHITE = (0xFF, 0xFF, 0xFF)
CYAN = (0x22, 0xD3, 0xEE)
Z = [(18, 19), (46, 19), (46, 25), (27, 41), (46, 41), (46, 47), (18, 47), (18, 41), (37, 25), (18, 25)]


def inside(poly: list[tuple[float, float]], x: float, y: float) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def pixel(x: float, y: float, maskable: bool) -> tuple[int, int, int, int]:
    if maskable:  # safe zone: shrink the artwork into the middle 80 %
        x, y = (x - 32) / 0.8 + 32, (y - 32) / 0.8 + 32
    r = 14
    cx = min(max(x, r), 64 - r)
    cy = min(max(y, r), 64 - r)
    in_rect = 0 <= x <= 64 and 0 <= y <= 64 and (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if not in_rect:
        return (*INDIGO, 255) if maskable else (0, 0, 0, 0)
    if (x - 48) ** 2 + (y - 17) ** 2 <= 25:
        return (*CYAN, 255)
    if inside(Z, x, y):
        return (*WHITE, 255)
    return (*INDIGO, 255)


def png(size: int, maskable: bool) -> bytes:
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            # 2x2 supersampling
            samples = [pixel((i + dx) * 64 / size, (j + dy) * 64 / size, maskable) for dx in (0.25, 0.75) for dy in (0.25, 0.75)]
            row += bytes(round(sum(s[k] for s in samples) / 4) for k in range(4))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def main() -> None:
    public = Path(__file__).resolve().parent.parent / "public"
    (public / "icon-192.png").write_bytes(png(192, maskable=False))
    (public / "icon-512.png").write_bytes(png(512, maskable=True))
    print("wrote icon-192.png and icon-512.png")


if __name__ == "__main__":
    main()
