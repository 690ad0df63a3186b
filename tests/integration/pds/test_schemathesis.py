"""schemathesis against the PDS FHIR part of /openapi.json: no 5xx, responses conform."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.integration, pytest.mark.pds]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
OPERATIONS = [
    ("/personal-demographics/FHIR/R4/Patient/{id}", "GET"),
    ("/personal-demographics/FHIR/R4/Patient", "GET"),
    ("/personal-demographics/FHIR/R4/Patient/{id}", "PATCH"),
    ("/personal-demographics/FHIR/R4/Patient", "POST"),
    ("/personal-demographics/FHIR/R4/Patient/{id}/RelatedPerson", "GET"),
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_pds_fhir_operation_conforms(
    simulator_url: str, path: str, method: str, mode: GenerationMode
) -> None:
    document = httpx.get(f"{simulator_url}/openapi.json").json()
    operation = schemathesis.openapi.from_dict(document)[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=simulator_url)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()
    assert statuses and max(statuses) < 500
