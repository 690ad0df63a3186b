"""Suite-wide pytest configuration (the top-level conftest).

Every test is marked by the tier its directory is: `unit` (tests/unit: the pure core, formats,
policies; fast), `integration` (tests/integration: real servers on loopback) and `plugin`
(tests/plugin: pytester runs of the pytest plugin). `-m unit` selects the fast tier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# pytester drives the plugin tests (tests/plugin/); pytest accepts `pytest_plugins` only here.
pytest_plugins = ["pytester"]

TIERS = ("unit", "integration", "plugin")
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            tier = item.path.relative_to(HERE).parts[0]
        except ValueError:  # an item of a pytester run, or a harness contract item
            continue
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
