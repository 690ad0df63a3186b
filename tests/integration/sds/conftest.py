"""One simulator (seed 0, population 500) for the SDS integration tests, on a loopback socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig


@pytest.fixture(scope="package")
def simulator_url() -> Iterator[str]:
    with serve_in_thread(build_app(SimulatorConfig(seed=0, population=500))) as server:
        yield server.url


@pytest.fixture(scope="package")
def client(simulator_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator_url, timeout=30) as session:
        yield session
