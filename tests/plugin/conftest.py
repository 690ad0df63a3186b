"""Servers and contracts shared by the plugin tests: session-scoped apps on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.serving import serve_in_thread
from tests.integration.rehearsal_support import things_app
from tests.plugin.support import DRIFTED, write_plugin_contracts


@pytest.fixture(scope="session")
def legacy_url() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=1000)) as server:
        yield server.url


@pytest.fixture(scope="session")
def candidate_url() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=5000, drift_name_of=DRIFTED)) as server:
        yield server.url


@pytest.fixture
def harness_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory holding `contracts/` (the plugin's default) with two services."""
    write_plugin_contracts(pytester.path / "contracts")
    return pytester
