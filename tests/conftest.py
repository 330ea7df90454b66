import os
import sys
from pathlib import Path

import numpy as np
import pytest

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture
def shared_mnist():
    """The real MNIST files beside the project, or skip when they are absent."""
    if not SHARED_MNIST.is_dir():
        pytest.skip("../shared/data/mnist is not present on this machine")
    return SHARED_MNIST


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# The project's tools and Sphinx extensions, importable by the tests that check them.
sys.path[:0] = [str(Path(__file__).resolve().parents[1] / folder) for folder in ("tools", "_ext")]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (tools/chromium.py) for the browser tests; they skip without it, except in CI."""
    import chromium
    if None in chromium.binaries():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs chromium and chromium-driver")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    with chromium.headless(console_log=True) as driver:
        yield driver
