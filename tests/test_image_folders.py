"""CIFAR-10 (or any labelled set) held as class folders of images: layout checks, order, provenance."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

import mlcore as m
from mlcore import image_folders

CLASSES = ("cat", "dog", "frog")


def _write(folder, per_class, *, fmt="PNG", classes=CLASSES, size=(4, 3), seed=0):
    """Class folders of random images; returns {split: {class: [HxWx3 arrays in file-name order]}}."""
    rng = np.random.default_rng(seed)
    written = {}
    for split, count in per_class.items():
        written[split] = {}
        for name in classes:
            (folder / split / name).mkdir(parents=True)
            written[split][name] = []
            for i in range(count):
                pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
                suffix = "png" if fmt == "PNG" else "jpg"
                Image.fromarray(pixels).save(folder / split / name / f"{i:04d}.{suffix}", format=fmt)
                written[split][name].append(pixels)
    return written


def test_images_are_interleaved_by_class_channel_major_and_hashed(tmp_path):
    written = _write(tmp_path, {"train": 3, "test": 2})
    read = image_folders.read_class_folders(tmp_path, CLASSES, {"train": 3, "test": 2}, size=(4, 3))
    assert read.X["train"].shape == (9, 3 * 4 * 3) and read.X["train"].dtype == np.uint8
    assert read.y["train"].tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert read.y["test"].tolist() == [0, 1, 2, 0, 1, 2]
    # row 4 is image 1 of class 1 ("dog"); PNG is lossless, so the pixels are exact,
    # stored as CIFAR-10's binary version stores them: all red, then green, then blue
    expected = written["train"]["dog"][1].transpose(2, 0, 1).ravel()
    np.testing.assert_array_equal(read.X["train"][4], expected)
    assert read.formats == {"PNG": 15}
    assert read.sha256["train images"] == hashlib.sha256(read.X["train"].tobytes()).hexdigest()
    again = image_folders.read_class_folders(tmp_path, CLASSES, {"train": 3, "test": 2}, size=(4, 3))
    assert again.sha256 == read.sha256


def test_jpeg_images_are_read_and_named_as_jpeg(tmp_path):
    _write(tmp_path, {"train": 2}, fmt="JPEG", size=(32, 32))
    read = image_folders.read_class_folders(tmp_path, CLASSES, {"train": 2})
    assert read.formats == {"JPEG": 6} and read.X["train"].shape == (6, 3072)


@pytest.mark.parametrize("damage, message", [
    (lambda root: (root / "train" / "frog").rename(root / "train" / "toad"),
     r"train: expected exactly the class folders cat, dog, frog; missing frog; unexpected toad"),
    (lambda root: (root / "train" / "dog" / "0001.png").unlink(),
     r"train/dog: holds 1 images; expected 2 for each class"),
    (lambda root: (root / "train" / "cat" / "notes.txt").write_text("x"),
     r"train/cat: 1 entries are not image files .*'notes.txt'"),
    (lambda root: (root / "train" / "cat" / "0001.png").write_bytes(
        (root / "train" / "cat" / "0001.png").read_bytes()[:40]),
     r"train/cat/0001.png: not a readable image"),
    (lambda root: Image.new("RGB", (5, 3)).save(root / "train" / "dog" / "0000.png"),
     r"train/dog/0000.png: a 5×3 RGB image; expected 4×3 RGB"),
    (lambda root: Image.new("L", (4, 3)).save(root / "train" / "dog" / "0000.png"),
     r"train/dog/0000.png: a 4×3 L image; expected 4×3 RGB"),
])
def test_a_damaged_or_incomplete_copy_is_refused_by_name(tmp_path, damage, message):
    _write(tmp_path, {"train": 2})
    damage(tmp_path)
    with pytest.raises(ValueError, match=message):
        image_folders.read_class_folders(tmp_path, CLASSES, {"train": 2}, size=(4, 3))


def test_a_missing_split_folder_is_refused_before_anything_is_decoded(tmp_path, monkeypatch):
    _write(tmp_path, {"train": 1})
    monkeypatch.setattr(image_folders, "_decode", lambda *a: pytest.fail("decoded before the layout was checked"))
    with pytest.raises(FileNotFoundError, match=r"test: no such folder; expected one folder per class"):
        image_folders.read_class_folders(tmp_path, CLASSES, {"train": 1, "test": 1}, size=(4, 3))


def test_progress_must_be_a_flag(tmp_path):
    with pytest.raises(TypeError, match="progress must be True or False; received"):
        image_folders.read_class_folders(tmp_path, CLASSES, {"train": 1}, progress="yes")


def test_load_cifar10_reads_image_folders_and_never_calls_them_official(tmp_path, monkeypatch):
    _write(tmp_path / "cifar10", {"train": 2, "test": 1}, fmt="JPEG", classes=m.datasets.CIFAR10_CLASSES,
           size=(32, 32))
    monkeypatch.setenv("MLCORE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("mlcore.datasets.CIFAR10_IMAGE_SPLITS", {"train": 2, "test": 1})
    monkeypatch.setattr("mlcore.datasets.fetch", lambda *a, **k: pytest.fail("nothing may be downloaded"))
    data = m.load_cifar10(progress=False)
    assert data.X_train.shape == (20, 3072) and data.X_test.shape == (10, 3072)
    assert data.y_test.tolist() == list(range(10))
    assert data.source == "CIFAR-10 from JPEG images (class folders; JPEG re-encoding: not the official pixels)"
    entry = m.datasets.full_scale_sources()["CIFAR-10"]
    assert "official" not in entry["source"].replace("not the official", "")
    assert entry["images"] == {"JPEG": 30} and entry["order"].startswith("interleaved by class")
    assert entry["decoded sha256"]["test images"] == hashlib.sha256(data.X_test.tobytes()).hexdigest()


def test_load_cifar10_refuses_an_incomplete_image_copy_by_name(tmp_path, monkeypatch):
    _write(tmp_path / "cifar10", {"train": 2, "test": 1}, fmt="PNG", classes=m.datasets.CIFAR10_CLASSES,
           size=(32, 32))
    (tmp_path / "cifar10" / "test" / "ship" / "0000.png").unlink()
    monkeypatch.setenv("MLCORE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("mlcore.datasets.CIFAR10_IMAGE_SPLITS", {"train": 2, "test": 1})
    with pytest.raises(ValueError, match=r"cifar10/test/ship: holds 0 images; expected 1 for each class"):
        m.load_cifar10(progress=False)


def test_decoding_shows_progress_when_asked(tmp_path, capsys):
    _write(tmp_path, {"train": 2})
    image_folders.read_class_folders(tmp_path, CLASSES, {"train": 2}, size=(4, 3), progress=True)
    assert "decoding images: " in capsys.readouterr().err
