"""The regression record the chapters keep (mlcore.book): parsing, tolerances, readable drifts."""
import json

import pytest

from mlcore import book


def test_parse_finds_percentages_decimals_and_integers():
    words, numbers = book.parse("step 1,234 of 30,000: 89.2% (loss 0.075, −0.4404, 8.4e+05)")
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
    result = book.compare({"q": {"text": stored, "tol": tol}}, {"q": {"text": new, "tol": tol}})
    assert bool(result) == drifts


def test_accuracy_tolerance_counts_images():
    tol = book.accuracy(200, images=1)                      # one of 200 points = 0.5 points
    assert tol.allows(90.0, 90.5, percent=True, integer=False, last_digit=0.1)
    assert not tol.allows(90.0, 91.0, percent=True, integer=False, last_digit=0.1)


def test_a_drift_names_quantity_values_and_tolerance():
    tol = vars(book.accuracy(1000))
    [line] = book.compare({"reported-vs-reproduced / final model: test accuracy": {"text": "89.20%", "tol": tol}},
                          {"reported-vs-reproduced / final model: test accuracy": {"text": "85.10%", "tol": tol}})
    assert "final model: test accuracy" in line and "89.20%" in line and "85.10%" in line
    assert "±0.3 percentage points" in line


def test_a_value_the_run_no_longer_produces_is_a_drift():
    [line] = book.compare({"gone": {"text": "1.0", "tol": vars(book.DEFAULT)}}, {})
    assert "not produced by this run" in line


def test_stored_record_is_read_from_the_notebook_outputs(tmp_path):
    record = {"scale": "offline", "numbers": {"a": {"text": "1.5", "tol": vars(book.DEFAULT)}}}
    notebook = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"text/plain": "…"}, "metadata": {book.RECORD_KEY: record}}]}]}
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(notebook))
    assert book.stored_record(path) == record


def test_every_chapter_stores_a_record_with_its_tables():
    """Each report chapter keeps a record, and its Reported vs reproduced rows are in it."""
    from pathlib import Path
    chapters = Path(__file__).resolve().parent.parent / "chapters"
    for name in ("vu-amsterdam-2024", "vu-amsterdam-2020", "ntnu-tdt4265", "sapienza-aml-2021", "sorbonne-rdfia"):
        record = book.stored_record(chapters / f"{name}.ipynb")
        assert record is not None, f"{name}: no stored record: run the chapter and save it"
        assert any(key.startswith("reported-vs-reproduced / ") for key in record["numbers"]), name


def test_points_tolerance_for_a_difference_of_accuracies():
    tol = vars(book.points())
    assert not book.compare({"gap": {"text": "0.7", "tol": tol}}, {"gap": {"text": "1.1", "tol": tol}})
    assert book.compare({"gap": {"text": "0.7", "tol": tol}}, {"gap": {"text": "1.7", "tol": tol}})


def test_a_row_without_tolerance_is_recorded_but_never_compared():
    import pandas as pd
    book.setup()
    frame = pd.DataFrame({"this build (offline)": ["89.2%", "1.7e-09"]}, index=["accuracy", "gradient error"])
    book.table("t", frame, row_tol={"gradient error": None})
    recorded = dict(book._RECORD)
    assert recorded["t / gradient error"] == {"text": "1.7e-09", "tol": None}
    moved = dict(recorded, **{"t / gradient error": {"text": "9.9e-05", "tol": None}})
    assert book.compare(recorded, moved) == []
    moved["t / accuracy"] = {"text": "91.0%", "tol": recorded["t / accuracy"]["tol"]}
    assert len(book.compare(recorded, moved)) == 1


def test_every_figure_cell_keeps_its_copy_out_of_the_book():
    """book.figure shows a figure under its cell (for Jupyter) and glues it for the book; without
    the tag remove-output the book would show that figure twice."""
    from pathlib import Path
    missing = []
    for path in sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            source = "".join(cell["source"])
            makes_figure = cell["cell_type"] == "code" and ("book.figure(" in source or "history_figure(" in source)
            if makes_figure and "remove-output" not in cell["metadata"].get("tags", []):
                missing.append(f"{path.name} cell {i}")
    assert not missing, "figure cells without the remove-output tag: " + ", ".join(missing)


def test_check_without_a_chapter_name_says_what_it_needs():
    book.setup()
    with pytest.raises(ValueError, match=r"check\(\) needs the chapter's notebook name"):
        book.check()
