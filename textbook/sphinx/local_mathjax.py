"""Serve MathJax 3 from the built book instead of a CDN.

Readers may be offline, and so is CI. The MathJax files come from the pinned PyPI
package ``django-static-mathjax`` (a plain copy of MathJax with no Django code
needed at build time); this extension copies the parts the HTML pages use into
``_static/mathjax/`` and points Sphinx's ``mathjax_path`` at them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

ENTRY = "tex-mml-chtml.js"
# The single-file component above, plus what it loads lazily: TeX extensions,
# the CHTML fonts, the context menu and its accessibility/speech modules.
LAZY_PARTS = ("input/tex", "input/mml", "output/chtml", "ui", "a11y", "sre", "adaptors")


def mathjax_source() -> Path:
    import mathjax  # provided by django-static-mathjax
    root = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    if not (root / ENTRY).is_file():
        raise FileNotFoundError(f"MathJax entry point {ENTRY} not found under {root}; "
                                "is django-static-mathjax installed?")
    return root


def _configure(app, config):
    config.mathjax_path = f"mathjax/{ENTRY}"


def _copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / ENTRY, target / ENTRY)
    for part in LAZY_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)


def setup(app):
    mathjax_source()                      # fail early, with a clear message
    app.connect("config-inited", _configure)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
