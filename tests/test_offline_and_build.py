"""The book fails loudly when a chapter breaks, and its default mode never uses the network."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "tests" / "offline"


def _run_guarded(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(GUARD))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_guard_blocks_remote_connections():
    result = _run_guarded(textwrap.dedent("""
        import socket
        s = socket.socket()
        try:
            s.connect(("93.184.216.34", 80))
        except OSError as err:
            print("blocked:", err)
    """))
    assert "blocked: network access blocked" in result.stdout, result.stderr


def test_guard_allows_loopback():
    result = _run_guarded(textwrap.dedent("""
        import socket
        server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
        client = socket.socket(); client.connect(server.getsockname()); print("loopback ok")
    """))
    assert "loopback ok" in result.stdout, result.stderr


def test_offline_data_loading_needs_no_network():
    result = _run_guarded(textwrap.dedent("""
        import os
        os.environ.pop("MLCORE_FULL_DATA", None)
        import mlcore as m
        d = m.load_mnist(); (X, y), _ = m.load_synth(100, 10); (c, _), _ = m.load_circles()
        print("offline ok", d.X_train.shape, X.shape, c.shape)
    """))
    assert "offline ok (4000, 784) (100, 2) (200, 2)" in result.stdout, result.stderr


def test_full_scale_download_is_blocked_by_the_guard(tmp_path):
    """The guard is real: a full-scale load really tries the network, and is stopped."""
    result = _run_guarded(textwrap.dedent(f"""
        import os
        os.environ["MLCORE_DATA_DIR"] = {str(tmp_path)!r}
        import mlcore as m
        try:
            m.load_mnist(full=True, progress=False)
        except Exception as err:
            print("refused:", type(err).__name__)
    """))
    assert "refused:" in result.stdout, result.stderr


@pytest.mark.skipif(os.environ.get("MLCORE_FULL_DATA", "").lower() in {"1", "true", "yes", "on"},
                    reason="full-scale runs may download")
def test_kernels_started_by_pytest_get_the_guard():
    assert str(GUARD) in os.environ.get("PYTHONPATH", "").split(os.pathsep)


@pytest.fixture
def broken_book(tmp_path):
    """A throw-away book with one notebook whose second cell raises."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(textwrap.dedent("""
        title: broken
        only_build_toc_files: true
        execute:
          execute_notebooks: cache          # the book's own mode (_config.yml)
          allow_errors: false
        sphinx:
          config:
            nb_execution_raise_on_error: true
    """))
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (book / "index.md").write_text("# Index\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"),
                nbformat.v4.new_code_cell("print(1 + 1)", metadata={"tags": ["nbval-check-output"]}),
                nbformat.v4.new_code_cell("raise ValueError('this chapter is broken')")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    nb.cells[1].execution_count = 1          # a stored, executed cell: nbval compares it
    nb.cells[2].outputs = []
    nbformat.write(nb, book / "broken.ipynb")
    return book


def test_a_raising_cell_fails_the_book_build(broken_book):
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
    result = subprocess.run([jupyter_book, "build", str(broken_book), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "this chapter is broken" in result.stdout + result.stderr


def test_a_raising_cell_fails_nbval(broken_book):
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
                             "--nbval-current-env", "-o", "addopts=", "-o", "testpaths=", "-q",
                             str(broken_book / "broken.ipynb")],
                            capture_output=True, text=True, timeout=300, cwd=broken_book)
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "this chapter is broken" in result.stdout
