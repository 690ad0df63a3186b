"""Suite-wide pytest configuration (the top-level conftest)."""

# pytester drives the plugin tests (tests/plugin/); pytest accepts `pytest_plugins` only here.
pytest_plugins = ["pytester"]
