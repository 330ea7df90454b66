"""Export chapters of the built book to PDF with headless Chromium.

    jupyter-book build . -W -n --keep-going     # first, build the HTML
    python tools/make_pdfs.py                   # then: _build/pdf/<chapter>.pdf for every chapter
    python tools/make_pdfs.py foundations       # or only some chapters

Each page is served on 127.0.0.1, given time for MathJax to typeset, and printed
by Chromium (Debian's ``chromium`` package; set CHROMIUM to use another binary).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from serve import serve  # noqa: E402

HTML = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "pdf"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise SystemExit("Chromium not found: install Debian's 'chromium' package or set CHROMIUM=/path/to/chrome")
    return found


def export(chapters: list[str]) -> list[Path]:
    if not (HTML / "intro.html").is_file():
        raise SystemExit(f"no built book in {HTML}: run 'jupyter-book build .' first")
    OUT.mkdir(parents=True, exist_ok=True)
    made = []
    with serve(HTML) as base, tempfile.TemporaryDirectory() as profile:
        for name in chapters:
            page = HTML / "chapters" / f"{name}.html"
            if not page.is_file():
                raise SystemExit(f"no chapter named {name!r} in {HTML / 'chapters'}")
            pdf = OUT / f"{name}.pdf"
            subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                            "--virtual-time-budget=20000", f"--print-to-pdf={pdf}", f"{base}chapters/{name}.html"],
                           check=True, capture_output=True, timeout=180)
            print(f"wrote {pdf.relative_to(ROOT)}")
            made.append(pdf)
    return made


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    chapters = argv or sorted(p.stem for p in (HTML / "chapters").glob("*.html"))
    export(chapters)


if __name__ == "__main__":
    main()
