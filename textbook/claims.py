"""What a chapter says about its report, checked against the report's text.

* **Quotations.**  Every phrase in double quotes in a chapter's prose, its glued sentences and its
  tables is the report's own words: :func:`misquotations` lists those the report does not contain (whitespace, line-end
  hyphenation, typographic quotes, ligatures and case normalised).
* **Numbers credited to a report.**  Every number in the "report …" column of a chapter's
  stored tables is printed in the report: :func:`numbers_not_in_report`.
* **Verdicts.**  Words that judge agreement between numbers (identical, matches, agrees,
  exactly, confirms, reproduces, the same value …) are computed, never typed: a sentence
  holding one must also hold a glued value ``{eval}`…```.  :func:`typed_verdicts` lists the
  sentences that do not, except those a chapter declares not to compare numbers.
"""
from __future__ import annotations

import ast
import html
import re
import unicodedata

#: Each report chapter, in the book's order → the file-name prefix of its seed report in ``../shared/seeds/``.
REPORT_OF = {"vu-amsterdam-2024": "000", "vu-amsterdam-2020": "002", "ntnu-tdt4265": "003",
             "sapienza-aml-2021": "001", "sorbonne-rdfia": "004"}

_QUOTE = re.compile(r'"([^"]{2,300})"|“([^”]{2,300})”')
_VERDICT = re.compile(r"\b(identical(?:ly)?|match(?:es|ed)?|agree(?:s|d)?|exactly|confirm(?:s|ed)?|"
                      r"reproduc(?:es|ed)|the same (?:result|value|values|loss|losses|curve|curves|numbers?|"
                      r"gradients?|accuracy|accuracies|answer))\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e[-+−]?\d+)?")
_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}\b)")      # "60 000" is 60000
_EVAL = "\uE000"          # stands for a glued value once roles are stripped


def normalise(text: str) -> str:
    """Text compared as words: NFKC (ligatures), plain quotes and minus, no line-end hyphens, one space, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2212": "-"}))
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def prose(nb) -> str:
    """The markdown a reader sees (cells tagged ``remove-cell`` left out), with code, maths and roles removed.

    A glued value ``{eval}`name``` becomes a marker, so :func:`typed_verdicts` can tell a
    computed verdict from a typed one; headings are dropped.
    """
    parts = []
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "markdown" or "remove-cell" in tags:
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        text = re.sub(r"\{eval\}`[^`]*`", _EVAL, text)
        text = re.sub(r"\{[\w:]+\}`[^`]*`", "", text)
        text = re.sub(r"`[^`]*`", "", text)
        text = re.sub(r"\$\$.*?\$\$(?: *\([\w-]+\))?", "", text, flags=re.S)
        text = re.sub(r"\$[^$\n]*\$", "", text)
        text = re.sub(r"^#+ .*$|^\([\w-]+\)=$", "", text, flags=re.M)
        parts.append(text)
    return "\n\n".join(parts)


def quotations(text: str) -> list[str]:
    return [a or b for a, b in _QUOTE.findall(text)]


def misquotations(text: str, report: str) -> list[str]:
    """The quoted phrases of ``text`` that ``report`` does not contain."""
    words = normalise(report)
    return [q for q in quotations(text) if normalise(q) not in words]


def sentences(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text)
    return [s.strip() for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z*(\"“])|\n\n", flat) if s.strip()]


def typed_verdicts(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Sentences with a verdict word and no glued value, except those containing an ``allowed`` phrase."""
    found = []
    for sentence in sentences(text):
        if _VERDICT.search(sentence) and _EVAL not in sentence \
                and not any(phrase in sentence for phrase in allowed):
            found.append(sentence)
    return found


def stored_tables(nb) -> list[list[list[str]]]:
    """Every table in the chapter's stored outputs, as rows of cell texts (the header row first)."""
    tables = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            page = "".join(output.get("data", {}).get("text/html", ""))
            if "<table" in page:
                tables.append([[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                                for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
                               for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)])
    return tables


def table_text(nb) -> str:
    """The text of every stored table cell, one cell per line (for its quotations)."""
    return "\n".join(cell for table in stored_tables(nb) for row in table for cell in row)


def glued_text(nb) -> str:
    """The text of every value the chapter glued (what its ``{eval}`name``` shows), one value per line."""
    from .prose import GLUE_PREFIX
    values = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            shown = output.get("data", {}).get(GLUE_PREFIX + "text/plain")
            if shown is not None:
                shown = "".join(shown)
                values.append(ast.literal_eval(shown) if shown[:1] in "'\"" else shown)     # the repr of a str
    return "\n".join(values)


def report_column_values(nb) -> list[tuple[str, str]]:
    """``(row, value)`` of every cell in a stored table column headed "report …"."""
    values = []
    for rows in stored_tables(nb):
        columns = [i for i, name in enumerate(rows[0]) if name.startswith("report")] if rows else []
        values += [(row[0], row[i]) for row in rows[1:] for i in columns if i < len(row) and row[i]]
    return values


def numbers_not_in_report(values: list[tuple[str, str]], report: str) -> list[str]:
    """Each number of the report-column ``values`` that the report does not print, as "row: number"."""
    tokens = _NUMBER.findall(_THOUSANDS.sub("", normalise(report)))
    printed = {n.replace(",", "") for n in tokens} | {n.replace(",", ".") for n in tokens}      # 97,71 is 97.71
    missing = []
    for row, value in values:
        for number in _NUMBER.findall(_THOUSANDS.sub("", normalise(value))):
            if number.replace(",", "") not in printed:
                missing.append(f"{row}: {number}")
    return missing
