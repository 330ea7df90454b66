"""Recorded full-scale runs (textbook.records): writing, staleness, and the column in the offline table."""
import json
import os
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

import textbook as book
from textbook import _state, records, settings

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def _notebook(path, code_cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(code)) for code in code_cells]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """A chapter notebook in tmp_path and a record of it, written with the current code."""
    monkeypatch.setenv(settings.RECORDS_DIR_ENV, str(tmp_path / "records"))
    notebook = _notebook(tmp_path / "demo.ipynb", ["x = 1", "y = 2"])
    numbers = {"reported-vs-reproduced / accuracy": {"text": "97.90%", "tol": {}}}
    path = records.write("demo", notebook, numbers, run_time_s=754.2, code_at_start=records.code_in_force(notebook))
    return notebook, path


def test_a_record_holds_its_numbers_and_provenance(recorded):
    notebook, path = recorded
    record = json.loads(path.read_text())
    provenance = record["provenance"]
    assert path.name == "demo.json" and record["numbers"]["reported-vs-reproduced / accuracy"]["text"] == "97.90%"
    assert provenance["run time (s)"] == 754.2 and provenance["machine"]["cpus"] == os.cpu_count()
    assert provenance["chapter code (sha256)"] == records.chapter_code_fingerprint(notebook)
    assert set(provenance["library sources (sha256)"]) >= {"mlcore/train.py", "mlcore/layers.py", "mlcore/optim.py",
                                                         "mlcore/plots.py", "textbook/printed.py",
                                                         "textbook/prose.py", "textbook/tables.py"}
    assert "/work" not in path.read_text() and "/home" not in path.read_text()   # no machine paths


def test_a_fresh_record_is_shown_value_by_value(recorded):
    notebook, _ = recorded
    record = records.read("demo")
    assert records.staleness(record, notebook) is None
    assert records.column(record, notebook, ["reported-vs-reproduced / accuracy", "reported-vs-reproduced / new row"]) \
        == ["97.90%", "not in the recorded run"]
    assert records.column_header(record).startswith(f"full scale (recorded run: {record['provenance']['date'][:10]}, ")
    assert records.column_header(record).endswith(f"13 min on {os.cpu_count()} cores)")


def test_no_record_says_so():
    assert records.column(None, "unused.ipynb", ["a", "b"]) == ["no recorded run"] * 2
    assert records.column_header(None) == "full scale (recorded run)"


def test_a_change_to_the_chapter_code_makes_the_record_stale(recorded):
    notebook, _ = recorded
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("prose does not count"))
    nbformat.write(nb, notebook)
    assert records.staleness(records.read("demo"), notebook) is None
    nb.cells[1].source = "y = 3"
    nbformat.write(nb, notebook)
    assert records.column(records.read("demo"), notebook, ["k"]) == [
        "stale: recorded before a change to this chapter's code"]


@pytest.mark.parametrize("module", ["mlcore/optim.py", "mlcore/plots.py", "textbook/printed.py",
                                    "textbook/prose.py", "textbook/tables.py"])
def test_a_change_to_a_fingerprinted_module_makes_the_record_stale(recorded, monkeypatch, module):
    notebook, _ = recorded
    changed = dict(records.library_fingerprint(), **{module: "0" * 64})
    monkeypatch.setattr(records, "library_fingerprint", lambda: changed)
    assert records.staleness(records.read("demo"), notebook) == f"stale: recorded before a change to {module}"


def test_the_offline_comparison_table_gains_the_recorded_column(recorded, monkeypatch):
    notebook, _ = recorded
    monkeypatch.chdir(notebook.parent)
    monkeypatch.delenv("MLCORE_FULL_DATA", raising=False)
    book.setup("demo")
    frame = pd.DataFrame([("accuracy", "97.71 %", "89.20%", "smaller data")],
                         columns=["quantity", "report", "this build (offline)", "why"]).set_index("quantity")
    shown = book.table(book.REPORTED_VS_REPRODUCED, frame)
    assert list(shown.columns)[:2] == ["report", "this build (offline)"] and list(shown.columns)[3] == "why"
    assert list(shown.columns)[2].startswith("full scale (recorded run: ")
    assert shown.iloc[0, 2] == "97.90%"
    assert list(book.table("another table", frame).columns) == list(frame.columns)


