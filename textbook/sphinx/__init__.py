"""The book build's Sphinx extensions (listed in ``_config.yml``)."""
