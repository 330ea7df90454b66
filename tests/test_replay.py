"""The execution cache the build and nbval share (textbook.build_cache) and nbval's replaying kernel (textbook.replay)."""
import json
from dataclasses import asdict
from queue import Empty

import nbformat
import pytest

from textbook import build_cache
from textbook.regression import DEFAULT, RECORD_KEY
from textbook.replay import ReplayKernel


def _notebook(record_text: str, printed: str = "42\n"):
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell("print(42)")
    first.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    last = nbformat.v4.new_code_cell("book.record_run()")
    record = {"scale": "offline", "numbers": {"accuracy": {"text": record_text, "tol": asdict(DEFAULT)}}}
    last.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "1 value"},
                                           metadata={RECORD_KEY: record})]
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter"), first, last]
    return nb


def _messages(kernel, source):
    msg_id, out = kernel.execute_cell_input(source), []
    while True:
        msg = kernel.get_message("iopub")
        assert msg["parent_header"]["msg_id"] == msg_id
        if msg["msg_type"] == "status":
            return out
        out.append(msg)


def test_replay_answers_each_cell_with_the_builds_outputs_and_checks_the_record(tmp_path):
    stored = tmp_path / "chapter.ipynb"
    nbformat.write(_notebook("91.0%"), stored)
    kernel = ReplayKernel(_notebook("91.2%", printed="43\n"), stored)
    assert [(m["msg_type"], m["content"]["text"]) for m in _messages(kernel, "print(42)")] == [("stream", "43\n")]
    kinds = [m["msg_type"] for m in _messages(kernel, "book.record_run()")]
    assert kinds == ["display_data", "stream"]          # 0.2 points is within the default 0.5
    with pytest.raises(Empty):
        kernel.get_message("iopub")


def test_replay_reports_a_drifted_record_and_foreign_code_as_errors(tmp_path):
    stored = tmp_path / "chapter.ipynb"
    nbformat.write(_notebook("91.0%"), stored)
    kernel = ReplayKernel(_notebook("89.0%"), stored)
    assert _messages(kernel, "print(42)")[0]["msg_type"] == "stream"
    error = _messages(kernel, "book.record_run()")[-1]
    assert error["msg_type"] == "error" and "drifted from the stored run" in error["content"]["evalue"]
    assert "'accuracy': stored '91.0%', now '89.0%'" in error["content"]["evalue"]
    other = ReplayKernel(_notebook("91.0%"), stored)
    error = _messages(other, "print(41)")[0]
    assert error["msg_type"] == "error" and "does not hold this cell's code" in error["content"]["evalue"]


def test_the_cache_hands_back_only_an_execution_of_the_current_code_under_the_current_stamp(tmp_path, monkeypatch):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_dir, chapter = tmp_path / "cache", tmp_path / "chapter.ipynb"
    blank = _notebook("91.0%")
    for cell in blank.cells[1:]:
        cell.outputs = []
    nbformat.write(blank, chapter)
    build_cache.prepare(cache_dir)
    cache = get_cache(str(cache_dir))
    cache.add_nb_to_project(str(chapter))
    cache.cache_notebook_bundle(CacheBundleIn(_notebook("91.0%"), str(chapter)), check_validity=False)
    executed = build_cache.executed(chapter, cache_dir)
    assert executed is not None
    assert [c.outputs[0]["output_type"] for c in executed.cells if c.cell_type == "code"] == ["stream", "display_data"]

    changed = nbformat.read(chapter, as_version=4)
    changed.cells[1].source = "print(41)"
    nbformat.write(changed, chapter)
    assert build_cache.executed(chapter, cache_dir) is None            # the code changed
    nbformat.write(blank, chapter)
    monkeypatch.setenv("MLCORE_FULL_DATA", "1")
    assert build_cache.executed(chapter, cache_dir) is None            # the data scale changed
    assert build_cache.prepare(cache_dir) is True                      # so the build drops the cache
    assert build_cache.executed(chapter, cache_dir) is None
    assert json.loads((cache_dir / build_cache.STAMP_FILE).read_text())["environment"] == {"MLCORE_FULL_DATA": "1"}


def test_a_changed_scoreboard_drops_the_introductions_execution_alone(tmp_path, monkeypatch):
    """A chapter's new code or re-run changes what the first page shows: only the introduction runs again."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_dir, chapter, intro = tmp_path / "cache", tmp_path / "chapter.ipynb", tmp_path / "intro.ipynb"
    monkeypatch.setattr(build_cache, "INTRO", intro)
    board = ["a row"]
    monkeypatch.setattr(build_cache, "scoreboard_digest", lambda: "|".join(board))
    build_cache.prepare(cache_dir)
    cache = get_cache(str(cache_dir))
    for path, code in ((chapter, "print(42)"), (intro, "print(7)")):
        page = _notebook("91.0%")
        page.cells[1].source = code                                     # the cache keys executions by their code
        nbformat.write(page, path)
        cache.add_nb_to_project(str(path))
        cache.cache_notebook_bundle(CacheBundleIn(page, str(path)), check_validity=False)
    assert build_cache.executed(intro, cache_dir) is not None

    board.append("a changed row")
    assert build_cache.executed(intro, cache_dir) is None              # the scoreboard changed
    assert build_cache.executed(chapter, cache_dir) is not None        # which no chapter shows
    assert build_cache.prepare(cache_dir) is False                     # nothing cleared but the introduction
    assert build_cache.executed(chapter, cache_dir) is not None
    assert build_cache.executed(intro, cache_dir) is None
    assert [r.uri for r in cache.list_cache_records()] == [str(chapter)]
