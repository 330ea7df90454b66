"""Every number a chapter credits to a report is printed in that report.

The Reported-vs-reproduced table of each chapter has a column "report NNN"; each
number in it must occur in ``../shared/seeds/NNN_*.txt`` (the report's text), exactly
or as a rounding of a number printed there.  Skips when the reports are absent.
"""
import html
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CHAPTERS = sorted(p for p in (ROOT / "chapters").glob("*.ipynb") if p.stem != "foundations")
NUMBER = re.compile(r"\d+(?:[  ,]\d{3})*(?:\.\d+)?")


def _cells_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def reported_column(notebook: Path) -> tuple[str, dict[str, str]]:
    """(report number, {row label: value}) of the chapter's stored reported-vs-reproduced table."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code" or 'book.table("reported-vs-reproduced"' not in "".join(cell["source"]):
            continue
        for output in cell.get("outputs", []):
            page = "".join(output.get("data", {}).get("text/html", ""))
            if not page:
                continue
            header = [_cells_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", page.split("</thead>")[0], re.S)]
            column = next(i for i, name in enumerate(header) if name.startswith("report 0"))
            report = header[column].split()[1]
            rows = {}
            for row in re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S):
                label = _cells_text(re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1))
                values = [_cells_text(v) for v in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                rows[label] = values[column - 1]
            return report, rows
    raise AssertionError(f"{notebook.name}: no stored reported-vs-reproduced table")


def _numbers(text: str) -> list[str]:
    return [re.sub(r"[  ,]", "", token) for token in NUMBER.findall(text)]


def printed_in(token: str, seed_numbers: list[str]) -> bool:
    """``token`` is printed, or is a rounding of a printed number to fewer (but some) decimals."""
    if token in seed_numbers:
        return True
    decimals = len(token.split(".")[1]) if "." in token else 0
    if decimals == 0:                 # a whole number must be printed as such
        return False
    for printed in seed_numbers:
        printed_decimals = len(printed.split(".")[1]) if "." in printed else 0
        if printed_decimals > decimals and round(float(printed), decimals) == float(token):
            return True
    return False


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the reports in ../shared/seeds are absent")
@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_number_credited_to_a_report_is_printed_in_it(notebook):
    report, rows = reported_column(notebook)
    seed = next(SEEDS.glob(f"{report}_*.txt"))
    text = re.sub(r"(\d),(\d{1,2})(?!\d)", r"\1.\2", seed.read_text(encoding="utf-8"))   # decimal commas: 97,71 %
    seed_numbers = _numbers(text)
    missing = [f"{label!r}: {token} (in {value!r})" for label, value in rows.items()
               for token in _numbers(value) if not printed_in(token, seed_numbers)]
    assert not missing, f"{notebook.name} credits to report {report} numbers it does not print:\n  " + \
        "\n  ".join(missing)


def test_a_number_not_in_the_report_is_caught():
    printed = _numbers("a final accuracy of 97.71 and a loss of 0.4403985 after 1 600 steps")
    assert printed_in("97.71", printed) and printed_in("0.4404", printed) and printed_in("1600", printed)
    assert not printed_in("97.72", printed) and not printed_in("0.44", ["0.45"]) and not printed_in("98", printed)
