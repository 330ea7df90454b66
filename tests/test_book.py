"""The book's machinery (textbook): the regression record, tolerances, readable drifts, the two readers' conventions."""
import json
import re
from pathlib import Path

import pytest
from textbook.sphinx.jupyter_reader import CAPTION_LABEL, captions_to_figures

import textbook as book
from textbook import _state, jupyterlab, regression

ROOT = Path(__file__).resolve().parents[1]


def test_parse_finds_percentages_decimals_and_integers():
    words, numbers = regression.parse("step 1,234 of 30,000: 89.2% (loss 0.075, −0.4404, 8.4e+05)")
    assert words == "step # of #: # (loss #, #, #)"
    values = [n[0] for n in numbers]
    assert values == [1234.0, 30000.0, 89.2, 0.075, -0.4404, 8.4e5]
    assert [n[1] for n in numbers] == [False, False, True, False, False, False]       # percent
    assert [n[2] for n in numbers] == [True, True, False, False, False, False]        # integer
    assert numbers[3][3] == pytest.approx(0.001) and numbers[5][3] == pytest.approx(1e4)


@pytest.mark.parametrize("stored, new, drifts", [
    ("89.2%", "89.5%", False),             # 0.3 points: within the default 0.5
    ("89.2%", "89.8%", True),              # 0.6 points
    ("0.075", "0.076", False),             # one unit in the last digit
    ("0.075", "0.078", True),
    ("12.31", "12.40", False),             # within 1 %
    ("12.31", "12.50", True),
    ("step 345 of 1550", "step 346 of 1550", True),        # integers exact by default
    ("falls monotonically", "does not change monotonically", True),
    ("0.1 → 0.2", "0.1", True),            # a number went missing
])
def test_compare_applies_the_default_tolerance(stored, new, drifts):
    tol = vars(book.DEFAULT)
    result = regression.compare({"q": {"text": stored, "tol": tol}}, {"q": {"text": new, "tol": tol}})
    assert bool(result) == drifts


def test_accuracy_tolerance_counts_images():
    tol = book.accuracy(200, images=1)                      # one of 200 points = 0.5 points
    assert tol.allows(90.0, 90.5, percent=True, integer=False, last_digit=0.1)
    assert not tol.allows(90.0, 91.0, percent=True, integer=False, last_digit=0.1)


def test_a_drift_names_quantity_values_and_tolerance():
    tol = vars(book.accuracy(1000))
    [line] = regression.compare({"reported-vs-reproduced / final model: test accuracy": {"text": "89.20%", "tol": tol}},
                          {"reported-vs-reproduced / final model: test accuracy": {"text": "85.10%", "tol": tol}})
    assert "final model: test accuracy" in line and "89.20%" in line and "85.10%" in line
    assert "±0.3 percentage points" in line


def test_a_value_the_run_no_longer_produces_is_a_drift():
    [line] = regression.compare({"gone": {"text": "1.0", "tol": vars(book.DEFAULT)}}, {})
    assert "not produced by this run" in line


def test_stored_record_is_read_from_the_notebook_outputs(tmp_path):
    record = {"scale": "offline", "numbers": {"a": {"text": "1.5", "tol": vars(book.DEFAULT)}}}
    notebook = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"text/plain": "…"}, "metadata": {regression.RECORD_KEY: record}}]}]}
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(notebook))
    assert regression.stored_record(path) == record


def test_every_chapter_stores_a_record_with_its_tables():
    """Each report chapter keeps a record, and its Reported vs reproduced rows are in it."""
    from pathlib import Path
    chapters = Path(__file__).resolve().parent.parent / "chapters"
    for name in ("vu-amsterdam-2024", "vu-amsterdam-2020", "ntnu-tdt4265", "sapienza-aml-2021", "sorbonne-rdfia"):
        record = regression.stored_record(chapters / f"{name}.ipynb")
        assert record is not None, f"{name}: no stored record: run the chapter and save it"
        assert any(key.startswith("reported-vs-reproduced / ") for key in record["numbers"]), name


def test_points_tolerance_for_a_difference_of_accuracies():
    tol = vars(book.points())
    assert not regression.compare({"gap": {"text": "0.7", "tol": tol}}, {"gap": {"text": "1.1", "tol": tol}})
    assert regression.compare({"gap": {"text": "0.7", "tol": tol}}, {"gap": {"text": "1.7", "tol": tol}})


