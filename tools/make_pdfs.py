"""Export chapters of the built book to PDF with headless Chromium, checked for print before printing.

    jupyter-book build . -W -n --keep-going     # first, build the HTML
    python tools/make_pdfs.py                   # then: _build/pdf/<chapter>.pdf for every chapter
    python tools/make_pdfs.py foundations       # or only some chapters

How the pages are checked and printed: :mod:`textbook.pdf` (Debian's ``chromium`` and
``chromium-driver``).
"""
from __future__ import annotations

import sys

from textbook.pdf import HTML, export


def parse_args(argv):
    import argparse
    parser = argparse.ArgumentParser(
        prog="python tools/make_pdfs.py",
        description="Print chapters of the built book (_build/html) to _build/pdf/<chapter>.pdf (A4) with headless "
                    "Chromium, after checking that nothing overflows the printed column. Build the book first.")
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help="chapter names, e.g. foundations (default: every built chapter)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    built = sorted(p.stem for p in (HTML / "chapters").glob("*.html"))
    unknown = [c for c in args.chapters if c not in built]
    if unknown:
        raise SystemExit(f"no built chapter {', '.join(map(repr, unknown))}; built: {', '.join(built) or 'none'} "
                         "(run jupyter-book build . first)")
    export(args.chapters or built)


if __name__ == "__main__":
    main()
