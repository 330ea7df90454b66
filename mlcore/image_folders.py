"""A labelled image data set held as class folders: ``<root>/<split>/<class>/<image>``.

Many copies of CIFAR-10 come this way (``train/airplane/0000.jpg`` …) instead of
the official binary batches.  :func:`read_class_folders` checks the layout before
it decodes anything — the split folders, exactly the expected class folders, the
number of images in each, no stray files — then decodes every image with Pillow,
refusing by name any file that is not a whole image of the expected size and
colour mode.

The folders carry no order of their own beyond the file names, so the images are
*interleaved*: image 0 of every class in class order, then image 1 of every class,
and so on (file names sorted within each class).  Any run of consecutive images
as long as the number of classes holds one of each, so a "last 1 000 images for
validation" protocol stays class-balanced.  Pixels come out as CIFAR-10's binary version stores them:
``uint8 (N, 3·H·W)``, all red values, then green, then blue, rows top to bottom.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _progress
from ._validation import require_flag

#: File-name endings read as images (case-insensitive); hidden files (".DS_Store") are skipped.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class FolderImages:
    """Decoded images of every split, and what was read.

    ``X[split]``: ``uint8 (N, 3·H·W)`` channel-major; ``y[split]``: ``int64 (N,)``;
    ``formats``: how many files of each image format (``{"JPEG": 60000}``);
    ``sha256``: SHA-256 of each decoded array's bytes, by ``"<split> images"`` / ``"<split> labels"``.
    """
    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    formats: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)


def read_class_folders(root, classes, per_class: dict[str, int], *, size=(32, 32),
                       progress: bool = False) -> FolderImages:
    """Read ``root/<split>/<class>/*`` for every split of ``per_class`` (e.g. ``{"train": 5000, "test": 1000}``).

    ``classes`` are the folder names in label order (label k is ``classes[k]``);
    ``size`` is every image's ``(width, height)``.  Raises ``FileNotFoundError`` for a
    missing folder and ``ValueError`` naming the folder or file for anything else
    that is not exactly this layout.  Nothing is decoded until the whole layout has
    been checked.
    """
    root = Path(root)
    require_flag(progress, "progress")
    files = {split: _class_files(root / split, classes, count) for split, count in per_class.items()}
    total = sum(len(names) * len(names[0]) for names in files.values())
    bar = _progress.bar(total, progress, unit="image", desc="decoding images")
    out = FolderImages({}, {})
    try:
        for split, by_class in files.items():
            out.X[split], out.y[split] = _decode_interleaved(by_class, size, out.formats, bar)
    finally:
        bar.close()
    for split in files:
        out.sha256[f"{split} images"] = hashlib.sha256(out.X[split].tobytes()).hexdigest()
        out.sha256[f"{split} labels"] = hashlib.sha256(out.y[split].tobytes()).hexdigest()
    return out


def _class_files(folder: Path, classes, count: int) -> list[list[Path]]:
    """The sorted image files of each class folder under ``folder``, after checking the layout."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder; expected one folder per class "
                                f"({', '.join(classes)}) inside it")
    found = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    missing, extra = sorted(set(classes) - set(found)), sorted(set(found) - set(classes))
    if missing or extra:
        raise ValueError(f"{folder}: expected exactly the class folders {', '.join(classes)}; "
                         + "; ".join(part for part in (f"missing {', '.join(missing)}" if missing else "",
                                                       f"unexpected {', '.join(extra)}" if extra else "") if part))
    by_class = []
    for name in classes:
        class_folder = folder / name
        if not class_folder.is_dir():
            raise ValueError(f"{class_folder}: expected a folder of images, found a file")
        entries = sorted(p for p in class_folder.iterdir() if not p.name.startswith("."))
        strays = [p.name for p in entries if p.suffix.lower() not in IMAGE_SUFFIXES or not p.is_file()]
        if strays:
            raise ValueError(f"{class_folder}: {len(strays)} entries are not image files "
                             f"({', '.join(IMAGE_SUFFIXES)}), e.g. {strays[0]!r}")
        if len(entries) != count:
            raise ValueError(f"{class_folder}: holds {len(entries)} images; expected {count} for each class "
                             f"(an incomplete or different copy)")
        by_class.append(entries)
    return by_class


def _decode_interleaved(by_class: list[list[Path]], size, formats: dict, bar) -> tuple[np.ndarray, np.ndarray]:
    """Image i of every class in turn → ``uint8 (N, 3·H·W)`` channel-major and labels ``int64 (N,)``."""
    n_classes, count = len(by_class), len(by_class[0])
    width, height = size
    X = np.empty((count * n_classes, 3, height, width), dtype=np.uint8)
    for label, paths in enumerate(by_class):
        for i, path in enumerate(paths):
            pixels, fmt = _decode(path, size)
            X[i * n_classes + label] = pixels.transpose(2, 0, 1)
            formats[fmt] = formats.get(fmt, 0) + 1
            bar.update(1)
    y = np.tile(np.arange(n_classes, dtype=np.int64), count)
    return X.reshape(X.shape[0], -1), y


def _decode(path: Path, size) -> tuple[np.ndarray, str]:
    """One image as ``uint8 (H, W, 3)`` and its format name; refuses anything else by the file's name."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            image.load()                 # decode now: a truncated file fails here, not later
            if image.size != tuple(size) or image.mode != "RGB":
                raise ValueError(f"{path}: a {image.size[0]}×{image.size[1]} {image.mode} image; "
                                 f"expected {size[0]}×{size[1]} RGB")
            return np.asarray(image, dtype=np.uint8), image.format or "unknown"
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"{path}: not a readable image ({error})") from None