def test_a_row_without_tolerance_is_recorded_but_never_compared():
    import pandas as pd
    book.setup()
    frame = pd.DataFrame({"this build (offline)": ["89.2%", "1.7e-09"]}, index=["accuracy", "gradient error"])
    book.table("t", frame, row_tol={"gradient error": None})
    recorded = dict(_state.RECORD)
    assert recorded["t / gradient error"] == {"text": "1.7e-09", "tol": None}
    moved = dict(recorded, **{"t / gradient error": {"text": "9.9e-05", "tol": None}})
    assert regression.compare(recorded, moved) == []
    moved["t / accuracy"] = {"text": "91.0%", "tol": recorded["t / accuracy"]["tol"]}
    assert len(regression.compare(recorded, moved)) == 1


CHAPTER_FILES = sorted((ROOT / "chapters").glob("*.ipynb"))
FIGURE_CALL = re.compile(r'(?:book\.figure|history_figure)\([^"\n]*"(fig-[^"]+)"')


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_every_figure_is_shown_by_its_cell_and_captioned_by_the_next(path):
    """One source for both readers: the figure is the cell's only image, in Jupyter and in the book
    (so the cell may not drop its output), and the caption cell right after it starts with (name)=."""
    cells, problems = _cells(path), []
    for i, cell in enumerate(cells):
        names = FIGURE_CALL.findall("".join(cell["source"])) if cell["cell_type"] == "code" else []
        if not names:
            continue
        tags = set(cell["metadata"].get("tags", []))
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        following = "".join(cells[i + 1]["source"]) if i + 1 < len(cells) else ""
        if len(names) != 1 or len(images) != 1:
            problems.append(f"cell {i} makes {len(names)} figures and stores {len(images)} images (one each)")
        if tags & {"remove-output", "remove-cell"}:
            problems.append(f"cell {i} ({names[0]}) drops its output from the book: {sorted(tags)}")
        label = CAPTION_LABEL.match(following) if cells[i + 1]["cell_type"] == "markdown" else None
        if label is None or label.group(1) != names[0]:
            problems.append(f"cell {i} ({names[0]}) is not followed by its caption cell '({names[0]})='")
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_no_chapter_stores_stderr(path):
    """Progress bars and warnings are not results.  Outputs stored by tools/run_chapters.py have none;
    a chapter saved from JupyterLab after a run keeps the blank lines its closed progress bars left."""
    streams = [i for i, cell in enumerate(_cells(path)) if cell["cell_type"] == "code"
               for output in cell.get("outputs", []) if output.get("name") == "stderr"]
    assert streams == [], (f"{path.name}: cells {streams} store stderr output; "
                           f"re-run with `python tools/run_chapters.py {path.stem}`")


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_prose_numbers_are_eval_roles_with_their_values_stored(path):
    """JupyterLab renders neither glue roles nor glue directives; {eval} it renders from the stored
    user_expressions, which must be the very text the chapter glued (tools/run_chapters.py, textbook.jupyterlab)."""
    EVAL, glued_texts = jupyterlab.EVAL, jupyterlab.glued_texts
    import nbformat
    nb = nbformat.read(path, as_version=4)
    texts, problems, glued_so_far = glued_texts(nb), [], set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            glued_so_far |= set(glued_texts(nbformat.v4.new_notebook(cells=[cell])))
            continue
        if "{glue" in cell.source:
            problems.append(f"cell {i} uses glue syntax, which JupyterLab shows raw")
        if "{numref}" in cell.source:
            problems.append(f"cell {i} uses {{numref}}, which JupyterLab shows as '(Paragraph)' for a caption: "
                            "use {ref}`words <fig-name>`")
        stored = {e["expression"]: e["result"]["data"]["text/plain"] for e in cell.metadata.get("user_expressions", [])}
        for name in EVAL.findall(cell.source):
            if name not in texts:
                problems.append(f"cell {i}: {{eval}}`{name}` names nothing the chapter glued")
            elif name not in glued_so_far:
                problems.append(f"cell {i}: {name} is glued only further down (Run All would evaluate it too early)")
            elif stored.get(name) != texts[name]:
                problems.append(f"cell {i}: {name} is stored as {stored.get(name)!r}, glued as {texts[name]!r}")
    assert not problems, f"{path.name}: " + "; ".join(problems[:8])


