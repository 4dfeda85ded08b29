#!/usr/bin/env python3
"""Writes chosen CIFAR-10 classes out as an image-folder data set: <out>/train/<class>/<n>.png and
<out>/test/<class>/<n>.png, the layout POST /api/v1/datasets takes (zip it, or register the folder).

Only the standard library: the PNGs are written by hand (8-bit RGB, one zlib stream), so the script runs
wherever Python 3 does.

    scripts/cifar-classes-to-folders.py ../shared/data/cifar10 /tmp/three-classes airplane cat ship
"""
import os
import struct
import sys
import zlib

SIDE = 32
PLANE = SIDE * SIDE
RECORD = 1 + 3 * PLANE
TRAIN = ["data_batch_%d.bin" % i for i in range(1, 6)]
TEST = ["test_batch.bin"]


def png(planes: bytes) -> bytes:
    """A 32x32 RGB PNG from CIFAR's channel planes (1024 red, 1024 green, 1024 blue bytes)."""
    rows = bytearray()
    for y in range(SIDE):
        rows.append(0)  # filter type None
        for x in range(SIDE):
            i = y * SIDE + x
            rows += bytes((planes[i], planes[PLANE + i], planes[2 * PLANE + i]))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    source, out, wanted = argv[1], argv[2], argv[3:]
    with open(os.path.join(source, "batches.meta.txt")) as meta:
        classes = [line.strip() for line in meta if line.strip()]
    unknown = [c for c in wanted if c not in classes]
    if unknown:
        sys.exit("not CIFAR-10 classes: %s (known: %s)" % (", ".join(unknown), ", ".join(classes)))
    labels = {classes.index(c): c for c in wanted}
    for split, files in (("train", TRAIN), ("test", TEST)):
        written = {c: 0 for c in wanted}
        for name in files:
            with open(os.path.join(source, name), "rb") as f:
                data = f.read()
            for offset in range(0, len(data), RECORD):
                label = data[offset]
                if label not in labels:
                    continue
                c = labels[label]
                folder = os.path.join(out, split, c)
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, "%05d.png" % written[c]), "wb") as image:
                    image.write(png(data[offset + 1:offset + RECORD]))
                written[c] += 1
        print(split, " ".join("%s=%d" % (c, n) for c, n in written.items()))


if __name__ == "__main__":
    main(sys.argv)
