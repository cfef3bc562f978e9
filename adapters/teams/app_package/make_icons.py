"""Draw the Teams app icons (color.png 192x192, outline.png 32x32) with the standard library.

Run `python -m adapters.teams.app_package.make_icons` to redraw them; the PNGs are committed
beside this script.
Teams wants the color icon full-bleed and the outline icon white on transparent.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
BLUE = (0x1D, 0x4E, 0x89)
WHITE = (0xFF, 0xFF, 0xFF)
# A check mark in unit coordinates: two strokes meeting at the bottom.
CHECK = [((0.26, 0.52), (0.43, 0.69)), ((0.43, 0.69), (0.75, 0.33))]


def _distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _coverage(size: int, x: int, y: int, width: float) -> float:
    """How much of pixel (x, y) the check mark covers, 0..1 (4x4 supersampling)."""
    hits = 0
    for sy in range(4):
        for sx in range(4):
            px, py = (x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size
            if min(_distance(px, py, a, b) for a, b in CHECK) <= width / 2:
                hits += 1
    return hits / 16


def png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An RGBA PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def color_icon(size: int = 192) -> bytes:
    """White check mark on the brand blue, full-bleed."""
    rows: list[list[tuple[int, int, int, int]]] = []
    for y in range(size):
        row: list[tuple[int, int, int, int]] = []
        for x in range(size):
            a = _coverage(size, x, y, 0.11)
            r, g, b = (round(c + (w - c) * a) for c, w in zip(BLUE, WHITE, strict=True))
            row.append((r, g, b, 255))
        rows.append(row)
    return png(size, size, rows)


def outline_icon(size: int = 32) -> bytes:
    """White check mark on transparent."""
    rows = [
        [(*WHITE, round(255 * _coverage(size, x, y, 0.14))) for x in range(size)]
        for y in range(size)
    ]
    return png(size, size, rows)


if __name__ == "__main__":
    (HERE / "color.png").write_bytes(color_icon())
    (HERE / "outline.png").write_bytes(outline_icon())
