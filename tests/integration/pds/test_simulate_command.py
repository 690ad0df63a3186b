"""`harness simulate` serves the PDS FHIR face from a child process."""

from __future__ import annotations

import uuid

import httpx
import pytest

from harness.serving import spawn_harness_server

pytestmark = [pytest.mark.integration, pytest.mark.pds]


def test_simulate_command_serves_pds() -> None:
    with spawn_harness_server(["simulate", "--population", "0", "--seed", "5"]) as server:
        url = f"{server.url}/personal-demographics/FHIR/R4/Patient/9000000009"
        response = httpx.get(url, headers={"X-Request-ID": str(uuid.uuid4())}, timeout=30)
        assert response.status_code == 200
        assert response.json()["name"][0]["family"] == "Smith"
        document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
        assert "/personal-demographics/FHIR/R4/Patient/{id}" in document["paths"]
