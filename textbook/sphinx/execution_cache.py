"""Before the book executes anything: a valid execution cache, and kernels that cannot reach the network.

* **Cache.**  The book is built in MyST-NB's ``cache`` mode; :func:`textbook.build_cache.prepare`
  clears the cache when anything a chapter's outputs depend on, besides its code cells, has
  changed (``mlcore``, ``textbook``, the records, the data scale, the packages).
* **Offline.**  At the default (offline) scale the kernels that execute the chapters start with
  ``tests/offline`` on ``PYTHONPATH``, whose ``sitecustomize`` refuses every connection that
  leaves the machine, so the build proves that the offline book needs no network (``pytest``
  compares these executions rather than running the chapters again).
"""
from __future__ import annotations

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def _prepare(app) -> None:
    from mlcore.config import full_data
    from textbook import build_cache
    from textbook.execute import guard_offline_kernels

    if not full_data():
        guard_offline_kernels()
    config = app.env.mystnb_config
    if config.execution_mode == "cache" and build_cache.prepare(config.execution_cache_path):
        LOGGER.info("execution cache cleared: mlcore, textbook, the records, the data scale or the "
                    "packages changed since it was made")


def setup(app):
    # After MyST-NB's own builder-inited handler, which sets the cache's path.
    app.connect("builder-inited", _prepare, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
