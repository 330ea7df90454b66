"""The built book in a real browser: every page loads cleanly, math is typeset, images decode,
links resolve, search works; chapters download as notebooks and print to PDF.

These tests need the built book (``jupyter-book build .``) and Debian's ``chromium`` and
``chromium-driver``; without them they skip.  Screenshots of every page are kept in
``_build/screenshots/``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"

if not (HTML / "intro.html").is_file() and os.environ.get("CI"):
    raise RuntimeError("CI runs the tests after building the book, but _build/html is missing")
pytestmark = pytest.mark.skipif(not (HTML / "intro.html").is_file(),
                                reason="the book is not built (run 'jupyter-book build .' first)")

PAGES = sorted(str(p.relative_to(HTML)) for p in HTML.glob("*.html") if p.name not in {"index.html"}) + \
    sorted(str(p.relative_to(HTML)) for p in HTML.glob("chapters/*.html"))
CHAPTERS = sorted(p.stem for p in HTML.glob("chapters/*.html"))
MATH_PAGES = [f"chapters/{c}.html" for c in CHAPTERS]


@pytest.fixture(scope="module")
def site():
    from textbook.browser import serve
    with serve(HTML) as base:
        yield base


def _open(browser, url):
    browser.get(url)
    # Wait for MathJax (when the page loads it) to finish typesetting.
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
            MathJax.startup.promise.then(() => done(true), () => done(false));
        } else { done(true); }
    """)


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_cleanly(browser, site, page):
    _open(browser, site + page)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    broken = browser.execute_script(
        "return [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert broken == [], f"images that did not decode: {broken}"
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1300, min(int(height), 16000))
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / (page.replace("/", "__").replace(".html", ".png"))))
    browser.set_window_size(1300, 1000)


@pytest.mark.parametrize("page", MATH_PAGES)
def test_math_is_typeset(browser, site, page):
    _open(browser, site + page)
    rendered = browser.execute_script("return document.querySelectorAll('mjx-container').length")
    assert rendered > 5, f"only {rendered} typeset formulas"
    text = browser.execute_script("return document.querySelector('main').innerText")
    assert "$$" not in text and "\\begin{" not in text and "\\frac" not in text, "raw TeX left in the page"
    assert browser.execute_script("return typeof MathJax !== 'undefined' && MathJax.version") .startswith("3.")