def test_the_book_build_moves_a_caption_cell_into_its_figure():
    figure = {"cell_type": "code", "source": 'book.figure("fig-a", fig)', "metadata": {"tags": ["hide-input"]}}
    caption = {"cell_type": "markdown", "source": "(fig-a)=\nLoss against $\\eta$; final {eval}`acc_final`; as in {ref}`the other figure <fig-b>`.",
               "metadata": {}}
    nb = captions_to_figures({"cells": [figure, caption]}, "doc")
    assert len(nb["cells"]) == 1
    assert nb["cells"][0]["metadata"]["mystnb"] == {
        "figure": {"name": "fig-a",
                   "caption": "Loss against $\\eta$; final {eval}`acc_final`; as in {ref}`the other figure <fig-b>`."},
        "image": {"alt": "Loss against \\eta; final (a number computed by the build); as in the other figure."}}


def test_a_caption_away_from_its_figure_stops_the_build():
    from sphinx.errors import ExtensionError
    other = {"cell_type": "code", "source": "x = 1", "metadata": {}}
    caption = {"cell_type": "markdown", "source": "(fig-a)=\nA caption.", "metadata": {}}
    with pytest.raises(ExtensionError, match=r"caption cell \(fig-a\)= \(cell 1\) must follow the code cell"):
        captions_to_figures({"cells": [other, caption]}, "doc")


def test_glue_defines_the_name_the_prose_evaluates_and_refuses_to_shadow():
    from IPython.testing.globalipapp import get_ipython
    shell = get_ipython()
    book.setup()
    book.glue("t_shown_value", "12.5%")
    assert shell.user_ns["t_shown_value"] == "12.5%"
    book.setup()                                  # Run All a second time, without a kernel restart
    book.glue("t_shown_value", "12.5%")
    shell.user_ns["t_chapter_variable"] = 3
    with pytest.raises(ValueError, match="'t_chapter_variable' is already a variable of this notebook"):
        book.glue("t_chapter_variable", "1.0")
    with pytest.raises(ValueError, match="name must be a Python identifier"):
        book.glue("not-an-identifier", "1.0")


def test_check_without_a_chapter_name_says_what_it_needs():
    book.setup()
    with pytest.raises(ValueError, match=r"record_run\(\) needs the chapter's notebook name"):
        book.record_run()


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_the_jupyterlab_appendix_is_current_and_kept_out_of_the_book(path):
    """The last cell repeats the equations the chapter borrows and the works it cites, for JupyterLab
    only (textbook.jupyterlab); stale, it would show JupyterLab readers the wrong ones."""
    appendix = jupyterlab
    chapters = appendix.all_chapters()
    nb = chapters[path.stem]
    cells = [c for c in nb.cells if c.metadata.get("textbook") == appendix.MARKER]
    expected = appendix.appendix_source(nb, chapters, appendix.load_bibliography())
    assert [c.source for c in cells] == ([expected] if expected else []), \
        "appendix out of date: run python tools/jupyterlab_appendix.py"
    if cells:
        assert nb.cells[-1] is cells[0] and cells[0].metadata.get("tags") == ["remove-cell"]
        used = set(appendix.EQ_REF.findall(appendix.prose(nb)))
        defined = {label for _, label in appendix.LABELLED_EQUATION.findall(
            "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))}
        assert used <= defined, f"equation labels JupyterLab cannot resolve: {sorted(used - defined)}"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_the_setup_cell_shows_readers_where_the_names_come_from(path):
    """The first code cell imports mlcore (as m) and the rest; the book shows it behind a toggle, never removes it."""
    first = next(cell for cell in _cells(path) if cell["cell_type"] == "code")
    assert "import mlcore as m" in "".join(first["source"])
    assert first["metadata"].get("tags") == ["hide-input"]


def test_glue_publishes_exactly_what_myst_nb_glue_publishes(monkeypatch):
    """textbook.glue writes MyST-NB's glue output itself (importing myst_nb costs a kernel 1.5 s)."""
    import IPython.display
    from myst_nb import glue as myst_glue
    from myst_nb.ext.glue import GLUE_PREFIX

    from textbook import prose
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *args, **kwargs: shown.append((args, kwargs)))
    import myst_nb.ext.glue as glue_module
    monkeypatch.setattr(glue_module, "ipy_display", lambda *args, **kwargs: shown.append((args, kwargs)))
    prose._publish("t_glued", "0.35 (±0.02)")
    myst_glue("t_glued", "0.35 (±0.02)", display=False)
    assert prose.GLUE_PREFIX == GLUE_PREFIX
    assert shown[0] == shown[1]
