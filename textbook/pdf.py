"""Chapters of the built book printed to PDF with headless Chromium, checked for print before printing.

Each page is served on 127.0.0.1 and opened in headless Chromium (:mod:`textbook.browser`)
at the width of a printed page, with print styles on (``_static/print.css``).  Display
equations wider than the column are scaled to fit (``_static/print-fit.js``), and then
every equation, code block and table is measured: :func:`export` names any that still
overflow its column and stops, rather than print a page with clipped content.  The PDF
is A4 with 12 mm margins.
"""
from __future__ import annotations

import base64
from pathlib import Path

from .browser import headless, serve
from .settings import ROOT

HTML = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "pdf"
A4_MM, MARGIN_MM = (210, 297), 12
CSS_PX_PER_MM = 96 / 25.4
#: Every element that may not be wider than its column on paper, with a name for messages.
OVERFLOW_CHECK = """
const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const right = column.getBoundingClientRect().right + 1;
const found = [];
for (const [selector, kind] of [['mjx-container[display="true"]', 'equation'], ['pre', 'code'],
                                ['table', 'table'], ['img', 'image']]) {
  for (const el of column.querySelectorAll(selector)) {
    if (el.offsetParent === null) continue;                         // not printed (hidden)
    const box = el.getBoundingClientRect();
    const wider = el.scrollWidth > el.clientWidth + 1;          // content wider than its own box
    if (box.right > right || wider)
      found.push(`${kind} "${Array.from(el.innerText || "").slice(0, 60).join("").replace(/\\s+/g, " ")}" (${Math.round(box.width)} px)`);
  }
}
return found;
"""


def prepare_for_print(driver, url: str) -> list[str]:
    """Open ``url`` as it will print, fit the equations, and return what still overflows (nothing, we hope)."""
    width = round((A4_MM[0] - 2 * MARGIN_MM) * CSS_PX_PER_MM)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 1100, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.get(url)
    driver.set_script_timeout(60)
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
        ready.then(() => document.fonts.ready).then(() => done(true), () => done(false));
    """)
    driver.execute_script("window.mlcoreFitForPrint && window.mlcoreFitForPrint();")
    return driver.execute_script(OVERFLOW_CHECK)


def print_pdf(driver, pdf: Path) -> None:
    mm_to_in = 1 / 25.4
    result = driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": A4_MM[0] * mm_to_in, "paperHeight": A4_MM[1] * mm_to_in,
        "marginTop": MARGIN_MM * mm_to_in, "marginBottom": MARGIN_MM * mm_to_in,
        "marginLeft": MARGIN_MM * mm_to_in, "marginRight": MARGIN_MM * mm_to_in,
        "printBackground": True, "displayHeaderFooter": False})
    pdf.write_bytes(base64.b64decode(result["data"]))


def export(chapters: list[str]) -> list[Path]:
    if not (HTML / "intro.html").is_file():
        raise SystemExit(f"no built book in {HTML}: run 'jupyter-book build .' first")
    OUT.mkdir(parents=True, exist_ok=True)
    made = []
    with headless() as driver, serve(HTML) as base:
        for name in chapters:
            if not (HTML / "chapters" / f"{name}.html").is_file():
                raise SystemExit(f"no chapter named {name!r} in {HTML / 'chapters'}")
            overflowing = prepare_for_print(driver, f"{base}chapters/{name}.html")
            if overflowing:
                raise SystemExit(f"{name}: wider than the printed column:\n  " + "\n  ".join(overflowing))
            pdf = OUT / f"{name}.pdf"
            print_pdf(driver, pdf)
            print(f"wrote {pdf.relative_to(ROOT)}")
            made.append(pdf)
    return made
