"""Every tool answers --help without doing anything, and refuses wrong arguments with a usage error."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"
#: tool: arguments it must refuse (an unknown name, a missing argument or an unknown option)
CLI_TOOLS = {
    "try_regressions.py": ["no such regression"],
    "make_cifar10_layout.py": [],
    "make_pdfs.py": ["--pages"],
    "run_chapters.py": ["no-such-chapter"],
    "jupyterlab_appendix.py": ["foundations"],
    "record_full_scale.py": ["foundations"],          # no full-scale data: not a chapter it records
}


def _run(tool, *args, cwd):
    return subprocess.run([sys.executable, str(TOOLS / tool), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("tool", sorted(CLI_TOOLS))
def test_help_prints_usage_and_does_nothing_else(tool, tmp_path):
    result = _run(tool, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python tools/{tool}")
    assert list(tmp_path.iterdir()) == []            # e.g. make_cifar10_layout wrote no './--help/' folder


@pytest.mark.parametrize("tool", sorted(CLI_TOOLS))
def test_wrong_arguments_get_a_usage_error(tool, tmp_path):
    result = _run(tool, *CLI_TOOLS[tool], cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"python tools/{tool}: error:" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_regression_names_a_line_that_is_there():
    """try_regressions stops at a regression whose line moved; catch that here, not 40 minutes in."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("try_regressions", TOOLS / "try_regressions.py")
    try_regressions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(try_regressions)
    for name, path, before, _after, *count in try_regressions.REGRESSIONS:
        text = (try_regressions.ROOT / path).read_text()
        assert text.count(before) == (count[0] if count else 1), name


def test_record_full_scale_stops_with_the_chapters_own_error_in_one_line(monkeypatch):
    """A chapter that fails (for example the record guard's RuntimeError) ends the tool with its one-line message."""
    import importlib.util
    from nbclient.exceptions import CellExecutionError
    spec = importlib.util.spec_from_file_location("record_full_scale", TOOLS / "record_full_scale.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    message = "no record of ntnu-tdt4265 written: its run began before a change to this chapter's code"

    def failing(chapter):
        raise CellExecutionError("a long traceback", "RuntimeError", message)
    monkeypatch.setattr(tool, "run", failing)
    monkeypatch.setenv("MLCORE_FULL_DATA", "0")
    with pytest.raises(SystemExit) as stop:
        tool.main(["ntnu-tdt4265"])
    assert str(stop.value) == f"ntnu-tdt4265: stopped, no record written: RuntimeError: {message}"
