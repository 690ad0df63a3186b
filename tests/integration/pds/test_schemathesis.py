"""schemathesis against the PDS FHIR part of /openapi.json: no 5xx, responses conform."""

from __future__ import annotations

import pytest
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.schemathesis_support import (
    BOTH_MODES,
    call_generated_cases,
    published_schema,
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


@pytest.mark.parametrize("mode", BOTH_MODES)
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_pds_fhir_operation_conforms(
    simulator_url: str, path: str, method: str, mode: GenerationMode
) -> None:
    operation = published_schema(simulator_url)[path][method]
    statuses = call_generated_cases(
        operation, simulator_url, mode, max_examples=20, derandomize=True, checks=CHECKS
    )
    assert statuses and max(statuses) < 500
