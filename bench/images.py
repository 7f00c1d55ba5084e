"""Benchmark section "images": what a photo upload costs, against Pillow doing the least it could.

A 12-megapixel JPEG (4000 × 3000, with EXIF and GPS) is accepted as an upload is: decoded, turned
upright, checked for completeness, blurred in three rectangles, re-encoded without metadata, with a
480-pixel copy. The baseline is Pillow decoding the same file and writing it again as a JPEG of the same
quality, nothing else (target: at most 3× that). A decompression bomb (a 200-byte PNG claiming
20000 × 20000 pixels) must be refused in well under a millisecond: it is never decoded.
Rows are ``(label, measured, baseline, ratio, target)``. Run alone with ``python bench/images.py``.
"""
from __future__ import annotations

import io
import random
import statistics
import struct
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROUNDS = 5


def _photo() -> bytes:
    rng = random.Random(5)
    tile = bytes(rng.getrandbits(8) for _ in range(200 * 150 * 3))
    from PIL import Image

    small = Image.frombytes("RGB", (200, 150), tile)
    picture = small.resize((4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x8825] = {1: "N", 2: (36.0, 12.0, 0.0), 3: "E", 4: (37.0, 9.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _bomb() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _median(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def section() -> list[tuple]:
    from PIL import Image

    from campaign import images

    photo = _photo()

    def baseline():
        out = io.BytesIO()
        Image.open(io.BytesIO(photo)).convert("RGB").save(out, "JPEG", quality=images.JPEG_QUALITY)

    def accept():
        images.prepare(photo, credit="Bench", licence="CC0", blur_rects="10,10,15,20\n40,12,15,20\n70,8,15,20")

    def refuse():
        try:
            images.decode(_bomb(), "file")
        except images.ImageError:
            return
        raise AssertionError("the bomb was accepted")

    base, measured = _median(baseline), _median(accept)
    bomb = _median(refuse, 50)
    return [
        ("upload of a 12 MP JPEG with 3 blurred faces (s)", measured, base, measured / base, "≤ 3× (Pillow re-encode)"),
        ("refusal of a 20000 × 20000 PNG bomb (ms)", bomb * 1000, "", "", "< 1 ms"),
    ]


if __name__ == "__main__":
    from run import print_table  # noqa: E402 - bench/ is on the path when run from there

    print_table(section())
