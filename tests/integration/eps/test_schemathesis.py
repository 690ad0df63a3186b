"""schemathesis against the EPS part of /openapi.json: no 5xx, no conformance failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.integration.eps.server import running_eps
from tests.integration.schemathesis_support import BOTH_MODES, call_generated_cases

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


@pytest.mark.parametrize("mode", BOTH_MODES)
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_eps_operation_conforms(
    eps_url: str, eps_schema: Any, path: str, method: str, mode: GenerationMode
) -> None:
    operation = eps_schema[f"/electronic-prescriptions/FHIR/R4{path}"][method]
    # The request schemas are loose on purpose (the business rules are the server's), so
    # schema-valid random bodies are rightly refused: positive acceptance cannot hold.
    statuses = call_generated_cases(
        operation, eps_url, mode, max_examples=20, excluded_checks=[positive_data_acceptance]
    )
    assert statuses
