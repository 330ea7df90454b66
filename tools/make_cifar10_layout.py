"""Write a full-size data set in CIFAR-10's binary layout, to run the CIFAR-10 code path where the real data are absent.

    python tools/make_cifar10_layout.py DIR

writes ``DIR/cifar10/cifar-10-batches-bin/`` with ``data_batch_1..5.bin`` and
``test_batch.bin``: 10 000 records of 3 073 bytes each (one label byte, 3 072 pixel
bytes), 5 000 training and 1 000 test images per class, exactly the official layout.
The pixels are seeded noise around a per-class mean colour, so a network can learn
something but the accuracies mean nothing about CIFAR-10: use it to time the
Sapienza chapter at full size (``MLCORE_DATA_DIR=DIR MLCORE_FULL_DATA=1``), never to
report results.  mlcore reads such a copy as an unverified extracted copy and says so.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

RECORDS, PIXELS = 10_000, 3 * 32 * 32


def batch(rng: np.random.Generator, labels: np.ndarray, means: np.ndarray) -> bytes:
    pixels = rng.normal(0, 40, size=(labels.size, PIXELS)) + means[labels]
    records = np.empty((labels.size, 1 + PIXELS), dtype=np.uint8)
    records[:, 0] = labels
    records[:, 1:] = np.clip(pixels, 0, 255).astype(np.uint8)
    return records.tobytes()


def main(root: str) -> None:
    folder = Path(root) / "cifar10" / "cifar-10-batches-bin"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    means = rng.uniform(60, 200, size=(10, 1)) + rng.normal(0, 20, size=(10, PIXELS))
    train_labels = rng.permutation(np.repeat(np.arange(10), 5_000))
    for k in range(5):
        (folder / f"data_batch_{k + 1}.bin").write_bytes(
            batch(rng, train_labels[k * RECORDS:(k + 1) * RECORDS], means))
    (folder / "test_batch.bin").write_bytes(batch(rng, rng.permutation(np.repeat(np.arange(10), 1_000)), means))
    print(f"wrote {folder} (6 × {RECORDS} records)")


def parse_args(argv: list[str]):
    import argparse
    parser = argparse.ArgumentParser(
        prog="python tools/make_cifar10_layout.py",
        description="Write a full-size stand-in for CIFAR-10 in the official binary layout (about 180 MB) under "
                    "DIR/cifar10/cifar-10-batches-bin/, to time the CIFAR-10 code path. Its accuracies mean nothing.")
    parser.add_argument("dir", metavar="DIR", help="the data folder to write into (then MLCORE_DATA_DIR=DIR)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]).dir)
