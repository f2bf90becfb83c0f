#!/usr/bin/env python3
"""Draws Bedside's app icons (public/icons/*.png) with the standard library only.

A white bed with a plus above it on a deep blue ground. The maskable icon fills the whole
square and keeps the glyph inside the central safe circle (radius 40%), so any platform
mask leaves it whole. Run from the repository root: python3 tests/e2e/tools/make_icons.py
"""

import struct
import zlib
from pathlib import Path

GROUND = (0x1D, 0x4F, 0x91)  # the manifest's theme_color, #1d4f91
GLYPH = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis, for smooth edges

# The glyph in a unit box: rectangles (x0, y0, x1, y1).
BED = [
    (0.06, 0.30, 0.16, 0.92),  # headboard
    (0.06, 0.66, 0.94, 0.78),  # frame
    (0.84, 0.56, 0.94, 0.92),  # foot
    (0.20, 0.52, 0.38, 0.64),  # pillow
    (0.40, 0.50, 0.94, 0.64),  # blanket
    (0.58, 0.06, 0.70, 0.42),  # plus, upright
    (0.46, 0.18, 0.82, 0.30),  # plus, across
]


def inside_glyph(u, v):
    return any(x0 <= u < x1 and y0 <= v < y1 for x0, y0, x1, y1 in BED)


def inside_rounded_square(x, y, radius):
    """Unit square with rounded corners (for the non-maskable icons)."""
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def draw(size, glyph_box, corner):
    """RGBA rows. glyph_box is (left, top, side) as fractions of the icon."""
    left, top, side = glyph_box
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            ground = glyph = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px + (sx + 0.5) / SAMPLES) / size
                    y = (py + (sy + 0.5) / SAMPLES) / size
                    if corner and not inside_rounded_square(x, y, corner):
                        continue
                    if inside_glyph((x - left) / side, (y - top) / side):
                        glyph += 1
                    else:
                        ground += 1
            total = ground + glyph
            alpha = round(255 * total / SAMPLES**2)
            if total == 0:
                row += bytes(4)
                continue
            colour = [round((g * glyph + b * ground) / total) for g, b in zip(GLYPH, GROUND)]
            row += bytes(colour + [alpha])
        rows.append(bytes(row))
    return rows


def png(size, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = Path("public/icons")
    out.mkdir(parents=True, exist_ok=True)
    # "any" icons: rounded square, glyph at 64% of the side.
    for size in (192, 512):
        rows = draw(size, (0.18, 0.18, 0.64), corner=0.18)
        (out / f"icon-{size}.png").write_bytes(png(size, rows))
    # Maskable: full bleed; the glyph's box (50%) lies within the 40% safe radius.
    rows = draw(512, (0.25, 0.25, 0.50), corner=0)
    (out / "icon-maskable-512.png").write_bytes(png(512, rows))


if __name__ == "__main__":
    main()