def test_mathjax_is_served_locally():
    page = (HTML / "chapters" / "foundations.html").read_text()
    scripts = [s.get("src", "") for s in BeautifulSoup(page, "html.parser").find_all("script")]
    mathjax = [s for s in scripts if "mathjax" in s.lower() or "tex-" in s]
    assert mathjax and all(not s.startswith(("http:", "https:", "//")) for s in mathjax), mathjax
    assert (HTML / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()


@pytest.mark.parametrize("page", PAGES)
def test_internal_links_resolve(page):
    path = HTML / page
    soup = BeautifulSoup(path.read_text(), "html.parser")
    missing = []
    for a in soup.find_all("a", href=True):
        href = a["href"]
        if href.startswith(("http:", "https:", "mailto:", "javascript:")) or href == "#":
            continue
        parsed = urlparse(href)
        target = path if not parsed.path else (path.parent / unquote(parsed.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            missing.append(href)
        elif parsed.fragment and target.suffix == ".html":
            ids = {t.get("id") for t in BeautifulSoup(target.read_text(), "html.parser").find_all(id=True)}
            if parsed.fragment not in ids:
                missing.append(href)
    assert missing == [], f"{page}: links to nothing: {sorted(set(missing))[:10]}"


def test_search_finds_a_chapter_word(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(urljoin(site, "search.html?q=backpropagation"))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results ul.search li"))
    hits = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#search-results ul.search li")]
    assert any("VU Amsterdam" in h or "Sorbonne" in h or "Foundations" in h for h in hits), hits


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_downloads_as_notebook(chapter):
    page = (HTML / "chapters" / f"{chapter}.html").read_text()
    assert f"_sources/chapters/{chapter}.ipynb" in page
    notebook = HTML / "_sources" / "chapters" / f"{chapter}.ipynb"
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "downloaded notebook has no outputs"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_prints_cleanly_to_pdf(chapter):
    """make_pdfs measures the page at print width before printing and refuses any equation, code
    block or table wider than the column; the PDF then has every figure and no dead toggles."""
    from textbook import browser
    if None in browser.binaries() or not shutil.which("pdfinfo"):
        if os.environ.get("CI"):
            pytest.fail("CI must print the chapters: .ci/run installs chromium, chromium-driver and poppler-utils")
        pytest.skip("needs Debian's chromium, chromium-driver and poppler-utils")
    from textbook.pdf import export
    pdf, = export([chapter])
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    figures = len(BeautifulSoup((HTML / "chapters" / f"{chapter}.html").read_text(), "html.parser").select("figure"))
    assert pages >= 2, info
    assert len(images.strip().splitlines()) - 2 >= figures, images
    for label in ("Show code cell", "Hide code cell", "Copy to clipboard"):
        assert label not in text, f"{label!r} printed in {pdf.name}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"pdf-pages__{chapter}.txt").write_text(f"{pages}\n")


AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"    # axe-core 4.14.1


def _axe_violations(browser) -> list[dict]:
    """The serious and critical violations axe-core finds on the open page."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    violations = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
           .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                  where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
           .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), where: []}]));
    """)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_the_vendored_axe_is_the_pinned_release():
    import hashlib
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_page_passes_the_accessibility_audit(browser, site, page, mode):
    _open(browser, site + page)
    browser.execute_script("localStorage.setItem('mode', arguments[0]); localStorage.setItem('theme', arguments[0]);",
                           mode)                    # the theme reads the reader's choice as the page loads
    _open(browser, site + page)
    assert browser.execute_script("return document.documentElement.dataset.theme") == mode
    violations = _axe_violations(browser)
    assert violations == [], "\n".join(f"{v['impact']}: {v['id']} — {v['help']} at {v['where']}" for v in violations)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_alt_text_and_an_opaque_background(chapter):
    """Alt text for screen readers (the caption), and a white, opaque figure background so that
    black axes and labels stay readable on the dark theme."""
    from PIL import Image
    soup = BeautifulSoup((HTML / "chapters" / f"{chapter}.html").read_text(), "html.parser")
    figures = soup.select("figure")
    assert figures, "no figures"
    for figure in figures:
        img = figure.find("img")
        caption = figure.find("figcaption")
        assert img is not None and caption is not None, figure.get("id")
        assert len(img.get("alt", "").split()) >= 4, f"{figure.get('id')}: alt text {img.get('alt')!r}"
        with Image.open(HTML / "chapters" / unquote(img["src"])) as png:
            rgba = png.convert("RGBA")
            corners = [rgba.getpixel((x, y)) for x in (0, rgba.width - 1) for y in (0, rgba.height - 1)]
        assert all(c == (255, 255, 255, 255) for c in corners), f"{figure.get('id')}: corners {corners}"


def test_the_print_check_catches_a_formula_wider_than_the_page(browser, site):
    """The measurement make_pdfs relies on: an equation wider than the column is reported."""
    from textbook import pdf as make_pdfs
    assert make_pdfs.prepare_for_print(browser, f"{site}chapters/foundations.html") == []
    browser.execute_script("""
        const eq = document.createElement('mjx-container');
        eq.setAttribute('display', 'true');
        eq.innerHTML = '<span style="display:inline-block;width:3000px">x = y</span>';
        document.querySelector('article.bd-article').appendChild(eq);""")
    assert any(found.startswith('equation "x = y"') for found in browser.execute_script(make_pdfs.OVERFLOW_CHECK))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
