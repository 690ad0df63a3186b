"""schemathesis against the EPS part of /openapi.json: no 5xx, no conformance failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.integration.eps.server import running_eps

pytestmark = [pytest.mark.integration, pytest.mark.eps]
OPERATIONS = [
    ("/$prepare", "POST"),
    ("/$process-message", "POST"),
    ("/$convert", "POST"),
    ("/Task/$release", "POST"),
    ("/Task", "POST"),
    ("/Task", "GET"),
    ("/Claim", "POST"),
]


@pytest.fixture(scope="module")
def eps_url() -> Iterator[str]:
    with running_eps(population=500) as server:
        yield server.url


@pytest.fixture(scope="module")
def eps_schema(eps_url: str) -> Any:
    document = httpx.get(f"{eps_url}/openapi.json").json()
    assert all(
        operation["tags"] == ["eps"]
        for item in document["paths"].values()
        for operation in item.values()
    )
    return schemathesis.openapi.from_dict(document)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_eps_operation_conforms(
    eps_url: str, eps_schema: Any, path: str, method: str, mode: GenerationMode
) -> None:
    operation = eps_schema[f"/electronic-prescriptions/FHIR/R4{path}"][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=eps_url)
        statuses.append(response.status_code)
        assert response.status_code < 500, response.text
        # The request schemas are loose on purpose (the business rules are the server's), so
        # schema-valid random bodies are rightly refused: positive acceptance cannot hold.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    check()
    assert statuses
