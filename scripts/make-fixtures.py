#!/usr/bin/env python3
"""Writes the tiny data-set fixtures of the network module's tests (tests/data/nonconvex/).

Standard library only; the output is deterministic (gzip timestamps are zero), so re-running the
script reproduces the committed files byte for byte.

- fashion-mnist-raw/ and fashion-mnist-gz/: the first 32 training and 16 test examples of the
  real Fashion-MNIST (IDX format, cut from /usr/share/datasets/fashion-mnist, the Debian package
  dataset-fashion-mnist), uncompressed and gzip-compressed.
- cifar10/: CIFAR-10 binary batches with synthetic content (the real set is not installed):
  data_batch_1.bin ... data_batch_5.bin with 4 records each and test_batch.bin with 10 records.
  In batch b (1..5 for training, 0 for test), record r has label (3*r + b) % 10 and pixel
  (channel c, row y, column x) = (b*37 + r*11 + c*101 + y*7 + x*3) % 256.
- fixtures.txt: checksums the tests compare against (independently of the C++ readers).

Usage: scripts/make-fixtures.py [SOURCE_DIR]
"""
import gzip
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "nonconvex"
TRAIN_COUNT, TEST_COUNT = 32, 16
CIFAR_TRAIN_RECORDS, CIFAR_TEST_RECORDS = 4, 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        return f.read()


def cut_images(data, count):
    magic, _, rows, cols = struct.unpack(">IIII", data[:16])
    assert magic == 0x803
    return struct.pack(">IIII", magic, count, rows, cols) + data[16:16 + count * rows * cols]


def cut_labels(data, count):
    magic, _ = struct.unpack(">II", data[:8])
    assert magic == 0x801
    return struct.pack(">II", magic, count) + data[8:8 + count]


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def write_gzip(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(content)


def cifar_batch(batch, records):
    out = bytearray()
    for r in range(records):
        out.append((3 * r + batch) % 10)
        for c in range(3):
            for y in range(32):
                for x in range(32):
                    out.append((batch * 37 + r * 11 + c * 101 + y * 7 + x * 3) % 256)
    return bytes(out)


def main():
    source = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist")
    summary = []
    for prefix, count in (("train", TRAIN_COUNT), ("t10k", TEST_COUNT)):
        images = cut_images(read_idx(source / f"{prefix}-images-idx3-ubyte.gz"), count)
        labels = cut_labels(read_idx(source / f"{prefix}-labels-idx1-ubyte.gz"), count)
        for name, content in ((f"{prefix}-images-idx3-ubyte", images),
                              (f"{prefix}-labels-idx1-ubyte", labels)):
            write(ROOT / "fashion-mnist-raw" / name, content)
            write_gzip(ROOT / "fashion-mnist-gz" / (name + ".gz"), content)
        summary.append(f"fashion-mnist {prefix}: {count} images, pixel byte sum "
                       f"{sum(images[16:])}, label sum {sum(labels[8:])}")
    for batch in range(1, 6):
        write(ROOT / "cifar10" / f"data_batch_{batch}.bin", cifar_batch(batch, CIFAR_TRAIN_RECORDS))
    write(ROOT / "cifar10" / "test_batch.bin", cifar_batch(0, CIFAR_TEST_RECORDS))
    write(ROOT / "fixtures.txt", ("\n".join(summary) + "\n").encode())
    print("\n".join(summary))


if __name__ == "__main__":
    main()