def test_each_scale_shows_its_own_reasons(tmp_path, monkeypatch):
    """With reasons=, the recorded column comes after this build's reasons and brings the run's own."""
    monkeypatch.setenv(settings.RECORDS_DIR_ENV, str(tmp_path / "records"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLCORE_FULL_DATA", raising=False)
    notebook = _notebook(tmp_path / "demo.ipynb", ["x = 1"])
    frame = pd.DataFrame([("accuracy", "97.71 %", "89.20%", "4 000 instead of 60 000 images")],
                         columns=["quantity", "report", "this build (offline)", "why (this build)"]).set_index("quantity")
    book.setup("demo")
    before = book.table(book.REPORTED_VS_REPRODUCED, frame, reasons="why (this build)")
    assert list(before.columns)[3:] == ["full scale (recorded run)", "why they differ (recorded run)"]
    assert before.iloc[0, 3:].tolist() == ["no recorded run", "—"]
    assert _state.RECORD["reported-vs-reproduced / accuracy / reason"] == {
        "text": "4 000 instead of 60 000 images", "tol": None}                   # recorded, never compared
    records.write("demo", notebook, {"reported-vs-reproduced / accuracy": {"text": "97.60%", "tol": {}},
                                     "reported-vs-reproduced / accuracy / reason": {"text": "-0.1 points", "tol": None}},
                  run_time_s=60.0, code_at_start=records.code_in_force(notebook))
    shown = book.table(book.REPORTED_VS_REPRODUCED, frame, reasons="why (this build)")
    assert shown.iloc[0].tolist()[1:] == ["89.20%", "4 000 instead of 60 000 images", "97.60%", "-0.1 points"]
    notebook.write_text(notebook.read_text().replace("x = 1", "x = 2"))          # the chapter's code changed
    stale = book.table(book.REPORTED_VS_REPRODUCED, frame, reasons="why (this build)")
    assert stale.iloc[0, 3].startswith("stale: recorded before") and stale.iloc[0, 4] == "—"


SMOKE_CHAPTER = [
    """
    import numpy as np, pandas as pd
    import mlcore as m
    import textbook as book
    FULL = book.setup("smoke")
    data = m.load_mnist(progress=False)
    X = m.scale_pixels(data.X_train)
    model = m.Sequential(m.Linear(784, 10, seed=0))
    m.fit(model, X, data.y_train, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=100, seed=0)
    _, accuracy = m.evaluate(model, m.scale_pixels(data.X_test), data.y_test)
    """,
    """
    book.table("reported-vs-reproduced", pd.DataFrame(
        [("training images", "60 000", f"{len(data.y_train):,}"), ("test accuracy", "about 90 %", f"{accuracy:.1%}")],
        columns=["quantity", "report", f"this build ({'full' if FULL else 'offline'})"]).set_index("quantity"))
    """,
    "book.record_run()",
]


def _run(notebook, monkeypatch, **env):
    """Execute ``notebook`` in a fresh kernel with ``env`` set (``None``: unset); the kernel inherits it."""
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return nb


def _table_html(nb):
    return "".join(out.get("data", {}).get("text/html", "") for out in nb.cells[1].outputs)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="the complete MNIST in ../shared/data/mnist is absent")
def test_full_scale_smoke_run_records_and_the_offline_build_shows_it(tmp_path, monkeypatch):
    """A small chapter run at full scale on ../shared/data/mnist (socket guard on: nothing downloaded),
    then offline: the record is written with its provenance, shown, and called stale after a code change."""
    notebook = _notebook(tmp_path / "smoke.ipynb", SMOKE_CHAPTER)
    records_dir = tmp_path / "records"
    _run(notebook, monkeypatch, MLCORE_FULL_DATA="1", MLCORE_DATA_DIR=str(SHARED_MNIST.parent),
         TEXTBOOK_RECORDS_DIR=str(records_dir))
    record = json.loads((records_dir / "smoke.json").read_text())
    assert record["numbers"]["reported-vs-reproduced / training images"]["text"] == "60,000"
    accuracy = record["numbers"]["reported-vs-reproduced / test accuracy"]["text"]
    assert 85.0 < float(accuracy.rstrip("%")) < 95.0
    mnist = record["provenance"]["data"]["MNIST"]
    assert mnist["read from"] == "the folder named by MLCORE_DATA_DIR"
    assert mnist["content sha256"]["t10k-labels-idx1-ubyte"].startswith("ff7bcfd4")

    offline = _run(notebook, monkeypatch, MLCORE_FULL_DATA=None, TEXTBOOK_RECORDS_DIR=str(records_dir))
    html = _table_html(offline)
    assert "full scale (recorded run: " in html and "official MNIST (60 000 train, 10 000 test)" in html
    assert accuracy in html and "60,000" in html

    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("lr=0.1", "lr=0.05")
    nbformat.write(nb, notebook)
    html = _table_html(_run(notebook, monkeypatch, MLCORE_FULL_DATA=None, TEXTBOOK_RECORDS_DIR=str(records_dir)))
    assert "stale: recorded before a change to this chapter&#x27;s code" in html or \
        "stale: recorded before a change to this chapter's code" in html
    assert accuracy not in html


def test_the_scoreboard_shows_each_reported_number_beside_the_record_and_follows_it(tmp_path, monkeypatch):
    """The intro page's scoreboard reads the records: a changed record changes it; a stale one says so."""
    import shutil
    from textbook import scoreboard
    records_dir = tmp_path / "records"
    shutil.copytree(settings.ROOT / "results" / "full-scale", records_dir)
    monkeypatch.setenv(settings.RECORDS_DIR_ENV, str(records_dir))
    monkeypatch.setattr(records, "staleness", lambda record, notebook: None)      # as if the code had not changed
    before = {(r["chapter"], r["quantity"]): r for r in scoreboard.rows(["sapienza-aml-2021"])}
    row = before[("sapienza-aml-2021", "Q4 the report's best network: test")]
    assert row["report"] == "59.00 %" and row["full scale (recorded)"].endswith("%")
    path = records_dir / "sapienza-aml-2021.json"
    record = json.loads(path.read_text())
    key = "reported-vs-reproduced / Q4 the report's best network: test"
    record["numbers"][key]["text"] = "12.3%"
    record["numbers"][f"{key} / reason"]["text"] = "seeds"
    record["numbers"][f"{key} / verdict"] = {"text": "-46.7 points, beyond the noise", "tol": None}
    path.write_text(json.dumps(record))
    after = {(r["chapter"], r["quantity"]): r for r in scoreboard.rows(["sapienza-aml-2021"])}
    changed = after[("sapienza-aml-2021", "Q4 the report's best network: test")]
    assert changed["full scale (recorded)"] == "12.3%" and changed["why (recorded run)"] == "seeds"
    assert changed["verdict (recorded run)"] == "-46.7 points, beyond the noise"
    del record["numbers"][f"{key} / verdict"]
    path.write_text(json.dumps(record))
    without = {(r["chapter"], r["quantity"]): r for r in scoreboard.rows(["sapienza-aml-2021"])}
    assert without[("sapienza-aml-2021", "Q4 the report's best network: test")]["verdict (recorded run)"] == \
        "— (no verdict recorded)"
    monkeypatch.undo()
    monkeypatch.setenv(settings.RECORDS_DIR_ENV, str(records_dir))
    monkeypatch.setattr(records, "staleness", lambda record, notebook: "stale: recorded before a change")
    stale = scoreboard.rows(["sapienza-aml-2021"])
    assert all(r["full scale (recorded)"] == "—" and r["verdict (recorded run)"] == "—" and "stale" in r["why (recorded run)"]
               for r in stale)


def test_every_scoreboard_row_has_a_recorded_verdict():
    """Each chapter's code words a verdict for every row the scoreboard shows (where its record is fresh)."""
    from textbook import scoreboard
    shown = [r for r in scoreboard.rows() if r["full scale (recorded)"] != "—"]
    if not shown:
        pytest.skip("no chapter has a fresh record (re-record with tools/record_full_scale.py)")
    missing = [(r["chapter"], r["quantity"]) for r in shown if r["verdict (recorded run)"].startswith("—")]
    assert not missing, f"rows without a recorded verdict: {missing}"


def test_a_table_records_each_rows_verdict_and_refuses_unknown_rows(monkeypatch):
    from textbook import tables
    frame = pd.DataFrame({"this build": [0.5]}, index=pd.Index(["loss"], name="quantity"))
    monkeypatch.setattr(_state, "RECORD", {})
    tables.table("t", frame, verdicts={"loss": "agrees to the 1 decimal it prints"})
    assert _state.RECORD["t / loss / verdict"] == {"text": "agrees to the 1 decimal it prints", "tol": None}
    with pytest.raises(ValueError, match="verdicts must name rows of the table 't'.*'accuracy'"):
        tables.table("t", frame, verdicts={"accuracy": "within"})
    with pytest.raises(TypeError, match="verdicts must map each row to a non-empty str"):
        tables.table("t", frame, verdicts={"loss": ""})


def test_the_scoreboard_lists_every_row_where_the_report_prints_a_number_or_makes_a_claim():
    """Claims without digits stay (Sorbonne's, NTNU's 4e); rows where the report printed nothing are left out."""
    from textbook import scoreboard
    shown = {(r["chapter"], r["quantity"]): r["report"] for r in scoreboard.rows()}
    assert shown[("ntnu-tdt4265", "4e: ‖w‖ falls with λ")] == 'yes (text: "there is a decrease"; its figure is not in the text)'
    assert shown[("sorbonne-rdfia", "Q10: one example per update")] == 'the path "could be unstable"'
    assert ("sapienza-aml-2021", "Q4 two-layer network in PyTorch, read as one hidden layer of 50: validation") in shown
    assert ("vu-amsterdam-2024", "scalar network: loss") not in shown                         # "not printed"
    assert ("vu-amsterdam-2020", "synthetic: a model that ignores x, epoch 50 (train / validation)") not in shown
    assert ("ntnu-tdt4265", "2d: where early stopping ends, watching the validation loss (the assignment's rule)") \
        not in shown                                                                          # "not run" by the report
    assert not any(report.startswith(("—", "not printed", "figure only", "not run")) for report in shown.values())


def test_a_record_written_before_the_library_fingerprint_is_stale(recorded):
    notebook, path = recorded
    record = json.loads(path.read_text())
    del record["provenance"]["library sources (sha256)"]
    assert records.staleness(record, notebook).startswith("stale: recorded before a change to mlcore/__init__.py")


def test_setup_takes_the_fingerprints_of_the_chapter_in_the_working_folder(tmp_path, monkeypatch):
    notebook = _notebook(tmp_path / "demo.ipynb", ["x = 1"])
    monkeypatch.chdir(tmp_path)
    book.setup("demo")
    assert _state.RUN["code_at_start"] == records.code_in_force(notebook)
    book.setup(None)
    assert _state.RUN["code_at_start"] is None


@pytest.mark.parametrize("change, named", [("chapter", "a change to this chapter's code"),
                                           ("library", "a change to mlcore/a.py")])
def test_no_record_is_written_when_its_code_changed_during_the_run(tmp_path, monkeypatch, change, named):
    monkeypatch.setenv(settings.RECORDS_DIR_ENV, str(tmp_path / "records"))
    notebook = _notebook(tmp_path / "demo.ipynb", ["x = 1"])
    monkeypatch.setattr(records, "library_fingerprint", lambda: {"mlcore/a.py": "before"})
    at_start = records.code_in_force(notebook)
    previous = records.record_path("demo")
    previous.parent.mkdir(parents=True)
    previous.write_text("the previous record")
    if change == "chapter":
        notebook.write_text(notebook.read_text().replace("x = 1", "x = 2"))
    else:
        monkeypatch.setattr(records, "library_fingerprint", lambda: {"mlcore/a.py": "after"})
    with pytest.raises(RuntimeError, match=f"no record of demo written: its run began before {named}"):
        records.write("demo", notebook, {}, run_time_s=1.0, code_at_start=at_start)
    assert previous.read_text() == "the previous record"


def test_a_record_needs_the_fingerprints_taken_as_the_run_began(tmp_path):
    notebook = _notebook(tmp_path / "demo.ipynb", ["x = 1"])
    with pytest.raises(ValueError, match="code_at_start: expected the fingerprints taken as the run began"):
        records.write("demo", notebook, {}, run_time_s=1.0, code_at_start=None)


def test_recorded_text_speaks_for_a_fresh_record_only(recorded, monkeypatch):
    notebook, _ = recorded
    monkeypatch.chdir(notebook.parent)                      # a chapter's kernel runs beside its notebook
    monkeypatch.setitem(_state.RUN, "chapter", "demo")
    assert book.recorded_text("reported-vs-reproduced / accuracy") == "97.90%"
    assert book.recorded_text("reported-vs-reproduced / new row") is None
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = "y = 3"
    nbformat.write(nb, notebook)
    assert book.recorded_text("reported-vs-reproduced / accuracy") is None      # stale: it no longer speaks
    with pytest.raises(TypeError, match="key must be a str naming a recorded value; received int"):
        book.recorded_text(3)
    monkeypatch.setitem(_state.RUN, "chapter", None)
    with pytest.raises(ValueError, match=r"call textbook.setup\(...\) first"):
        book.recorded_text("reported-vs-reproduced / accuracy")


def test_recorded_text_of_a_named_chapter_checks_that_chapters_notebook(recorded, monkeypatch):
    notebook, _ = recorded
    monkeypatch.setattr(records, "CHAPTERS_DIR", notebook.parent)   # the introduction names a chapter in chapters/
    monkeypatch.setitem(_state.RUN, "chapter", None)
    assert book.recorded_text("reported-vs-reproduced / accuracy", chapter="demo") == "97.90%"
    with pytest.raises(ValueError, match=r"chapter must name a notebook in .*/; received 'nowhere'"):
        book.recorded_text("reported-vs-reproduced / accuracy", chapter="nowhere")
    with pytest.raises(TypeError, match="chapter must be a str naming a chapter; received int"):
        book.recorded_text("reported-vs-reproduced / accuracy", chapter=3)
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = "y = 3"
    nbformat.write(nb, notebook)
    assert book.recorded_text("reported-vs-reproduced / accuracy", chapter="demo") is None     # stale
