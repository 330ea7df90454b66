"""The built book in a browser: a local server and headless Chromium (selenium), for the browser tests and PDFs.

Uses Debian's ``chromium`` and ``chromium-driver`` (``CHROMIUM`` may name another
binary); nothing is downloaded.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path


def binaries() -> tuple[str | None, str | None]:
    """The Chromium binary and its driver, or None where missing."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return chromium, shutil.which("chromedriver")


@contextmanager
def headless(*, console_log: bool = False, window: str = "1300,1000"):
    """A headless Chromium with a throw-away profile; ``console_log`` keeps the pages' console messages."""
    chromium, driver_path = binaries()
    if not chromium or not driver_path:
        raise RuntimeError("Chromium not found: install Debian's 'chromium' and 'chromium-driver' packages "
                           "(or set CHROMIUM=/path/to/chrome)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 f"--window-size={window}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(root: Path):
    """Yield the base URL of a throw-away HTTP server for ``root`` on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
