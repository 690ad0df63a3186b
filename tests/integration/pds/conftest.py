"""One simulator (population 500) for the PDS FHIR integration tests, over a real socket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig

BASE = "/personal-demographics/FHIR/R4"
WORKER_ROLE = "555254240100"


@pytest.fixture(scope="package")
def simulator_url() -> Iterator[str]:
    with serve_in_thread(build_app(SimulatorConfig(population=500))) as server:
        yield server.url


@pytest.fixture(scope="package")
def client(simulator_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator_url + BASE, timeout=30) as session:
        yield session


def headers(worker: bool = True, **extra: str) -> dict[str, str]:
    """Fresh X-Request-ID; healthcare-worker access unless `worker` is False."""
    values = {"X-Request-ID": str(uuid.uuid4())}
    if worker:
        values["NHSD-Session-URID"] = WORKER_ROLE
    values.update({k.replace("_", "-"): v for k, v in extra.items()})
    return values
