"""Drop duplicate inline scripts from each HTML page.

With jupyter-book 1.0 the sphinx-thebe and sphinx-togglebutton configuration
scripts are registered twice (``const THEBE_JS_URL = ...`` among them), and
declaring a ``const`` twice is a JavaScript error on every page.  This keeps
the first of any identical scripts.
"""
from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The same inline script may be registered once with filename None and
        # once with '': compare what the page would contain.
        key = (getattr(script, "filename", None) or "", tuple(sorted(getattr(script, "attributes", {}).items())),
               None if hasattr(script, "filename") else str(script))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
