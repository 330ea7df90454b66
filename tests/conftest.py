import os
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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (textbook.browser) for the browser tests; they skip without it, except in CI."""
    from textbook import browser
    if None in browser.binaries():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs chromium and chromium-driver")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    with browser.headless(console_log=True) as driver:
        yield driver
