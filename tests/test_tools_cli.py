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


def _recorder(monkeypatch, tmp_path, library_versions):
    """record_full_scale with a fake execution that writes a new record, and the library fingerprint taking
    ``library_versions`` in turn (a change between two of them: the library changed during the run)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("record_full_scale", TOOLS / "record_full_scale.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    record = tmp_path / "chapter.json"
    record.write_text("the previous record")
    versions = iter(library_versions)
    monkeypatch.setattr(tool.records, "record_path", lambda chapter: record)
    monkeypatch.setattr(tool.records, "library_fingerprint", lambda: next(versions))
    monkeypatch.setattr(tool.records, "chapter_code_fingerprint", lambda path: "the chapter's code")
    monkeypatch.setattr(tool.settings, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "read", lambda chapter: tool.nbformat.v4.new_notebook())
    monkeypatch.setattr(tool, "execute", lambda nb, **hooks: (record.write_text("the new record"), 1.0)[1])
    return tool, record


def test_a_record_made_while_its_code_changed_is_not_kept(monkeypatch, tmp_path):
    tool, record = _recorder(monkeypatch, tmp_path, [{"mlcore/a.py": "before"}, {"mlcore/a.py": "after"}])
    with pytest.raises(SystemExit, match="foundations: its code or the library changed while it ran"):
        tool.run("foundations")
    assert record.read_text() == "the previous record"


def test_a_record_made_while_nothing_changed_is_kept(monkeypatch, tmp_path):
    tool, record = _recorder(monkeypatch, tmp_path, [{"mlcore/a.py": "same"}, {"mlcore/a.py": "same"}])
    assert tool.run("foundations") == 1.0
    assert record.read_text() == "the new record"
