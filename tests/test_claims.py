"""What the chapters say about their reports, checked against the reports' text (textbook.claims).

Needs the seed reports in ../shared/seeds (beside the project, as in CI); skips without them.
The checker itself is tested on injected cases, so a check that can no longer fail is noticed.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from textbook import claims

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"

#: Sentences that hold a verdict word without judging numbers, by chapter: (a phrase of the sentence, why).
NOT_VERDICTS = {
    "vu-amsterdam-2024": [("does exactly that", "describes what the code does"),
                          ("identical incoming weights", "the network's construction, stated by the assignment")],
    "vu-amsterdam-2020": [],
    "ntnu-tdt4265": [("exactly the same batches in the same order", "what an unshuffled loader does")],
    "sapienza-aml-2021": [("We draw the same numbers from private", "the set-up: the homework's seeds, drawn again")],
    "sorbonne-rdfia": [("implements exactly these equations", "what the code does"),
                       ("costs exactly", "a count by definition"),
                       ("started from the same numbers", "the set-up of the comparison"),
                       ("starts from the same initial weights", "the set-up of the comparison"),
                       ("not reproduced in the text", "about the report's figures, not numbers")],
}


def _report(chapter: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present on this machine")
    [path] = SEEDS.glob(f"{claims.REPORT_OF[chapter]}_*.txt")
    return path.read_text(encoding="utf-8")


def _chapter(chapter: str):
    return nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("chapter", sorted(claims.REPORT_OF))
def test_every_quotation_is_the_reports_own_words(chapter):
    nb = _chapter(chapter)
    text = "\n".join((claims.prose(nb), claims.glued_text(nb), claims.table_text(nb)))
    # A quoted row label names a row of the chapter's own table (“the row “…””), not the report's words.
    row_labels = {row[0] for table in claims.stored_tables(nb) for row in table[1:] if row}
    missing = [q for q in claims.misquotations(text, _report(chapter)) if q not in row_labels]
    assert not missing, f"{chapter}: quoted, but not in report {claims.REPORT_OF[chapter]}: {missing}"


@pytest.mark.parametrize("chapter", sorted(claims.REPORT_OF))
def test_every_number_credited_to_the_report_is_printed_in_it(chapter):
    missing = claims.numbers_not_in_report(claims.report_column_values(_chapter(chapter)), _report(chapter))
    assert not missing, f"{chapter}: in the report column, but not printed by the report: {missing}"


@pytest.mark.parametrize("chapter", sorted(claims.REPORT_OF))
def test_no_verdict_on_numbers_is_typed(chapter):
    allowed = tuple(phrase for phrase, _why in NOT_VERDICTS[chapter])
    typed = claims.typed_verdicts(claims.prose(_chapter(chapter)), allowed)
    assert not typed, f"{chapter}: a verdict word in a sentence without a computed value ({{eval}}): {typed}"


def test_each_allowed_phrase_is_still_in_its_chapter():
    for chapter, entries in NOT_VERDICTS.items():
        text = " ".join(claims.prose(_chapter(chapter)).split())
        for phrase, _why in entries:
            assert phrase in text, f"{chapter}: {phrase!r} is gone; drop it from NOT_VERDICTS"


# -- the checker fails where it must ------------------------------------------------------
REPORT = "The final loss is around 0.075. It is seen that a lower learning rate performs better\nboth on the train-\ning set."


def test_an_injected_misquote_is_found_and_a_faithful_quote_passes():
    text = 'The report says "a lower learning rate performs better both on the training set" and "lower rates win".'
    assert claims.misquotations(text, REPORT) == ["lower rates win"]


def test_a_misquote_in_a_glued_sentence_is_found():
    from textbook.prose import GLUE_PREFIX
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={GLUE_PREFIX + "text/plain": repr('it judged that "lower rates win"')})])
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert claims.glued_text(nb) == 'it judged that "lower rates win"'
    assert claims.misquotations(claims.glued_text(nb), REPORT) == ["lower rates win"]


def test_an_injected_typed_verdict_is_found_and_a_glued_one_passes():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Our loss matches the report's. The gap is {eval}`gap`, so the values agree.\n\n"
        "Both runs give the same accuracy.")])
    assert claims.typed_verdicts(claims.prose(nb)) == ["Our loss matches the report's.",
                                                       "Both runs give the same accuracy."]


def test_an_injected_number_the_report_does_not_print_is_found():
    values = [("final loss", "≈ 0.075"), ("learning rate", "0.05"), ("accuracy", "97.71 %")]
    assert claims.numbers_not_in_report(values, REPORT + " accuracy 97,71%") == ["learning rate: 0.05"]
